"""Repositories from any code host: a host and a path of two or more segments (GitLab's
nested groups), links to the right host, and the API filters taking the full path."""

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from deployments.recording import deployment_record
from repositories.git_log import repository_name_guess
from repositories.models import PullRequest, Repository
from repositories.services import CodeHost, repository_ensure
from tests.factories import make_commit, make_contributor, make_repository
from tests.metrics.helpers import at, make_deployment, make_merged_pr
from tests.repositories.gitrepo import GitRepo
from tokens.services import token_generate

NESTED = "platform/payments/checkout"
SELF_MANAGED = CodeHost(kind=Repository.Host.GITLAB, url="https://gitlab.example.com")


def bearer(organization, scopes) -> APIClient:
    _, plaintext = token_generate(organization=organization, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def test_a_repository_without_a_host_is_githubs(organization):
    repository = make_repository(organization, "acme/web")
    repository.refresh_from_db()

    assert (repository.host, repository.host_url) == ("github", "https://github.com")
    assert repository.commit_url("a" * 40) == f"https://github.com/acme/web/commit/{'a' * 40}"
    assert repository.pull_request_url(7) == "https://github.com/acme/web/pull/7"


@pytest.mark.parametrize("full_name", ["acme/web", NESTED, "a/b/c/d/e", "group/sub.group/my-proj"])
def test_a_path_of_two_or_more_segments_is_stored(organization, full_name):
    assert make_repository(organization, full_name).full_name == full_name


@pytest.mark.parametrize("full_name", ["web", "acme/", "/web", "acme//web", "acme/my web", ""])
def test_the_table_refuses_a_path_that_is_not_segments(organization, full_name):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_repository(organization, full_name)


def test_links_of_a_gitlab_project_go_to_its_host(organization):
    repository = repository_ensure(organization=organization, full_name=NESTED, host=SELF_MANAGED)
    pull_request = PullRequest.objects.create(
        organization=organization, repository=repository, number=12, title="Checkout"
    )
    base = f"https://gitlab.example.com/{NESTED}"

    assert repository.html_url == base
    assert repository.commit_url("b" * 40) == f"{base}/-/commit/{'b' * 40}"
    assert pull_request.html_url == f"{base}/-/merge_requests/12"


def test_a_source_naming_the_host_records_it_and_git_import_keeps_it(organization):
    imported = repository_ensure(organization=organization, full_name=NESTED)
    assert imported.host == "github"

    from_gitlab = repository_ensure(organization=organization, full_name=NESTED, host=SELF_MANAGED)
    again_from_git = repository_ensure(organization=organization, full_name=NESTED)

    assert from_gitlab.pk == imported.pk == again_from_git.pk
    assert (again_from_git.host, again_from_git.host_url) == ("gitlab", SELF_MANAGED.url)
    assert Repository.objects.count() == 1


@pytest.fixture
def gitlab_history(organization):
    """A merged, deployed MR of a nested GitLab project, and one of a GitHub repository."""
    ada = make_contributor(organization, "Ada", login="ada")
    project = repository_ensure(organization=organization, full_name=NESTED, host=SELF_MANAGED)
    github = make_repository(organization, "acme/web")
    shipped = {}
    for repository in (project, github):
        pull_request = make_merged_pr(
            repository,
            author=ada,
            first_commit_at=at("2026-01-05", 9),
            opened_at=at("2026-01-05", 10),
            first_review_at=at("2026-01-05", 12),
            merged_at=at("2026-01-05", 15),
            title=f"Change {repository.full_name}",
        )
        sha = pull_request.commit.sha
        PullRequest.objects.filter(pk=pull_request.pk).update(merge_commit_sha=sha)
        make_deployment(
            organization,
            commits=[pull_request.commit],
            pull_requests=[pull_request],
            deployed_at=at("2026-01-05", 16),
        )
        shipped[repository.host] = pull_request
    return shipped


def test_the_pull_requests_api_filters_by_a_nested_path(organization, gitlab_history):
    api = bearer(organization, ["metrics:read"])

    body = api.get("/api/v1/pull-requests", {"repository": NESTED}).json()

    assert [item["repository"] for item in body["results"]] == [NESTED]
    assert body["results"][0]["number"] == gitlab_history["gitlab"].number


def test_the_pull_requests_api_names_the_path_rule_for_a_bad_repository(organization):
    response = bearer(organization, ["metrics:read"]).get(
        "/api/v1/pull-requests", {"repository": "checkout"}
    )

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["repository"]
    assert "group/subgroup/project" in response.json()["errors"][0]["message"]


def test_the_deployments_api_filters_by_a_nested_path(organization):
    project = repository_ensure(organization=organization, full_name=NESTED, host=SELF_MANAGED)
    for repository in (project, make_repository(organization, "acme/web")):
        deployment_record(
            organization=organization,
            request_id=repository.full_name,
            raw_body="{}",
            shas=[make_commit(repository).sha],
            environment_name="production",
            deployed_at=at("2026-01-05", 9),
        )
    api = bearer(organization, ["deployments:read"])

    body = api.get("/api/v1/deployments", {"repository": NESTED}).json()

    assert body["count"] == 1
    assert body["results"][0]["repository"] == NESTED


def test_the_dashboard_drilldown_links_each_pr_to_its_host(member_client, gitlab_history):
    response = member_client.get("/?from=2026-01-05&to=2026-01-11&weeks=custom")
    html = response.content.decode()
    merge_request, pull_request = gitlab_history["gitlab"], gitlab_history["github"]
    base = f"https://gitlab.example.com/{NESTED}"

    assert f'href="{base}/-/merge_requests/{merge_request.number}"' in html
    assert f'href="{base}/-/commit/{merge_request.commit.sha}"' in html
    assert f'href="https://github.com/acme/web/pull/{pull_request.number}"' in html


@pytest.mark.parametrize(
    ("remote", "full_name"),
    [
        ("git@github.com:acme/web.git", "acme/web"),
        ("git@gitlab.com:platform/payments/checkout.git", NESTED),
        ("https://gitlab.example.com/platform/payments/checkout.git", NESTED),
        ("ssh://git@gitlab.example.com:2222/platform/payments/checkout.git", NESTED),
    ],
)
def test_git_import_names_the_repository_by_the_remotes_whole_path(tmp_path, remote, full_name):
    repo = GitRepo(tmp_path / "clone")
    repo.run("remote", "add", "origin", remote)

    assert repository_name_guess(repo.path) == full_name
