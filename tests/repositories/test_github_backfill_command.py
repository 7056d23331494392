"""`python manage.py github_backfill`, and linking deployments to backfilled PRs in either
order, against the fake GitHub on 127.0.0.1."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from deployments.recording import deployment_record
from repositories.models import GitHubApiToken, PullRequest
from tests.factories import make_sha
from tests.repositories.fake_github import TOKEN, Fault, add_merged, served


@pytest.fixture
def github(settings, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with served(settings, monkeypatch) as fake:
        yield fake


def backfill_command(*arguments: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("github_backfill", *arguments, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_the_command_backfills_a_repository(github, organization, capsys):
    github.page_size = 2
    for number in range(1, 4):
        add_merged(github, number, updated_day=10 + number)

    stdout, _ = backfill_command("--org", "acme", "--repository", "acme/web")

    assert "acme/web: 3 pull requests read, 3 merged written" in stdout
    assert "2 of ~4 PRs" in capsys.readouterr().err
    assert PullRequest.objects.filter(repository__full_name="acme/web").count() == 3
    stdout, _ = backfill_command("--org", "acme", "--repository", "acme/web")
    assert "unchanged since the last backfill; 1 GitHub requests" in stdout


def test_the_command_takes_since(github, organization):
    add_merged(github, 1, updated_day=3)
    add_merged(github, 2, updated_day=20)

    backfill_command("--org", "acme", "--repository", "acme/web", "--since", "2026-11-10")

    assert list(PullRequest.objects.values_list("number", flat=True)) == [2]


def test_the_command_asks_for_github_token(github, organization, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    with pytest.raises(CommandError, match="paste one on the Integrations page, or set GITHUB"):
        backfill_command("--org", "acme", "--repository", "acme/web")


def test_the_command_reads_with_the_stored_token_when_github_token_is_unset(
    github, organization, monkeypatch
):
    monkeypatch.delenv("GITHUB_TOKEN")
    GitHubApiToken.objects.create(organization=organization, token=TOKEN, login="octocat")
    add_merged(github, 1, updated_day=3)

    backfill_command("--org", "acme", "--repository", "acme/web")

    assert list(PullRequest.objects.values_list("number", flat=True)) == [1]
    assert github.requests[0][1]["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--org", "nope", "--repository", "acme/web"], "No organization with slug 'nope'"),
        (["--org", "acme", "--repository", "web"], "must look like OWNER/NAME"),
        (["--org", "acme", "--repository", "acme/web", "--since", "soon"], "is not a date"),
    ],
)
def test_the_command_rejects_bad_arguments(github, organization, arguments, message):
    with pytest.raises(CommandError, match=message):
        backfill_command(*arguments)


def test_the_command_reports_a_github_failure(github, organization):
    github.faults.append(Fault("/pulls?", 503, times=None, message="Unavailable"))
    with pytest.raises(CommandError, match="acme/web: GET .* answered 503 4 times"):
        backfill_command("--org", "acme", "--repository", "acme/web")


def record(organization, sha: str, environment: str):
    return deployment_record(
        organization=organization,
        request_id=f"request-{environment}",
        raw_body="{}",
        shas=[sha],
        environment_name=environment,
        deployed_at=datetime(2026, 11, 20, tzinfo=UTC),
    ).deployment


def test_deployments_link_to_backfilled_prs_in_either_order(
    github, organization, django_capture_on_commit_callbacks
):
    merge = add_merged(github, 1, updated_day=11)
    add_merged(github, 2, updated_day=12)
    before = record(organization, merge, "production")
    member = record(organization, make_sha("2-a"), "staging")
    assert list(before.pull_requests.all()) == []

    with django_capture_on_commit_callbacks(execute=True):
        backfill_command("--org", "acme", "--repository", "acme/web")
    after = record(organization, merge[:7], "canary")

    assert [pr.number for pr in before.pull_requests.all()] == [1]
    assert [pr.number for pr in member.pull_requests.all()] == [2]
    assert [pr.number for pr in after.pull_requests.all()] == [1]
    before.refresh_from_db()
    assert before.repository.full_name == "acme/web"
