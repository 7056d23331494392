"""Status codes, the one error shape (RFC 9457 + errors + requestId) and request ids."""

import logging
import re

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from deployments.models import Deployment, DeploymentReceipt
from tests.deployments.conftest import URL, post
from tokens.services import token_generate, token_revoke

BODY = {"commitSha": "abcdef1234", "environmentName": "production"}


def assert_problem(response, status, fields=None):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "errors", "requestId"}
    assert body["status"] == status and body["type"] == "about:blank" and body["detail"]
    assert body["requestId"] == response["X-Request-ID"]
    if fields is not None:
        assert [error["field"] for error in body["errors"]] == fields
    return body


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_missing_token_is_401(db, method):
    response = getattr(APIClient(), method)(URL)
    assert_problem(response, 401, ["Authorization"])
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["Bearer shl_not-a-real-token", "Bearer", "Bearer a b", "Token x y z"]
)
def test_an_unknown_or_malformed_token_is_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_problem(post(client, BODY), 401, ["Authorization"])


def test_a_bare_token_without_bearer_is_accepted(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=token[1])
    assert post(client, BODY).status_code == 201


def test_a_revoked_token_is_403(api, token):
    token_revoke(token=token[0])
    assert_problem(post(api, BODY), 403, ["Authorization"])
    assert_problem(api.get(URL), 403, ["Authorization"])
    assert not Deployment.objects.exists()


def test_a_token_without_the_scope_is_403(organization):
    _, read_only = token_generate(organization=organization, scopes=["deployments:read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {read_only}")
    body = assert_problem(post(client, BODY), 403, ["Authorization"])
    assert "deployments:write" in body["detail"]
    assert client.get(URL).status_code == 200


def test_other_methods_are_405(api):
    response = api.put(URL, BODY, format="json")
    assert_problem(response, 405, [])
    assert "POST" in response["Allow"]


def test_bad_json_is_400_on_the_body(api):
    response = api.post(URL, '{"commitSha": ', content_type="application/json")
    assert_problem(response, 400, ["body"])


def test_a_json_array_is_400_on_the_body(api):
    assert_problem(api.post(URL, "[1, 2]", content_type="application/json"), 400, ["body"])


def test_a_body_that_is_not_json_is_415(api):
    response = api.post(URL, "commitSha=abcdef1", content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415, ["Content-Type"])


def test_a_body_over_one_mebibyte_is_413_and_nothing_is_stored(api):
    padding = "x" * (1024 * 1024)
    response = post(api, {**BODY, "title": padding})
    assert_problem(response, 413, ["body"])
    assert not DeploymentReceipt.objects.exists()


def test_a_declared_length_over_the_limit_is_413_before_reading(api):
    response = api.post(
        URL, "{}", content_type="application/json", CONTENT_LENGTH=str(2 * 1024 * 1024)
    )
    assert_problem(response, 413, ["body"])


def test_a_body_just_under_the_limit_is_accepted(api):
    response = post(api, {**BODY, "padding": "x" * (1024 * 1024 - 200)})
    assert response.status_code == 201


def test_over_the_rate_is_429_with_retry_after(api):
    rates = {"api_token": "3/min"}
    with override_settings(REST_FRAMEWORK={**_rest_framework(), "DEFAULT_THROTTLE_RATES": rates}):
        statuses = [post(api, BODY).status_code for _ in range(3)]
        response = post(api, BODY)
    assert statuses == [201, 201, 201]
    assert_problem(response, 429, [])
    assert 1 <= int(response["Retry-After"]) <= 60


def test_the_rate_is_counted_per_token(api, organization):
    rates = {"api_token": "1/min"}
    _, second = token_generate(organization=organization, name="Second")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {second}")
    with override_settings(REST_FRAMEWORK={**_rest_framework(), "DEFAULT_THROTTLE_RATES": rates}):
        assert post(api, BODY).status_code == 201
        assert post(api, BODY).status_code == 429
        assert post(other, BODY).status_code == 201


def _rest_framework():
    from django.conf import settings

    return settings.REST_FRAMEWORK


def test_a_server_error_is_500_with_the_request_id_and_no_stack_trace(api, monkeypatch, caplog):
    def explode(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("deployments.api.deployment_record", explode)
    with caplog.at_level(logging.ERROR):
        response = post(api, BODY, HTTP_X_REQUEST_ID="trace-me-1")
    body = assert_problem(response, 500, [])
    assert body["requestId"] == "trace-me-1"
    assert "database on fire" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].request_id == "trace-me-1"


def test_every_response_has_a_request_id(api, client):
    ids = [
        post(api, BODY)["X-Request-ID"],
        api.get(URL)["X-Request-ID"],
        APIClient().get(URL)["X-Request-ID"],
        client.get("/accounts/login/")["X-Request-ID"],
        client.get("/no-such-page/")["X-Request-ID"],
    ]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    "incoming, echoed",
    [
        ("build-4711.step_2", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("has space", False),
        ("inject\\nline", False),
        ("", False),
    ],
)
def test_a_valid_incoming_request_id_is_echoed(api, incoming, echoed):
    response = api.get(URL, HTTP_X_REQUEST_ID=incoming)
    assert (response["X-Request-ID"] == incoming) is echoed
    if not echoed:
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_the_request_log_line_carries_the_request_id(api, caplog):
    with caplog.at_level(logging.INFO, logger="shiplog.request"):
        api.get(URL, HTTP_X_REQUEST_ID="log-me-42")
    lines = [r for r in caplog.records if r.name == "shiplog.request"]
    assert len(lines) == 1
    assert lines[0].request_id == "log-me-42"
    assert "GET /api/v1/deployments 200" in lines[0].getMessage()
