"""Connecting GitHub history on the Integrations card: an admin pastes a token (checked with
GitHub's GET /user, stored encrypted), picks repositories from the ones it reaches, and each
is queued for the background sync. Against the fake GitHub on 127.0.0.1."""

import logging

import pytest
from django.db import connection
from django.urls import reverse
from procrastinate.contrib.django.models import ProcrastinateJob

from repositories.sync_models import GitHubApiToken, GitHubSyncState
from tests.repositories.fake_github import TOKEN, served

pytestmark = pytest.mark.django_db


@pytest.fixture
def github(settings, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with served(settings, monkeypatch) as fake:
        fake.visible = ["acme/api", "acme/web"]
        yield fake


def _card(client) -> str:
    return client.get(reverse("integrations")).content.decode()


def _follow_form(client, page: str, action_name: str, data: dict):
    action = reverse(action_name)
    assert f'action="{action}"' in page
    return client.post(action, data)


def test_an_admin_pastes_a_token_picks_a_repository_and_its_sync_is_queued(
    github, admin_client, organization
):
    card = _card(admin_client)
    assert 'name="token"' in card and "Check and save token" in card

    response = _follow_form(admin_client, card, "github_token", {"token": f"  {TOKEN}\n"})

    assert response.status_code == 302 and response["Location"] == reverse("github_repositories")
    assert github.requests_to("/user")[0] == "/user"
    stored = GitHubApiToken.objects.get(organization=organization)
    assert stored.token == TOKEN and stored.login == "octocat"
    picker = admin_client.get(response["Location"]).content.decode()
    assert 'value="acme/api"' in picker and 'value="acme/web"' in picker

    response = _follow_form(
        admin_client, picker, "github_repositories", {"repositories": ["acme/web"]}
    )

    assert response.status_code == 302
    state = GitHubSyncState.objects.get(repository__full_name="acme/web")
    assert state.tracked and state.organization == organization
    job = ProcrastinateJob.objects.get(task_name="github_repository_sync")
    assert job.args == {"repository_id": state.repository_id} and job.status == "todo"
    assert job.lock == job.queueing_lock == f"github_repository_sync:{state.repository_id}"
    card = _card(admin_client)
    assert "Reading GitHub as <strong>@octocat</strong>" in card
    assert "acme/web" in card and "Queued" in card and "Tracking acme/web" in card
    assert TOKEN not in card
    picker = admin_client.get(reverse("github_repositories")).content.decode()
    assert 'value="acme/web" checked disabled' in picker


def test_the_token_is_encrypted_at_rest(github, admin_client, organization):
    admin_client.post(reverse("github_token"), {"token": TOKEN})

    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM repositories_githubapitoken")
        (stored,) = cursor.fetchone()
    assert TOKEN not in stored and stored.startswith("gAAAA")


def test_a_refused_token_is_not_stored_and_the_card_says_why(github, admin_client):
    response = admin_client.post(reverse("github_token"), {"token": "ghp_wrong"}, follow=True)

    assert not GitHubApiToken.objects.exists()
    page = response.content.decode()
    assert "GitHub refused the token, so nothing was stored" in page and "Bad credentials" in page
    assert "ghp_wrong" not in page


def test_picking_a_repository_the_token_does_not_reach_is_refused(
    github, admin_client, organization
):
    admin_client.post(reverse("github_token"), {"token": TOKEN})

    response = admin_client.post(
        reverse("github_repositories"), {"repositories": ["acme/web", "evil/elsewhere"]}
    )

    assert response.status_code == 400
    assert "repositories: the token does not reach evil/elsewhere" in response.content.decode()
    assert not GitHubSyncState.objects.exists() and not ProcrastinateJob.objects.exists()


def test_picking_the_same_repository_twice_queues_one_sync(github, admin_client, organization):
    admin_client.post(reverse("github_token"), {"token": TOKEN})
    for _ in range(2):
        admin_client.post(reverse("github_repositories"), {"repositories": ["acme/web"]})

    assert ProcrastinateJob.objects.filter(task_name="github_repository_sync").count() == 1


def test_stop_tracking_and_remove_token_follow_the_cards_forms(github, admin_client, organization):
    admin_client.post(reverse("github_token"), {"token": TOKEN})
    admin_client.post(reverse("github_repositories"), {"repositories": ["acme/api", "acme/web"]})
    state = GitHubSyncState.objects.get(repository__full_name="acme/api")
    card = _card(admin_client)
    stop = reverse("github_repository_stop", args=[state.repository_id])
    assert f'action="{stop}"' in card

    admin_client.post(stop)

    assert list(
        GitHubSyncState.objects.filter(tracked=True).values_list(
            "repository__full_name", flat=True
        )
    ) == ["acme/web"]
    _follow_form(admin_client, _card(admin_client), "github_token_remove", {})
    assert not GitHubApiToken.objects.exists()
    assert not GitHubSyncState.objects.filter(tracked=True).exists()
    assert "Check and save token" in _card(admin_client)


def test_members_see_the_history_but_cannot_connect(github, member_client, organization):
    card = _card(member_client)
    assert "History from the GitHub API" in card and 'name="token"' not in card

    assert member_client.post(reverse("github_token"), {"token": TOKEN}).status_code == 403
    assert member_client.get(reverse("github_repositories")).status_code == 403
    assert not GitHubApiToken.objects.exists()


def test_the_token_never_reaches_a_log_line(github, admin_client, organization, caplog):
    caplog.set_level(logging.DEBUG)
    admin_client.post(reverse("github_token"), {"token": TOKEN})
    admin_client.post(reverse("github_repositories"), {"repositories": ["acme/web"]})
    admin_client.post(reverse("github_token"), {"token": f"{TOKEN}-refused"})

    assert caplog.records
    assert not [record for record in caplog.records if TOKEN in record.getMessage()]
