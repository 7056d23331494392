"""Hostile and malformed input beyond the schema: always a clear 4xx, never a 5xx, and
nothing stored (a NUL character, which PostgreSQL cannot store in text, is a 400 naming
its field)."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from deployments.models import Deployment, DeploymentReceipt
from tests.hardening.conftest import api_client_for
from tokens.services import token_generate

URL = "/api/v1/deployments"
SHA = "8f14e45fceea167a5a36dedd4bea2543d3c5a1b2"
VALID = {"commitSha": SHA, "environmentName": "production"}


def _post_raw(client, raw: bytes, **extra):
    return client.generic("POST", URL, raw, content_type="application/json", **extra)


def _fields(response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


@pytest.fixture(autouse=True)
def _nothing_is_stored(db):
    yield
    assert not Deployment.objects.exists()
    assert not DeploymentReceipt.objects.exists()


def _assert_refused(response, status: int, field: str):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert field in _fields(response), response.json()
    assert response.json()["requestId"] == response["X-Request-ID"]


def test_a_hundred_thousand_tags_are_refused_naming_tags(api):
    response = api.post(URL, {**VALID, "tags": ["t"] * 100_000}, format="json")
    _assert_refused(response, 400, "tags")


def test_a_body_over_one_mebibyte_is_413(api):
    response = api.post(URL, {**VALID, "title": "x" * (1024 * 1024 + 1)}, format="json")
    _assert_refused(response, 413, "body")


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_refused(api, depth):
    nested = "[" * depth + "]" * depth
    raw = f'{{"commitSha": {nested}, "environmentName": "production"}}'.encode()
    response = _post_raw(api, raw)
    assert response.status_code == 400
    assert _fields(response) & {"body", "commitSha", "commitSha[0]"}


def test_deeply_nested_objects_are_refused(api):
    nested = '{"a":' * 100_000 + "1" + "}" * 100_000
    response = _post_raw(api, f'{{"commitSha": "{SHA}", "environmentName": {nested}}}'.encode())
    assert response.status_code == 400


@pytest.mark.parametrize(
    "raw",
    [
        b'{"commitSha": "8f14e45", "environmentName": "prod\xff\xfe"}',
        b"\xef\xbb\xbf\xff" + json.dumps(VALID).encode(),
        b"\x80\x81\x82",
    ],
)
def test_invalid_utf8_is_400_naming_the_body(api, raw):
    _assert_refused(_post_raw(api, raw), 400, "body")


def test_a_raw_nul_byte_in_the_json_is_400_naming_the_body(api):
    raw = b'{"commitSha": "8f14e45", "environmentName": "prod\x00"}'
    _assert_refused(_post_raw(api, raw), 400, "body")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**VALID, "environmentName": "prod\u0000uction"}, "environmentName"),
        ({**VALID, "title": "Release\u0000"}, "title"),
        ({**VALID, "tags": ["ok", "bad\u0000"]}, "tags[1]"),
        ({**VALID, "commitSha": ["8f14e45\u0000"]}, "commitSha[0]"),
    ],
)
def test_nul_characters_in_strings_are_400_naming_the_field(api, body, field):
    _assert_refused(api.post(URL, body, format="json"), 400, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**VALID, "environmentName": "e" * 201}, "environmentName"),
        ({**VALID, "environmentName": "e" * 1_000_000}, "environmentName"),
        ({**VALID, "title": "t" * 501}, "title"),
        ({**VALID, "tags": ["t" * 101]}, "tags[0]"),
        ({**VALID, "commitSha": ["a" * 41]}, "commitSha[0]"),
        ({**VALID, "commitSha": [SHA] * 5001}, "commitSha"),
    ],
)
def test_overlong_values_are_refused_naming_the_field(api, body, field):
    response = api.post(URL, body, format="json")
    assert response.status_code in (400, 413)
    assert field in _fields(response)


WRONG_TYPES = {
    "commitSha": [42, 4.2, True, None, {}, [42], [None], [[SHA]], [{"sha": SHA}]],
    "environmentName": [42, True, None, [], {}, ["production"], ""],
    "deployedAt": [42, True, [], {}, "yesterday", "2025-13-45T00:00:00Z", ""],
    "title": [42, True, [], {}],
    "tags": [42, True, {}, [1], [None], [[]], [{}]],
    "isTest": ["maybe", 2, [], {}, None],
}


@pytest.mark.parametrize(
    ("field", "value"),
    [(field, value) for field, values in WRONG_TYPES.items() for value in values],
)
def test_a_wrong_type_is_400_naming_the_field(api, field, value):
    response = api.post(URL, {**VALID, field: value}, format="json")
    assert response.status_code == 400, response.content
    assert any(name.split("[")[0] == field for name in _fields(response)), response.json()


@pytest.mark.parametrize("body", [[], [VALID], "production", 42, None, True])
def test_a_body_that_is_not_an_object_is_400(api, body):
    response = _post_raw(api, json.dumps(body).encode())
    assert response.status_code == 400
    assert "body" in _fields(response)


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "page=99999999999999999999999",
        "pageSize=1000",
        "includeTests=maybe",
        "since=yesterday",
        "until=2025-13-45",
        "environmentName=prod%00",
        "repository=acme%00web",
    ],
)
def test_bad_list_parameters_are_400(api, query):
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    assert _fields(response)


@pytest.mark.parametrize(
    "query",
    [
        "from=yesterday",
        "to=2025-02-30",
        "weeks=5",
        "granularity=year",
        "environment=prod%00",
        "tag=bad%00",
        "repository=acme%00",
        "team=x%00",
        "from=2000-01-01&to=2025-01-01",
    ],
)
def test_bad_metrics_parameters_are_400(api, query):
    assert api.get(f"/api/v1/metrics?{query}").status_code == 400


@pytest.mark.parametrize(
    "query", ["environment=prod%00", "tag=bad%00", "period=%00", "sort=%00", "weeks=%00"]
)
def test_bad_dashboard_and_csv_parameters_are_not_5xx(admin_client, query):
    for name in ["home", "metrics_deployments_csv", "metrics_pull_requests_csv"]:
        response = admin_client.get(f"{reverse(name)}?{query}")
        assert response.status_code < 500, (name, query)
        if response.status_code == 200 and name != "home":
            b"".join(response.streaming_content)


def test_a_very_long_authorization_header_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + "shl_" + "A" * 100_000)
    _assert_refused(client.post(URL, VALID, format="json"), 401, "Authorization")


def test_a_very_long_request_id_is_replaced_not_echoed(api):
    response = api.get(URL, HTTP_X_REQUEST_ID="r" * 100_000)
    assert response.status_code == 200
    assert len(response["X-Request-ID"]) == 32


def test_very_long_and_many_unknown_headers_change_nothing(api):
    headers = {f"HTTP_X_JUNK_{index}": "j" * 8_000 for index in range(50)}
    response = api.post(URL, {**VALID, "environmentName": "e" * 201}, format="json", **headers)
    _assert_refused(response, 400, "environmentName")


def test_an_authorization_header_that_is_not_ascii_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer shl_ÄÖÜ\u0000")
    _assert_refused(client.get(URL), 401, "Authorization")


def test_a_token_of_a_deleted_organization_is_401(other_organization):
    _, plaintext = token_generate(organization=other_organization)
    other_organization.delete()
    client = api_client_for(plaintext)
    _assert_refused(client.post(URL, VALID, format="json"), 401, "Authorization")
    _assert_refused(client.get(URL), 401, "Authorization")
    assert client.get("/api/v1/metrics").status_code == 401


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_body_that_is_not_json_is_415(api, content_type):
    response = api.generic("POST", URL, "commitSha=8f14e45", content_type=content_type)
    _assert_refused(response, 415, "Content-Type")


def test_a_webhook_with_a_huge_nested_body_is_refused_before_parsing(client, organization):
    from repositories.webhook_secrets import github_webhook_connect

    webhook, _ = github_webhook_connect(organization=organization)
    nested = "[" * 100_000 + "]" * 100_000
    response = client.post(
        reverse("github_webhook", args=[webhook.path_token]),
        nested,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256="sha256=" + "0" * 64,
        HTTP_X_GITHUB_EVENT="push",
        HTTP_X_GITHUB_DELIVERY="d-1",
    )
    assert response.status_code == 401
