"""Issues that are incidents, through the signed GitHub webhook (`issues` event) and the
GitLab webhook (Issue Hook): opened starts, closed resolves, reopened reopens, an older event
changes nothing, and the label is the organization's setting; the Settings page's incident
forms. Payloads in the shapes of GitHub's "issues" event (docs.github.com, Webhook events
and payloads) and GitLab's Issue Hook (its webhook_events.md)."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from incidents.models import Incident
from repositories.gitlab_connection import gitlab_webhook_connect
from repositories.models import WebhookDelivery
from repositories.webhook_secrets import github_webhook_connect
from tests.incidents.conftest import T0, deploy, hours, record
from tests.repositories.gitlab_helpers import deliver as gitlab_deliver
from tests.repositories.test_webhooks import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook(organization):
    return github_webhook_connect(organization=organization)[0]


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issue_event(
    action: str,
    *,
    number: int = 7,
    labels=("incident",),
    state: str = "open",
    created_at: datetime = T0,
    closed_at: datetime | None = None,
    updated_at: datetime | None = None,
    full_name: str = "acme/web",
) -> dict:
    owner, name = full_name.split("/")
    return {
        "action": action,
        "issue": {
            "url": f"https://api.github.com/repos/{full_name}/issues/{number}",
            "html_url": f"https://github.com/{full_name}/issues/{number}",
            "id": 1000 + number,
            "number": number,
            "title": "Checkout returns 500",
            "user": {"login": "octocat", "id": 1, "type": "User"},
            "labels": [
                {"id": index, "name": label, "color": "d73a4a", "default": False}
                for index, label in enumerate(labels)
            ],
            "state": state,
            "locked": False,
            "comments": 0,
            "created_at": _time(created_at),
            "updated_at": _time(updated_at or closed_at or created_at),
            "closed_at": _time(closed_at) if closed_at else None,
            "body": "Customers cannot pay.",
        },
        "repository": {"id": 1296269, "name": name, "full_name": full_name},
        "sender": {"login": "octocat", "id": 1, "type": "User"},
    }


def _incident() -> Incident:
    return Incident.objects.get(source=Incident.Source.GITHUB, external_id="acme/web#7")


def test_a_labelled_issue_opened_then_closed_is_an_incident_started_then_resolved(
    client, webhook, organization, web, web_sha
):
    deployment = deploy(organization, web_sha, at=T0 - hours(2))

    response = deliver(client, webhook, "issues", issue_event("opened"))

    assert response.status_code == 200, response.content
    incident = _incident()
    assert incident.started_at == T0 and incident.resolved_at is None
    assert incident.title == "Checkout returns 500"
    assert incident.url == "https://github.com/acme/web/issues/7"
    assert incident.repository == web
    assert incident.attributed_deployment == deployment and incident.attribution == "rule"

    closed = issue_event("closed", state="closed", closed_at=T0 + hours(3))
    assert deliver(client, webhook, "issues", closed).status_code == 200
    assert _incident().resolved_at == T0 + hours(3)


def test_a_replayed_older_opened_does_not_reopen_it(client, webhook, organization, web):
    deliver(
        client, webhook, "issues", issue_event("closed", state="closed", closed_at=T0 + hours(3))
    )

    response = deliver(client, webhook, "issues", issue_event("opened"))

    assert response.status_code == 200
    assert "older than the last event applied" in response.json()["detail"]
    assert _incident().resolved_at == T0 + hours(3)


def test_reopened_later_is_open_again(client, webhook, organization, web):
    deliver(
        client, webhook, "issues", issue_event("closed", state="closed", closed_at=T0 + hours(3))
    )

    reopened = issue_event("reopened", updated_at=T0 + hours(5))
    deliver(client, webhook, "issues", reopened)

    assert _incident().resolved_at is None


def test_an_issue_without_the_label_is_stored_and_ignored(client, webhook, organization):
    response = deliver(client, webhook, "issues", issue_event("opened", labels=("bug",)))

    assert response.status_code == 202
    assert "not labelled 'incident'" in response.json()["detail"]
    assert not Incident.objects.exists()
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.IGNORED


def test_labelling_an_issue_later_makes_it_an_incident(client, webhook, organization):
    deliver(client, webhook, "issues", issue_event("opened", labels=()))
    labelled = issue_event("labeled", labels=("Incident", "sev1"), updated_at=T0 + hours(1))

    assert deliver(client, webhook, "issues", labelled).status_code == 200
    assert _incident().started_at == T0  # the issue's opening, not the labelling


def test_the_label_is_the_organizations_setting(admin_client, client, webhook, organization):
    settings_page = admin_client.get(reverse("organization_settings")).content.decode()
    action = reverse("organization_settings:incident_label")
    assert f'action="{action}"' in settings_page and 'value="incident"' in settings_page

    admin_client.post(action, {"incident_label": "  outage "})

    organization.refresh_from_db()
    assert organization.incident_label == "outage"
    deliver(client, webhook, "issues", issue_event("opened", labels=("incident",)))
    assert not Incident.objects.exists()
    deliver(client, webhook, "issues", issue_event("opened", number=8, labels=("Outage",)))
    assert Incident.objects.get().external_id == "acme/web#8"


def test_a_blank_label_is_refused_and_changes_nothing(admin_client, organization):
    response = admin_client.post(
        reverse("organization_settings:incident_label"), {"incident_label": "  "}, follow=True
    )

    assert "Incident label:" in response.content.decode()
    organization.refresh_from_db()
    assert organization.incident_label == "incident"


def test_members_cannot_change_the_label(member_client, organization):
    response = member_client.post(
        reverse("organization_settings:incident_label"), {"incident_label": "x"}
    )

    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.incident_label == "incident"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p["issue"].update(labels="incident"), "issue.labels"),
        (lambda p: p["issue"].update(labels=["incident"]), "issue.labels.0"),
        (lambda p: p["issue"].update(created_at="yesterday"), "issue.created_at"),
        (lambda p: p["issue"].update(created_at="1969-12-31T00:00:00Z"), "issue.created_at"),
        (lambda p: p["issue"].update(number=0), "issue.number"),
        (lambda p: p["issue"].pop("updated_at"), "issue.updated_at"),
    ],
)
def test_a_malformed_issue_is_a_400_naming_the_field(client, webhook, change, field):
    payload = issue_event("opened")
    change(payload)

    response = deliver(client, webhook, "issues", payload)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert not Incident.objects.exists() and not WebhookDelivery.objects.exists()


def test_the_attribution_window_is_a_setting_and_reattributes(
    admin_client, organization, web, web_sha
):
    deployment = deploy(organization, web_sha, at=T0 - hours(24 * 3))
    incident = record(organization, repository_name="acme/web")
    assert incident.attributed_deployment == deployment  # within the default 7 days
    page = admin_client.get(reverse("organization_settings")).content.decode()
    action = reverse("incident_window")
    assert f'action="{action}"' in page and 'name="window_days"' in page and 'value="7"' in page

    admin_client.post(action, {"window_days": "2"})

    incident.refresh_from_db()
    assert incident.attributed_deployment is None and incident.attribution == "unattributed"
    organization.refresh_from_db()
    assert organization.incident_attribution_window == hours(48)


@pytest.mark.parametrize("value", ["0", "91", "two", "1.5", ""])
def test_a_window_out_of_range_is_refused_and_changes_nothing(admin_client, organization, value):
    response = admin_client.post(reverse("incident_window"), {"window_days": value}, follow=True)

    assert "Attribution window: a whole number of days from 1 to 90." in response.content.decode()
    organization.refresh_from_db()
    assert organization.incident_attribution_window == hours(24 * 7)


def test_members_cannot_change_the_window(member_client, organization):
    assert member_client.post(reverse("incident_window"), {"window_days": "1"}).status_code == 403


# GitLab's Issue Hook, in the shape of GitLab's documented example
# (doc/user/project/integrations/webhook_events.md, "Work item events").


@pytest.fixture
def gitlab_webhook(organization):
    return gitlab_webhook_connect(organization=organization)[0]


def gitlab_issue(
    action="open",
    *,
    kind="Issue",
    labels=("incident",),
    state="opened",
    closed_at=None,
    updated_at=None,
    path="acme/platform/web",
):
    return {
        "object_kind": "issue",
        "event_type": "issue",
        "user": {"id": 1, "name": "Administrator", "username": "root"},
        "project": {
            "id": 1,
            "name": "Web",
            "web_url": f"https://gitlab.example.com/{path}",
            "path_with_namespace": path,
            "default_branch": "main",
        },
        "object_attributes": {
            "id": 301,
            "iid": 23,
            "title": "Checkout returns 500",
            "author_id": 51,
            "project_id": 14,
            "created_at": "2026-03-02T12:00:00Z",
            "updated_at": _time(updated_at or closed_at or T0),
            "closed_at": _time(closed_at) if closed_at else None,
            "type": kind,
            "url": f"https://gitlab.example.com/{path}/-/issues/23",
            "state": state,
            "action": action,
            "severity": "high",
            "labels": [{"id": 206, "title": label} for label in labels],
        },
        "labels": [{"id": 206, "title": label, "type": "ProjectLabel"} for label in labels],
    }


def _gitlab_incident() -> Incident:
    return Incident.objects.get(source=Incident.Source.GITLAB, external_id="acme/platform/web#23")


def test_a_labelled_gitlab_issue_opened_then_closed_is_an_incident(
    client, gitlab_webhook, organization
):
    response = gitlab_deliver(client, gitlab_webhook, "Issue Hook", gitlab_issue())

    assert response.status_code == 200, response.content
    incident = _gitlab_incident()
    assert incident.started_at == T0 and incident.resolved_at is None
    assert incident.severity == "high"
    assert incident.url == "https://gitlab.example.com/acme/platform/web/-/issues/23"
    assert incident.repository.full_name == "acme/platform/web"
    assert incident.repository.host == "gitlab"

    closed = gitlab_issue("close", state="closed", closed_at=T0 + hours(4))
    gitlab_deliver(client, gitlab_webhook, "Issue Hook", closed)
    assert _gitlab_incident().resolved_at == T0 + hours(4)
    # A replayed older "open" does not reopen it.
    gitlab_deliver(client, gitlab_webhook, "Issue Hook", gitlab_issue())
    assert _gitlab_incident().resolved_at == T0 + hours(4)


def test_a_gitlab_incident_type_needs_no_label(client, gitlab_webhook, organization):
    payload = gitlab_issue(kind="Incident", labels=())

    assert gitlab_deliver(client, gitlab_webhook, "Issue Hook", payload).status_code == 200
    assert _gitlab_incident().title == "Checkout returns 500"


def test_an_unlabelled_gitlab_issue_is_stored_and_ignored(client, gitlab_webhook, organization):
    response = gitlab_deliver(client, gitlab_webhook, "Issue Hook", gitlab_issue(labels=("bug",)))

    assert response.status_code == 202
    assert not Incident.objects.exists()


def test_a_malformed_gitlab_issue_is_a_400_naming_the_field(client, gitlab_webhook):
    payload = gitlab_issue()
    payload["object_attributes"]["created_at"] = "1969-07-20 20:17:40 UTC"

    response = gitlab_deliver(client, gitlab_webhook, "Issue Hook", payload)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "object_attributes.created_at"
    assert not Incident.objects.exists()
