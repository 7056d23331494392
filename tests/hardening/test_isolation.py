"""Tenant isolation over every URL of the project.

One parametrised test walks the URL resolver: each pattern needs an entry in CASES saying how
to aim it at the other organization's objects, so a new URL without a case fails here. The
attacker is "acme" (its admin, its member, its API token); the victim is "globex", whose
rows carry distinctive markers that must never appear in an answer to acme.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from deployments.models import Deployment, DeploymentReceipt
from deployments.recording import deployment_record
from incidents.models import PagerDutyDelivery, PagerDutyService, PagerDutyWebhook
from incidents.services import (
    incident_record,
    pagerduty_webhook_connect,
    pagerduty_webhook_secret_save,
)
from organizations.models import Contributor
from organizations.selectors import SESSION_KEY
from repositories import rest_client
from repositories.gitlab_connection import gitlab_webhook_connect
from repositories.models import (
    GitHubApiToken,
    GitHubSyncState,
    GitHubWebhook,
    GitLabApiToken,
    GitLabWebhook,
    WebhookDelivery,
)
from repositories.webhook_secrets import github_webhook_connect
from tests.factories import (
    make_commit,
    make_contributor,
    make_pull_request,
    make_repository,
    make_team,
)
from tests.hardening.conftest import ALL_SCOPES, api_client_for
from tokens.models import ApiToken
from tokens.services import token_generate

MARKERS = [
    "globex/secret-repo",
    "globex-prod",
    "Globex confidential release",
    "globex-tag",
    "Globex secret PR",
    "Wile E. Coyote",
    "globex-team",
]


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or None
            if inner and namespace:
                inner = f"{namespace}:{inner}"
            yield from _walk(
                pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace
            )
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name


def _url_keys() -> list[str]:
    """Every pattern as "route name"; admin patterns are grouped (one rule covers them)."""
    keys = []
    for route, name in _walk(get_resolver().url_patterns):
        key = "admin" if route.startswith("admin/") else f"{route} {name}"
        if key not in keys:
            keys.append(key)
    return keys


@dataclass
class World:
    admin: APIClient
    member: APIClient
    api: APIClient
    acme: object
    globex: object
    globex_token: ApiToken
    globex_webhook: GitHubWebhook
    acme_webhook: GitHubWebhook
    globex_repository: object
    globex_contributor: Contributor
    globex_deployment: Deployment


@pytest.fixture
def world(organization, other_organization, admin, member, outsider, client):
    now = timezone.now()
    acme_repository = make_repository(organization, "acme/web")
    acme_commit = make_commit(acme_repository, at=now - timedelta(days=2))
    deployment_record(
        organization=organization,
        request_id="acme-1",
        raw_body="{}",
        shas=[acme_commit.sha],
        environment_name="production",
        deployed_at=now - timedelta(days=1),
    )
    repository = make_repository(other_organization, "globex/secret-repo")
    coyote = make_contributor(other_organization, "Wile E. Coyote", login="coyote")
    make_team(other_organization, "Globex Team", slug="globex-team")
    commit = make_commit(repository, contributor=coyote, at=now - timedelta(days=3))
    make_pull_request(
        repository,
        title="Globex secret PR",
        author=coyote,
        commits=[commit],
        merged_at=now - timedelta(days=2),
        merge_commit_sha=commit.sha,
    )
    globex_deployment = deployment_record(
        organization=other_organization,
        request_id="globex-1",
        raw_body="{}",
        shas=[commit.sha],
        environment_name="globex-prod",
        deployed_at=now - timedelta(days=1),
        title="Globex confidential release",
        tags=["globex-tag"],
    ).deployment
    globex_token, _ = token_generate(organization=other_organization, scopes=ALL_SCOPES)
    acme_token, acme_plaintext = token_generate(organization=organization, scopes=ALL_SCOPES)
    admin_client = APIClient()
    admin_client.force_login(admin)
    member_client = APIClient()
    member_client.force_login(member)
    return World(
        admin=admin_client,
        member=member_client,
        api=api_client_for(acme_plaintext),
        acme=organization,
        globex=other_organization,
        globex_token=globex_token,
        globex_webhook=github_webhook_connect(organization=other_organization)[0],
        acme_webhook=github_webhook_connect(organization=organization)[0],
        globex_repository=repository,
        globex_contributor=coyote,
        globex_deployment=globex_deployment,
    )


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _assert_no_marker(response):
    text = _body(response)
    leaked = [marker for marker in MARKERS if marker in text]
    assert not leaked, leaked


def _assert_globex_untouched(world: World):
    world.globex_token.refresh_from_db()
    assert world.globex_token.revoked_at is None
    webhook = GitHubWebhook.objects.get(pk=world.globex_webhook.pk)
    assert webhook.secret == world.globex_webhook.secret
    assert Deployment.objects.filter(organization=world.globex).count() == 1
    assert DeploymentReceipt.objects.filter(organization=world.globex).count() == 1


# --- one function per URL: how acme aims it at globex, and what must come back ------------


def case_home(world: World):
    response = world.admin.get(reverse("home"))
    assert response.status_code == 200
    _assert_no_marker(response)
    # A filter naming globex's repository or team is not one of acme's choices.
    # (The 400 page echoes the value sent, so it is not checked for markers.)
    for query in ["repository=globex/secret-repo", "team=globex-team", "environment=globex-prod"]:
        assert world.admin.get(f"{reverse('home')}?{query}").status_code == 400
    # The drilldown of a period shows acme's deployments only.
    period = (timezone.now() - timedelta(days=1)).date().isoformat()
    response = world.admin.get(f"{reverse('home')}?granularity=day&period={period}")
    assert response.status_code == 200
    _assert_no_marker(response)


def case_integrations(world: World):
    response = world.admin.get(reverse("integrations"))
    assert response.status_code == 200
    text = _body(response)
    assert world.globex_token.display_prefix not in text
    assert world.globex_webhook.path_token not in text
    _assert_no_marker(response)


def case_tokens_generate(world: World):
    assert world.member.post(reverse("tokens:generate")).status_code == 403
    # The admin's new token (if acme has none active) belongs to acme, whatever is posted.
    ApiToken.objects.filter(organization=world.acme).update(revoked_at=timezone.now())
    response = world.admin.post(
        reverse("tokens:generate"), {"organization": world.globex.slug, "org": world.globex.pk}
    )
    assert response.status_code == 200
    assert ApiToken.objects.filter(organization=world.globex).count() == 1
    _assert_globex_untouched(world)


def case_tokens_regenerate(world: World):
    url = reverse("tokens:regenerate", args=[world.globex_token.pk])
    assert world.admin.post(url).status_code == 404
    assert world.member.post(url).status_code == 403
    own = ApiToken.objects.filter(organization=world.acme).first()
    assert world.member.post(reverse("tokens:regenerate", args=[own.pk])).status_code == 403
    _assert_globex_untouched(world)


def case_tokens_revoke(world: World):
    url = reverse("tokens:revoke", args=[world.globex_token.pk])
    assert world.admin.post(url).status_code == 404
    assert world.member.post(url).status_code == 403
    own = ApiToken.objects.filter(organization=world.acme).first()
    assert world.member.post(reverse("tokens:revoke", args=[own.pk])).status_code == 403
    assert ApiToken.objects.get(pk=own.pk).revoked_at is None
    _assert_globex_untouched(world)


def case_github_webhook(world: World):
    # acme knows its own secret only: signing for globex's URL with it is refused.
    body = json.dumps({"zen": "Anything added dilutes everything else.", "hook_id": 9}).encode()
    digest = hmac.new(world.acme_webhook.secret.encode(), body, hashlib.sha256).hexdigest()
    response = APIClient().post(
        reverse("github_webhook", args=[world.globex_webhook.path_token]),
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=f"sha256={digest}",
        HTTP_X_GITHUB_EVENT="ping",
        HTTP_X_GITHUB_DELIVERY="cross-1",
    )
    assert response.status_code == 401
    assert not WebhookDelivery.objects.filter(organization=world.globex).exists()


def case_github_connect(world: World):
    assert world.member.post(reverse("github_connect")).status_code == 403
    # acme is connected already: the answer is about acme, and never shows globex's secret.
    response = world.admin.post(reverse("github_connect"))
    assert response.status_code == 409
    assert world.globex_webhook.secret not in _body(response)
    _assert_globex_untouched(world)


def case_github_regenerate(world: World):
    assert world.member.post(reverse("github_regenerate")).status_code == 403
    response = world.admin.post(reverse("github_regenerate"))
    assert response.status_code == 200
    assert world.globex_webhook.secret not in _body(response)
    assert world.globex_webhook.path_token not in _body(response)
    assert GitHubWebhook.objects.get(pk=world.acme_webhook.pk).secret in _body(response)
    _assert_globex_untouched(world)


def case_github_disconnect(world: World):
    assert world.member.post(reverse("github_disconnect")).status_code == 403
    assert world.admin.post(reverse("github_disconnect")).status_code == 302
    assert not GitHubWebhook.objects.filter(pk=world.acme_webhook.pk).exists()
    _assert_globex_untouched(world)


# No test reaches the internet: GitHub is an address that refuses connections, at once.
def github_unreachable(case):
    case = override_settings(SHIPLOG_GITHUB_API_URL="http://127.0.0.1:9")(case)
    return mock.patch.object(rest_client, "BACKOFF_FACTOR", 0)(case)


def _globex_github_history(world: World) -> GitHubSyncState:
    """globex reads GitHub with its own token and tracks its repository; acme has none."""
    GitHubApiToken.objects.create(organization=world.globex, token="ghp_globex", login="coyote")
    return GitHubSyncState.objects.create(
        organization=world.globex, repository=world.globex_repository, tracked=True
    )


def _assert_globex_history_untouched(world: World, state: GitHubSyncState):
    assert GitHubApiToken.objects.get(organization=world.globex).token == "ghp_globex"
    assert GitHubSyncState.objects.get(pk=state.pk).tracked


@github_unreachable
def case_github_token(world: World):
    state = _globex_github_history(world)
    assert world.member.post(reverse("github_token"), {"token": "x"}).status_code == 403
    response = world.admin.post(reverse("github_token"), {"token": "ghp_acme"}, follow=True)
    assert "could not check the token" in _body(response)
    _assert_no_marker(response)
    assert not GitHubApiToken.objects.filter(organization=world.acme).exists()
    _assert_globex_history_untouched(world, state)


@github_unreachable
def case_github_token_remove(world: World):
    state = _globex_github_history(world)
    assert world.member.post(reverse("github_token_remove")).status_code == 403
    assert world.admin.post(reverse("github_token_remove")).status_code == 302
    _assert_globex_history_untouched(world, state)


@github_unreachable
def case_github_repositories(world: World):
    state = _globex_github_history(world)
    assert world.member.get(reverse("github_repositories")).status_code == 403
    # acme has no token: globex's is never used to list or to track.
    response = world.admin.get(reverse("github_repositories"), follow=True)
    assert "no GitHub token is stored" in _body(response)
    _assert_no_marker(response)
    picked = {"repositories": [world.globex_repository.full_name]}
    assert world.admin.post(reverse("github_repositories"), picked).status_code == 302
    assert not GitHubSyncState.objects.filter(organization=world.acme).exists()
    _assert_globex_history_untouched(world, state)


@github_unreachable
def case_github_repository_stop(world: World):
    state = _globex_github_history(world)
    stop = reverse("github_repository_stop", args=[world.globex_repository.pk])
    assert world.member.post(stop).status_code == 403
    assert world.admin.post(stop).status_code == 302
    _assert_globex_history_untouched(world, state)


def case_api_deployments(world: World):
    response = world.api.get("/api/v1/deployments?includeTests=true")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    _assert_no_marker(response)
    response = world.api.get("/api/v1/deployments?environmentName=globex-prod")
    assert response.json()["count"] == 0
    response = world.api.get("/api/v1/deployments?repository=globex/secret-repo")
    assert response.json()["count"] == 0
    # Posting globex's SHA records an acme deployment that links to nothing of globex.
    sha = world.globex_deployment.shas[0]
    response = world.api.post(
        "/api/v1/deployments",
        {"commitSha": sha, "environmentName": "production"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["match"] == {
        "matchedShas": [],
        "unknownShas": [sha],
        "pullRequests": [],
        "replacedExisting": False,
    }
    _assert_no_marker(response)
    # A session is not an API token; globex's deployment count is unchanged.
    assert world.admin.get("/api/v1/deployments").status_code == 401
    _assert_globex_untouched(world)


def _globex_incident(world: World):
    return incident_record(
        organization=world.globex,
        source="api",
        external_id="GLOBEX-INC",
        fields={"title": "Globex confidential release", "started_at": timezone.now()},
    ).incident


def case_api_incidents(world: World):
    theirs = _globex_incident(world)
    response = world.api.get("/api/v1/incidents")
    assert response.status_code == 200
    assert response.json()["count"] == 0
    # The same id from acme is acme's own incident; globex's stays as it was.
    response = world.api.post(
        "/api/v1/incidents",
        {"id": "GLOBEX-INC", "title": "acme", "startedAt": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 201
    _assert_no_marker(response)
    theirs.refresh_from_db()
    assert theirs.title == "Globex confidential release"
    assert world.admin.get("/api/v1/incidents").status_code == 401
    _assert_globex_untouched(world)


def case_incident_page(world: World):
    theirs = _globex_incident(world)
    url = reverse("incident_detail", args=[theirs.pk])
    assert world.admin.get(url).status_code == 404
    assert world.member.get(url).status_code == 404


def _case_incident_correction(name: str):
    """acme's admin posts a correction of globex's incident: not found, nothing changed."""

    def case(world: World):
        theirs = _globex_incident(world)
        url = reverse(name, args=[theirs.pk])
        data = {"deployment": world.globex_deployment.pk}
        assert world.member.post(url, data).status_code == 403
        assert world.admin.post(url, data).status_code == 404
        theirs.refresh_from_db()
        assert not theirs.attribution_pinned
        _assert_globex_untouched(world)

    return case


def _pagerduty_webhooks(world: World):
    globex = pagerduty_webhook_secret_save(
        webhook=pagerduty_webhook_connect(organization=world.globex)[0], secret="globex-secret"
    )
    acme = pagerduty_webhook_secret_save(
        webhook=pagerduty_webhook_connect(organization=world.acme)[0], secret="acme-secret"
    )
    return acme, globex


def case_pagerduty_webhook(world: World):
    # acme signs with its own secret for globex's URL: refused, nothing stored for globex.
    acme, globex = _pagerduty_webhooks(world)
    body = json.dumps({"event": {"id": "1", "event_type": "pagey.ping"}}).encode()
    digest = hmac.new(acme.secret.encode(), body, hashlib.sha256).hexdigest()
    response = APIClient().post(
        reverse("pagerduty_webhook", args=[globex.path_token]),
        body,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=f"v1={digest}",
    )
    assert response.status_code == 401
    assert not PagerDutyDelivery.objects.filter(organization=world.globex).exists()


def _case_pagerduty_action(name: str, data: dict):
    def case(world: World):
        _, globex = _pagerduty_webhooks(world)
        assert world.member.post(reverse(name), data).status_code == 403
        response = world.admin.post(reverse(name), data, follow=True)
        assert response.status_code == 200
        assert globex.path_token not in _body(response)
        stored = PagerDutyWebhook.objects.get(pk=globex.pk)
        assert (stored.secret, stored.path_token) == ("globex-secret", globex.path_token)
        _assert_globex_untouched(world)

    return case


def _gitlab_webhooks(world: World):
    acme = gitlab_webhook_connect(organization=world.acme)[0]
    return acme, gitlab_webhook_connect(organization=world.globex)[0]


def case_gitlab_webhook(world: World):
    # acme's secret token for globex's URL: refused, nothing stored for globex.
    acme, globex = _gitlab_webhooks(world)
    response = APIClient().post(
        reverse("gitlab_webhook", args=[globex.path_token]),
        b'{"object_kind": "push", "commits": []}',
        content_type="application/json",
        HTTP_X_GITLAB_TOKEN=acme.secret,
        HTTP_X_GITLAB_EVENT="Push Hook",
    )
    assert response.status_code == 401
    assert not WebhookDelivery.objects.filter(organization=world.globex).exists()


def _case_gitlab_action(name: str, data: dict):
    def case(world: World):
        _, globex = _gitlab_webhooks(world)
        assert world.member.post(reverse(name), data).status_code == 403
        response = world.admin.post(reverse(name), data, follow=True)
        assert response.status_code in (200, 409)  # connect: acme is connected already
        assert globex.secret not in _body(response)
        assert globex.path_token not in _body(response)
        stored = GitLabWebhook.objects.get(pk=globex.pk)
        assert (stored.secret, stored.deployments_enabled) == (globex.secret, False)
        _assert_globex_untouched(world)

    return case


def _globex_gitlab_history(world: World) -> GitHubSyncState:
    """globex reads GitLab with its own token and tracks its project; acme has none."""
    GitLabApiToken.objects.create(organization=world.globex, token="glpat-globex", username="wc")
    return GitHubSyncState.objects.create(
        organization=world.globex, repository=world.globex_repository, tracked=True
    )


def _assert_globex_gitlab_untouched(world: World, state: GitHubSyncState):
    assert GitLabApiToken.objects.get(organization=world.globex).token == "glpat-globex"
    assert GitHubSyncState.objects.get(pk=state.pk).tracked
    _assert_globex_untouched(world)


def case_gitlab_token(world: World):
    state = _globex_gitlab_history(world)
    assert world.member.post(reverse("gitlab_token"), {"token": "x"}).status_code == 403
    # An empty token is refused before GitLab is asked: no test reaches the internet.
    response = world.admin.post(reverse("gitlab_token"), {"token": " "}, follow=True)
    assert "GitLab refused the token" in _body(response)
    _assert_no_marker(response)
    assert not GitLabApiToken.objects.filter(organization=world.acme).exists()
    _assert_globex_gitlab_untouched(world, state)


def case_gitlab_token_remove(world: World):
    state = _globex_gitlab_history(world)
    assert world.member.post(reverse("gitlab_token_remove")).status_code == 403
    assert world.admin.post(reverse("gitlab_token_remove")).status_code == 302
    _assert_globex_gitlab_untouched(world, state)


def case_gitlab_projects(world: World):
    state = _globex_gitlab_history(world)
    project = {"project": world.globex_repository.full_name}
    assert world.member.post(reverse("gitlab_projects"), project).status_code == 403
    # The same path names acme's own repository: globex's is never reached.
    assert world.admin.post(reverse("gitlab_projects"), project).status_code == 302
    tracked = GitHubSyncState.objects.get(organization=world.acme)
    assert tracked.repository.organization == world.acme
    _assert_globex_gitlab_untouched(world, state)


def case_gitlab_project_stop(world: World):
    state = _globex_gitlab_history(world)
    stop = reverse("gitlab_project_stop", args=[world.globex_repository.pk])
    assert world.member.post(stop).status_code == 403
    assert world.admin.post(stop).status_code == 302
    _assert_globex_gitlab_untouched(world, state)


def _without_globex(world: World, read) -> tuple:
    """What acme reads, before and after globex and all its rows are deleted."""
    before = read()
    world.globex.delete()
    return before, read()


def _case_csv(name: str):
    def case(world: World):
        response = world.admin.get(reverse(name))
        assert response.status_code == 200
        _assert_no_marker(response)
        assert world.admin.get(f"{reverse(name)}?repository=globex/secret-repo").status_code == 400
        assert world.member.get(reverse(name)).status_code == 200
        before, after = _without_globex(world, lambda: _body(world.admin.get(reverse(name))))
        assert before == after

    return case


def case_api_metrics(world: World):
    response = world.api.get("/api/v1/metrics?weeks=4")
    assert response.status_code == 200
    _assert_no_marker(response)
    for query in ["repository=globex/secret-repo", "team=globex-team"]:
        assert world.api.get(f"/api/v1/metrics?{query}").status_code == 400
    # Token and session read the same acme numbers, which globex's rows do not change.
    assert world.member.get("/api/v1/metrics?weeks=4").json() == response.json()
    before, after = _without_globex(world, lambda: world.api.get("/api/v1/metrics").json())
    assert before == after


def case_api_pull_requests(world: World):
    url = "/api/v1/pull-requests"
    response = world.api.get(url)
    assert response.status_code == 200
    assert response.json()["count"] == 0
    _assert_no_marker(response)
    assert world.api.get(f"{url}?repository=globex/secret-repo").json()["count"] == 0
    assert world.member.get(url).json() == response.json()
    # globex's PR is there to leak: globex itself reads it.
    _, plaintext = token_generate(organization=world.globex, scopes=["metrics:read"])
    titles = [pr["title"] for pr in api_client_for(plaintext).get(url).json()["results"]]
    assert titles == ["Globex secret PR"]


def case_switch_organization(world: World):
    response = world.admin.post(
        reverse("switch_organization"), {"organization": world.globex.slug}
    )
    assert response.status_code == 404
    assert world.admin.session.get(SESSION_KEY) != world.globex.pk
    _assert_no_marker(world.admin.get(reverse("home")))


def case_settings(world: World):
    response = world.admin.get(reverse("organization_settings"))
    assert response.status_code == 200
    _assert_no_marker(response)
    assert world.member.get(reverse("organization_settings")).status_code == 200


def _settings_url(name: str, *args) -> str:
    return reverse(f"organization_settings:{name}", args=args)


def _case_settings_form(name: str, data: dict):
    """A settings form posted by acme changes acme only; a member is refused."""

    def case(world: World):
        assert world.member.post(_settings_url(name), data).status_code == 403
        assert world.admin.post(_settings_url(name), data).status_code == 302
        globex = type(world.globex).objects.get(pk=world.globex.pk)
        assert (globex.counted_environments, globex.bot_names, globex.incident_label) == (
            world.globex.counted_environments,
            world.globex.bot_names,
            world.globex.incident_label,
        )
        assert not world.globex.teams.exclude(slug="globex-team").exists()
        _assert_globex_untouched(world)

    return case


def case_incident_window(world: World):
    url = reverse("incident_window")
    assert world.member.post(url, {"window_days": "1"}).status_code == 403
    assert world.admin.post(url, {"window_days": "1"}).status_code == 302
    globex = type(world.globex).objects.get(pk=world.globex.pk)
    assert globex.incident_attribution_window == world.globex.incident_attribution_window
    _assert_globex_untouched(world)


def case_pagerduty_service_add(world: World):
    url = reverse("pagerduty_service_add")
    data = {"service": "globex", "repository": world.globex_repository.pk}
    assert world.member.post(url, data).status_code == 403
    # globex's repository is not acme's to map.
    assert world.admin.post(url, data).status_code == 302
    assert not PagerDutyService.objects.exists()
    _assert_globex_untouched(world)


def case_pagerduty_service_remove(world: World):
    theirs = PagerDutyService.objects.create(
        organization=world.globex, name="globex", repository=world.globex_repository
    )
    url = reverse("pagerduty_service_remove", args=[theirs.pk])
    assert world.member.post(url).status_code == 403
    assert world.admin.post(url).status_code == 404
    assert PagerDutyService.objects.filter(pk=theirs.pk).exists()
    _assert_globex_untouched(world)


def _globex_team(world: World):
    return world.globex.teams.get(slug="globex-team")


def case_settings_team_member_add(world: World):
    url = _settings_url("team_member_add")
    ours = Contributor.objects.create(organization=world.acme, display_name="Ours")
    for data in (
        {"team": _globex_team(world).pk, "contributor": ours.pk},
        {
            "team": make_team(world.acme, "Acme Team").pk,
            "contributor": world.globex_contributor.pk,
        },
    ):
        assert world.admin.post(url, data).status_code == 404
        assert world.member.post(url, data).status_code == 403
    assert not world.globex_contributor.teams.exclude(slug="globex-team").exists()


def case_settings_team_member_remove(world: World):
    world.globex_contributor.teams.add(
        _globex_team(world), through_defaults={"organization": world.globex}
    )
    url = _settings_url("team_member_remove", _globex_team(world).pk, world.globex_contributor.pk)
    assert world.admin.post(url).status_code == 404
    assert world.member.post(url).status_code == 403
    assert world.globex_contributor.teams.filter(slug="globex-team").exists()


def case_settings_contributors_merge(world: World):
    ours = Contributor.objects.create(organization=world.acme, display_name="Ours")
    url = _settings_url("contributors_merge")
    for data in (
        {"target": ours.pk, "other": world.globex_contributor.pk},
        {"target": world.globex_contributor.pk, "other": ours.pk},
    ):
        assert world.admin.post(url, data).status_code == 404
        assert world.member.post(url, data).status_code == 403
    assert Contributor.objects.filter(pk=world.globex_contributor.pk).exists()
    assert Contributor.objects.filter(pk=ours.pk).exists()


def _case_settings_flag(name: str):
    def case(world: World):
        url = _settings_url(name, world.globex_contributor.pk)
        assert world.admin.post(url).status_code == 404
        assert world.member.post(url).status_code == 403
        assert Contributor.objects.get(pk=world.globex_contributor.pk).is_tracked

    return case


def _case_no_tenant_data(name: str, *args):
    """Pages that show no organization data at all (authentication, API docs)."""

    def case(world: World):
        response = world.admin.get(reverse(name, args=args))
        assert response.status_code < 500
        _assert_no_marker(response)

    return case


def case_logout(world: World):
    assert world.admin.post(reverse("logout")).status_code == 302
    assert world.admin.get(reverse("home")).status_code == 302


def case_admin(world: World):
    """Every admin URL, aimed at globex's objects: an organization admin is not staff, so
    each is a redirect to the admin login, and an admin action changes nothing."""
    objects = {
        "organization": world.globex.pk,
        "contributor": world.globex_contributor.pk,
        "repository": world.globex_repository.pk,
        "apitoken": world.globex_token.pk,
        "githubwebhook": world.globex_webhook.pk,
        "deployment": world.globex_deployment.pk,
    }
    checked = 0
    for route, name in _walk(get_resolver().url_patterns):
        if not route.startswith("admin/") or name in ("admin:login", "admin:logout"):
            continue
        url = _admin_url(route, name, objects)
        response = world.admin.get(url)
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith(reverse("admin:login")), url
        checked += 1
    assert checked > 80
    response = world.admin.post(
        reverse("admin:organizations_contributor_changelist"),
        {"action": "mark_bots", "_selected_action": [world.globex_contributor.pk]},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not Contributor.objects.get(pk=world.globex_contributor.pk).is_bot


def _admin_url(route: str, name: str | None, objects: dict[str, int]) -> str:
    if name is None:
        # The catch-all and the bare object URL (which redirects to its change page).
        model = route.split("/")[2] if route.count("/") > 3 else "organization"
        return f"/admin/{route.split('/')[1]}/{model}/{objects.get(model, 1)}/"
    model = name.split(":")[1].split("_")[1] if name.count("_") >= 2 else ""
    kwargs = {}
    if "<path:object_id>" in route:
        kwargs["object_id"] = objects.get(model, 1)
    if "<app_label>" in route or "(?P<app_label>" in route:
        kwargs["app_label"] = "organizations"
    if "content_type_id" in route:
        kwargs.update(content_type_id=1, object_id=1)
    if "<id>" in route:
        kwargs["id"] = 1
    if "(?P<url>" in route:
        kwargs["url"] = "anything/"
    return reverse(name, kwargs=kwargs)


CASES = {
    " home": case_home,
    "integrations/ integrations": case_integrations,
    "integrations/tokens/generate/ tokens:generate": case_tokens_generate,
    "integrations/tokens/<int:pk>/regenerate/ tokens:regenerate": case_tokens_regenerate,
    "integrations/tokens/<int:pk>/revoke/ tokens:revoke": case_tokens_revoke,
    "webhooks/github/<str:path_token>/ github_webhook": case_github_webhook,
    "integrations/github/connect/ github_connect": case_github_connect,
    "integrations/github/regenerate/ github_regenerate": case_github_regenerate,
    "integrations/github/disconnect/ github_disconnect": case_github_disconnect,
    "integrations/github/token/ github_token": case_github_token,
    "integrations/github/token/remove/ github_token_remove": case_github_token_remove,
    "integrations/github/repositories/ github_repositories": case_github_repositories,
    "integrations/github/repositories/<int:repository_id>/stop/ github_repository_stop": (
        case_github_repository_stop
    ),
    "api/v1/deployments api-deployments": case_api_deployments,
    "api/v1/incidents api-incidents": case_api_incidents,
    "webhooks/pagerduty/<str:path_token>/ pagerduty_webhook": case_pagerduty_webhook,
    "integrations/pagerduty/connect/ pagerduty_connect": _case_pagerduty_action(
        "pagerduty_connect", {}
    ),
    "integrations/pagerduty/secret/ pagerduty_secret": _case_pagerduty_action(
        "pagerduty_secret", {"secret": "acme-new-secret"}
    ),
    "integrations/pagerduty/disconnect/ pagerduty_disconnect": _case_pagerduty_action(
        "pagerduty_disconnect", {}
    ),
    "webhooks/gitlab/<str:path_token>/ gitlab_webhook": case_gitlab_webhook,
    "integrations/gitlab/connect/ gitlab_connect": _case_gitlab_action("gitlab_connect", {}),
    "integrations/gitlab/regenerate/ gitlab_regenerate": _case_gitlab_action(
        "gitlab_regenerate", {}
    ),
    "integrations/gitlab/deployments/ gitlab_deployments": _case_gitlab_action(
        "gitlab_deployments", {"enabled": "on"}
    ),
    "integrations/gitlab/disconnect/ gitlab_disconnect": _case_gitlab_action(
        "gitlab_disconnect", {}
    ),
    "integrations/gitlab/token/ gitlab_token": case_gitlab_token,
    "integrations/gitlab/token/remove/ gitlab_token_remove": case_gitlab_token_remove,
    "integrations/gitlab/projects/ gitlab_projects": case_gitlab_projects,
    "integrations/gitlab/projects/<int:repository_id>/stop/ gitlab_project_stop": (
        case_gitlab_project_stop
    ),
    "metrics/deployments.csv metrics_deployments_csv": _case_csv("metrics_deployments_csv"),
    "metrics/pull-requests.csv metrics_pull_requests_csv": _case_csv("metrics_pull_requests_csv"),
    "api/v1/metrics api_metrics": case_api_metrics,
    "api/v1/pull-requests api_pull_requests": case_api_pull_requests,
    "organizations/switch/ switch_organization": case_switch_organization,
    "settings/ organization_settings": case_settings,
    "settings/counting/ organization_settings:counting": _case_settings_form(
        "counting", {"environment": ["globex-prod"]}
    ),
    "settings/bot-names/ organization_settings:bot_names": _case_settings_form(
        "bot_names", {"bot_names": "robot"}
    ),
    "settings/github-deployments/ organization_settings:github_deployments": (
        _case_settings_form("github_deployments", {"github_deployments": "on"})
    ),
    "settings/incident-window/ incident_window": case_incident_window,
    "incidents/<int:pk>/ incident_detail": case_incident_page,
    "incidents/<int:pk>/attribute/ incident_attribute": _case_incident_correction(
        "incident_attribute"
    ),
    "incidents/<int:pk>/detach/ incident_detach": _case_incident_correction("incident_detach"),
    "incidents/<int:pk>/rule/ incident_rule": _case_incident_correction("incident_rule"),
    "settings/pagerduty-services/ pagerduty_service_add": case_pagerduty_service_add,
    "settings/pagerduty-services/<int:pk>/remove/ pagerduty_service_remove": (
        case_pagerduty_service_remove
    ),
    "settings/incident-label/ organization_settings:incident_label": _case_settings_form(
        "incident_label", {"incident_label": "acme-outage"}
    ),
    "settings/teams/ organization_settings:team_add": _case_settings_form(
        "team_add", {"name": "Globex Team Two", "organization": "globex"}
    ),
    "settings/teams/members/ organization_settings:team_member_add": (
        case_settings_team_member_add
    ),
    "settings/teams/<int:team_pk>/members/<int:contributor_pk>/remove/ "
    "organization_settings:team_member_remove": case_settings_team_member_remove,
    "settings/contributors/merge/ organization_settings:contributors_merge": (
        case_settings_contributors_merge
    ),
    "settings/contributors/<int:pk>/untrack/ organization_settings:contributor_untrack": (
        _case_settings_flag("contributor_untrack")
    ),
    "settings/contributors/<int:pk>/track/ organization_settings:contributor_track": (
        _case_settings_flag("contributor_track")
    ),
    "accounts/login/ login": _case_no_tenant_data("login"),
    "accounts/logout/ logout": case_logout,
    "accounts/password_change/ password_change": _case_no_tenant_data("password_change"),
    "accounts/password_change/done/ password_change_done": _case_no_tenant_data(
        "password_change_done"
    ),
    "accounts/password_reset/ password_reset": _case_no_tenant_data("password_reset"),
    "accounts/password_reset/done/ password_reset_done": _case_no_tenant_data(
        "password_reset_done"
    ),
    "accounts/reset/<uidb64>/<token>/ password_reset_confirm": _case_no_tenant_data(
        "password_reset_confirm", "Mg", "set-password"
    ),
    "accounts/reset/done/ password_reset_complete": _case_no_tenant_data(
        "password_reset_complete"
    ),
    "api/schema/ api-schema": _case_no_tenant_data("api-schema"),
    "api/docs/ api-docs": _case_no_tenant_data("api-docs"),
    "admin": case_admin,
}


@pytest.mark.parametrize("url_key", _url_keys())
def test_one_organization_never_reaches_anothers_objects(world, url_key):
    assert url_key in CASES, f"No isolation case for {url_key!r}: add one to CASES."
    CASES[url_key](world)


def test_every_case_still_names_a_url():
    assert set(CASES) <= set(_url_keys())
