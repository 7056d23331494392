from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tokens.models import ApiToken, TokenEvent
from tokens.selectors import api_token_by_plaintext
from tokens.services import token_generate, token_revoke

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def _plaintext_from(response) -> str:
    html = response.content.decode()
    start = html.index('id="api-token-value" value="') + len('id="api-token-value" value="')
    return html[start : html.index('"', start)]


def _card(response) -> str:
    """The Deployments API card alone: other cards on the page are not this test's concern."""
    html = response.content.decode()
    start = html.index('id="deployments-api-card"')
    return html[start : html.index("</section>", start)]


def test_anonymous_users_are_sent_to_login(client, organization):
    response = client.post(reverse("tokens:generate"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not ApiToken.objects.exists()


def test_members_cannot_generate(member_client):
    assert member_client.post(reverse("tokens:generate"), **FETCH).status_code == 403
    assert not ApiToken.objects.exists()


def test_members_cannot_revoke_or_regenerate(member_client, organization):
    token, _ = token_generate(organization=organization)
    for name in ["tokens:revoke", "tokens:regenerate"]:
        assert member_client.post(reverse(name, args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.is_active


@pytest.mark.parametrize("name", ["tokens:generate"])
def test_state_changes_need_post(admin_client, name):
    assert admin_client.get(reverse(name)).status_code == 405
    assert not ApiToken.objects.exists()


def test_state_changes_need_the_csrf_token(admin, organization):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.post(reverse("tokens:generate"), **FETCH).status_code == 403
    assert not ApiToken.objects.exists()


def test_generate_shows_the_token_once_with_examples(admin_client, admin, settings):
    response = admin_client.post(reverse("tokens:generate"), **FETCH)
    assert response.status_code == 200
    plaintext = _plaintext_from(response)
    token = api_token_by_plaintext(plaintext=plaintext)
    assert token.created_by == admin
    assert token.scopes == ["deployments:write", "deployments:read"]
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "curl --fail-with-body -X POST http://testserver/api/v1/deployments" in html
    assert f"Authorization: Bearer {plaintext}" in html
    assert "secrets.SHIPLOG_API_TOKEN" in html
    assert "will not be shown again" in html
    # A fragment for the modal, not a page.
    assert "<html" not in html
    assert "data-close-dialog" in html


def test_generate_without_javascript_renders_a_full_page(admin_client):
    response = admin_client.post(reverse("tokens:generate"))
    assert response.status_code == 200
    assert b"<html" in response.content
    assert b"Back to Integrations" in response.content
    assert b"data-close-dialog" not in response.content
    assert "no-store" in response["Cache-Control"]


def test_the_plaintext_is_nowhere_after_the_response(admin_client, caplog):
    caplog.set_level("DEBUG")
    response = admin_client.post(reverse("tokens:generate"), **FETCH)
    plaintext = _plaintext_from(response)
    assert plaintext not in str(dict(admin_client.session))
    assert not list(get_messages(response.wsgi_request))
    assert plaintext not in caplog.text
    page = admin_client.get(reverse("integrations"))
    assert plaintext not in page.content.decode()
    assert api_token_by_plaintext(plaintext=plaintext).display_prefix in page.content.decode()


def test_connect_refuses_a_second_active_token(admin_client):
    admin_client.post(reverse("tokens:generate"), **FETCH)
    response = admin_client.post(reverse("tokens:generate"), **FETCH)
    assert response.status_code == 409
    assert "already has an active token" in response.content.decode()
    assert ApiToken.objects.count() == 1


def test_regenerate_replaces_the_token(admin_client, admin, organization):
    old, old_plaintext = token_generate(organization=organization)
    response = admin_client.post(reverse("tokens:regenerate", args=[old.pk]), **FETCH)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new_plaintext = _plaintext_from(response)
    assert new_plaintext != old_plaintext
    assert api_token_by_plaintext(plaintext=old_plaintext).revoked_by == admin
    assert api_token_by_plaintext(plaintext=new_plaintext).is_active


def test_regenerating_a_revoked_token_is_a_conflict(admin_client, organization):
    token, _ = token_generate(organization=organization)
    token_revoke(token=token)
    response = admin_client.post(reverse("tokens:regenerate", args=[token.pk]), **FETCH)
    assert response.status_code == 409
    assert ApiToken.objects.count() == 1


def test_revoke_returns_the_card_to_connect(admin_client, admin, organization):
    token, _ = token_generate(organization=organization)
    response = admin_client.post(reverse("tokens:revoke", args=[token.pk]), follow=True)
    assert response.redirect_chain == [(reverse("integrations"), 302)]
    token.refresh_from_db()
    assert token.revoked_by == admin
    html = response.content.decode()
    assert f"Token {token.display_prefix}… was revoked" in html
    assert 'data-open-dialog="connect-token-dialog"' in html
    assert TokenEvent.objects.filter(action="revoked", actor=admin).count() == 1


@pytest.mark.parametrize("name", ["tokens:revoke", "tokens:regenerate"])
def test_another_organizations_token_is_not_found(outsider_client, organization, name):
    token, _ = token_generate(organization=organization)
    assert outsider_client.post(reverse(name, args=[token.pk]), **FETCH).status_code == 404
    token.refresh_from_db()
    assert token.is_active
    assert ApiToken.objects.count() == 1


def test_the_card_offers_connect_to_admins(admin_client):
    html = admin_client.get(reverse("integrations")).content.decode()
    assert 'data-open-dialog="connect-token-dialog"' in html
    assert 'id="connect-token-dialog"' in html
    assert "Generate Token" in html
    assert "js/integrations.js" in html


def test_the_card_offers_configure_with_the_token_facts(
    admin_client, admin, organization, django_assert_max_num_queries
):
    token, _ = token_generate(organization=organization, created_by=admin)
    # The session's four, then one per card's facts (this token; GitHub's webhook, syncs and
    # token; GitLab's; PagerDuty's), whatever the token's history.
    with django_assert_max_num_queries(12):
        html = admin_client.get(reverse("integrations")).content.decode()
    assert 'data-open-dialog="configure-token-dialog"' in html
    assert f"{token.display_prefix}…" in html
    assert "alice" in html
    assert "Never" in html
    assert reverse("tokens:revoke", args=[token.pk]) in html
    assert reverse("tokens:regenerate", args=[token.pk]) in html
    assert "connect-token-dialog" not in html


def test_members_see_the_status_but_no_buttons(member_client, organization):
    token, _ = token_generate(organization=organization)
    html = _card(member_client.get(reverse("integrations")))
    assert f"{token.display_prefix}…" in html
    assert "Connected" in html
    assert "data-open-dialog" not in html
    assert "<dialog" not in html
    assert "An organization admin manages this token." in html


def test_the_card_only_shows_the_current_organizations_token(outsider_client, organization):
    token, _ = token_generate(organization=organization)
    html = outsider_client.get(reverse("integrations")).content.decode()
    assert token.display_prefix not in html
    assert "Not connected" in html


def test_the_card_says_when_the_token_was_last_used(admin_client, organization):
    token, _ = token_generate(organization=organization)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    assert "just now" in _card(admin_client.get(reverse("integrations")))
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(hours=3))
    assert "3\xa0hours ago" in _card(admin_client.get(reverse("integrations")))


def test_the_connect_modal_offers_a_read_only_metrics_token(admin_client):
    html = _card(admin_client.get(reverse("integrations")))
    assert 'name="access" value="deployments" checked' in html
    assert 'name="access" value="metrics"' in html


def test_generate_issues_a_metrics_read_token_when_chosen(admin_client):
    response = admin_client.post(reverse("tokens:generate"), {"access": "metrics"}, **FETCH)
    assert response.status_code == 200
    token = api_token_by_plaintext(plaintext=_plaintext_from(response))
    assert token.scopes == ["metrics:read"]
    html = response.content.decode()
    assert 'curl --fail-with-body -H "Authorization: Bearer $SHIPLOG_API_TOKEN"' in html
    assert "http://testserver/api/v1/metrics?weeks=12" in html
    assert "/api/v1/deployments" not in html


def test_generate_with_the_deployments_choice_gives_the_ci_scopes(admin_client):
    response = admin_client.post(reverse("tokens:generate"), {"access": "deployments"}, **FETCH)
    token = api_token_by_plaintext(plaintext=_plaintext_from(response))
    assert token.scopes == ["deployments:write", "deployments:read"]


def test_it_rejects_an_unknown_access_choice(admin_client, organization):
    response = admin_client.post(reverse("tokens:generate"), {"access": "admin"}, **FETCH)
    assert response.status_code == 400
    assert not ApiToken.objects.filter(organization=organization).exists()


def test_regenerate_can_switch_a_token_to_metrics_only(admin_client, admin, organization):
    token, _ = token_generate(organization=organization, created_by=admin)
    url = reverse("tokens:regenerate", args=[token.pk])
    response = admin_client.post(url, {"access": "metrics"}, **FETCH)
    assert api_token_by_plaintext(plaintext=_plaintext_from(response)).scopes == ["metrics:read"]
    card = _card(admin_client.get(reverse("integrations")))
    assert 'name="access" value="metrics" checked' in card


def test_regenerate_without_a_choice_keeps_the_scopes(admin_client, admin, organization):
    token, _ = token_generate(organization=organization, scopes=["metrics:read"])
    response = admin_client.post(reverse("tokens:regenerate", args=[token.pk]), **FETCH)
    assert api_token_by_plaintext(plaintext=_plaintext_from(response)).scopes == ["metrics:read"]


def test_the_empty_dashboard_snippet_uses_the_readmes_variable(admin_client):
    html = admin_client.get(reverse("home")).content.decode()
    assert "Bearer $SHIPLOG_API_TOKEN" in html
    assert "$SHIPLOG_TOKEN" not in html
