"""GitLab history from the card and the worker: paste a token (checked with GET /user),
track a project, procrastinate's real worker backfills it from the fake GitLab on 127.0.0.1;
a Push Hook of more than 20 commits has the rest read by the worker."""

import pytest
from django.urls import reverse

from repositories.gitlab_connection import gitlab_webhook_connect
from repositories.models import Commit, PullRequest, WebhookDelivery
from repositories.sync_models import GitHubApiToken, GitHubSyncState, GitLabApiToken
from repositories.tasks import github_tracked_sync
from tests.factories import make_sha
from tests.repositories import fake_gitlab, gitlab_payloads
from tests.repositories.fake_gitlab import TOKEN, add_merged
from tests.repositories.gitlab_helpers import deliver

PATH = "platform/payments/checkout"
# The worker reads the jobs over its own connection: the test's data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gitlab(settings, monkeypatch):
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    with fake_gitlab.served(settings, monkeypatch) as fake:
        yield fake


@pytest.fixture
def connected(organization):
    return GitLabApiToken.objects.create(organization=organization, token=TOKEN, username="ada")


def test_an_admin_stores_a_token_gitlab_accepts(admin_client, organization, gitlab):
    response = admin_client.post(reverse("gitlab_token"), {"token": TOKEN}, follow=True)

    stored = GitLabApiToken.objects.get(organization=organization)
    assert (stored.token, stored.username) == (TOKEN, "ada")
    page = response.content.decode()
    assert "Shiplog reads GitLab as @ada" in page
    assert TOKEN not in page
    assert gitlab.requests_to("/api/v4/user")


def test_a_token_gitlab_refuses_is_not_stored(admin_client, organization, gitlab):
    response = admin_client.post(reverse("gitlab_token"), {"token": "glpat-no"}, follow=True)

    assert "GitLab refused the token" in response.content.decode()
    assert not GitLabApiToken.objects.exists()


def test_a_tracked_project_is_backfilled_by_the_worker(
    admin_client, organization, gitlab, connected, run_worker
):
    for iid in (1, 2):
        add_merged(gitlab, iid, updated_day=10 + iid)

    response = admin_client.post(reverse("gitlab_projects"), {"project": PATH}, follow=True)
    assert f"Tracking {PATH}" in response.content.decode()
    run_worker()

    assert sorted(PullRequest.objects.values_list("number", flat=True)) == [1, 2]
    state = GitHubSyncState.objects.get(repository__full_name=PATH)
    assert state.tracked and state.last_synced_at is not None
    card = admin_client.get(reverse("integrations")).content.decode()
    assert f'<tr data-repository="{PATH}">' in card
    assert 'id="github-card"' in card and card.count(f'data-repository="{PATH}"') == 1


def test_the_periodic_pass_queues_tracked_gitlab_projects(
    admin_client, organization, gitlab, connected, run_worker
):
    admin_client.post(reverse("gitlab_projects"), {"project": PATH})
    run_worker()
    add_merged(gitlab, 3, updated_day=20)

    github_tracked_sync.defer(timestamp=0)
    run_worker()

    assert list(PullRequest.objects.values_list("number", flat=True)) == [3]


def test_a_bad_project_path_tracks_nothing(admin_client, gitlab, connected):
    response = admin_client.post(reverse("gitlab_projects"), {"project": "checkout"}, follow=True)

    assert "Nothing tracked" in response.content.decode()
    assert not GitHubSyncState.objects.exists()


def test_stop_tracking_and_remove_the_token(admin_client, organization, gitlab, connected):
    admin_client.post(reverse("gitlab_projects"), {"project": PATH})
    state = GitHubSyncState.objects.get()

    admin_client.post(reverse("gitlab_project_stop", args=[state.repository_id]))
    assert not GitHubSyncState.objects.get().tracked
    admin_client.post(reverse("gitlab_projects"), {"project": PATH})
    admin_client.post(reverse("gitlab_token_remove"))

    assert not GitLabApiToken.objects.exists()
    assert not GitHubSyncState.objects.get().tracked


def test_a_push_of_more_than_20_commits_has_the_rest_read_by_the_worker(
    client, organization, gitlab, connected, run_worker
):
    gitlab.full_name = "mike/diaspora"
    before, shas = make_sha("before"), [make_sha(f"pushed {i}") for i in range(25)]
    gitlab.branch_commits[f"{before}..{shas[-1]}"] = [
        fake_gitlab.commit(sha, date=f"2026-11-01T10:{minute:02d}:00.000Z")
        for minute, sha in reversed(list(enumerate(shas)))
    ]
    webhook, _ = gitlab_webhook_connect(organization=organization)
    payload = gitlab_payloads.push(
        [gitlab_payloads.push_commit(sha) for sha in shas[-20:]],
        total_commits_count=25,
        host=gitlab.url,  # the API read is the project's own GitLab's
    )
    payload["before"] = before

    response = deliver(client, webhook, "Push Hook", payload)
    assert "are read from GitLab's API by the worker" in response.json()["detail"]
    assert Commit.objects.count() == 20
    run_worker()

    assert set(Commit.objects.values_list("sha", flat=True)) == set(shas)
    assert WebhookDelivery.objects.get().detail.startswith("read from GitLab's API: 5 new")


def test_the_stored_token_is_never_sent_to_a_host_a_payload_names(
    client, organization, gitlab, connected, run_worker
):
    webhook, _ = gitlab_webhook_connect(organization=organization)
    commits = [gitlab_payloads.push_commit(make_sha(i)) for i in range(20)]
    payload = gitlab_payloads.push(commits, total_commits_count=21, host="http://127.0.0.1:9")

    deliver(client, webhook, "Push Hook", payload)
    run_worker()

    assert "is not SHIPLOG_GITLAB_URL" in WebhookDelivery.objects.get().detail
    assert Commit.objects.count() == 20


def test_each_hosts_token_stops_only_its_own_tracking(
    admin_client, organization, gitlab, connected
):
    GitHubApiToken.objects.create(organization=organization, token="ghp_x", login="octocat")
    admin_client.post(reverse("gitlab_projects"), {"project": PATH})

    admin_client.post(reverse("github_token_remove"))

    assert GitHubSyncState.objects.get(repository__full_name=PATH).tracked
