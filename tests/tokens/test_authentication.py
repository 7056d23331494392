"""The authentication class and HasScope over HTTP via the test-only tests.tokens.urls."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tokens.models import ApiToken
from tokens.services import token_generate, token_regenerate, token_revoke

pytestmark = pytest.mark.urls("tests.tokens.urls")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def issued(organization):
    return token_generate(organization=organization)


def test_it_accepts_a_bearer_token(api, issued):
    token, plaintext = issued
    response = api.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200
    assert response.json() == {
        "organization": "acme",
        "user": f"API token {token.display_prefix}…",
    }


def test_it_accepts_a_bare_token_and_a_lowercase_scheme(api, issued):
    _token, plaintext = issued
    assert api.get("/whoami", HTTP_AUTHORIZATION=plaintext).status_code == 200
    assert api.get("/whoami", HTTP_AUTHORIZATION=f"bearer {plaintext}").status_code == 200


def test_it_rejects_a_missing_token_with_401(api, issued):
    response = api.get("/whoami")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "Authorization" in response.json()["detail"]


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer shl_nope", "Basic dXNlcjpwYXNz", "Bearer a b", "Bearer shl_é"]
)
def test_it_rejects_a_malformed_token_with_401_and_no_query(
    api, issued, header, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = api.get("/whoami", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_it_rejects_a_one_character_change_with_401_and_no_query(
    api, issued, django_assert_num_queries
):
    _token, plaintext = issued
    changed = plaintext[:-8] + ("A" if plaintext[-8] != "A" else "B") + plaintext[-7:]
    with django_assert_num_queries(0):
        response = api.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {changed}")
    assert response.status_code == 401


def test_it_rejects_an_unknown_well_formed_token_with_401(api, issued):
    _other, unknown = token_generate(organization=issued[0].organization)
    ApiToken.objects.filter(token_hash=_other.token_hash).delete()
    response = api.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {unknown}")
    assert response.status_code == 401
    assert response.json()["detail"] == "The API token is not valid."


def test_it_rejects_a_revoked_token_with_403(api, issued):
    token, plaintext = issued
    token_revoke(token=token)
    response = api.post("/whoami", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 403
    assert response.json()["detail"] == "The API token has been revoked."


def test_regenerate_invalidates_the_old_token_at_once(api, issued):
    token, old_plaintext = issued
    _new, new_plaintext = token_regenerate(token=token)
    assert api.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {old_plaintext}").status_code == 403
    assert api.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {new_plaintext}").status_code == 200


def test_it_rejects_a_token_without_the_needed_scope_with_403(api, organization):
    _token, read_only = token_generate(organization=organization, scopes=["deployments:read"])
    assert api.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {read_only}").status_code == 200
    response = api.post("/whoami", HTTP_AUTHORIZATION=f"Bearer {read_only}")
    assert response.status_code == 403
    assert "deployments:write" in response.json()["detail"]


def test_the_deployments_token_cannot_read_metrics(api, issued, organization):
    _token, plaintext = issued
    assert api.get("/metrics-only", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 403
    _metrics, metrics_plaintext = token_generate(
        organization=organization, scopes=["metrics:read"]
    )
    response = api.get("/metrics-only", HTTP_AUTHORIZATION=f"Bearer {metrics_plaintext}")
    assert response.status_code == 200


def test_a_method_the_view_does_not_list_is_refused(api, issued):
    _token, plaintext = issued
    assert api.delete("/whoami", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 403


def test_a_token_resolves_to_its_own_organization(api, issued, other_organization):
    _other, other_plaintext = token_generate(organization=other_organization)
    response = api.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {other_plaintext}")
    assert response.json()["organization"] == "globex"


def test_last_used_is_written_once_a_minute_not_per_request(
    api, issued, django_assert_num_queries
):
    token, plaintext = issued
    with django_assert_num_queries(2):  # the lookup and the first last_used_at write
        assert api.get("/whoami", HTTP_AUTHORIZATION=plaintext).status_code == 200
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    for _ in range(3):
        with django_assert_num_queries(1):  # the lookup only
            api.get("/whoami", HTTP_AUTHORIZATION=plaintext)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=61))
    api.get("/whoami", HTTP_AUTHORIZATION=plaintext)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - timedelta(seconds=1)
    assert ApiToken.objects.get(pk=token.pk).last_used_at <= timezone.now()
