"""While the database is unreachable, every request fails fast with 503 and its request id."""

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.urls import reverse

from config.middleware import RequestIdMiddleware
from tests.hardening.conftest import api_client_for


def _unreachable(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_an_api_request_is_503_problem_json_with_the_request_id(
    api_token, monkeypatch, error, caplog
):
    def unreachable(**kwargs):
        raise error("connection already closed")

    monkeypatch.setattr("tokens.authentication.api_token_by_plaintext", unreachable)
    response = api_client_for(api_token[1]).post(
        "/api/v1/deployments", {}, format="json", HTTP_X_REQUEST_ID="db-down-1"
    )
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    assert response["X-Request-ID"] == "db-down-1"
    body = response.json()
    assert (body["status"], body["title"], body["requestId"]) == (
        503,
        "Service Unavailable",
        "db-down-1",
    )
    assert "nothing was recorded" in body["detail"]
    assert "Traceback" not in caplog.text


def test_a_page_is_a_plain_503_page_with_the_request_id(admin_client, monkeypatch):
    monkeypatch.setattr("organizations.decorators.membership_for_request", _unreachable)
    response = admin_client.get(reverse("integrations"), HTTP_X_REQUEST_ID="db-down-2")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert b"briefly unavailable" in response.content
    assert b"db-down-2" in response.content


def test_a_plain_django_view_under_api_answers_problem_json(rf):
    # No such view exists yet; the middleware still gives the API's error shape.
    request = rf.get("/api/v2/anything")
    request.request_id = "db-down-3"
    response = RequestIdMiddleware(lambda request: None).process_exception(
        request, OperationalError("server closed the connection unexpectedly")
    )
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["requestId"] == "db-down-3"


def test_other_errors_are_still_500(admin_client, monkeypatch):
    def broken(request):
        raise RuntimeError("a bug")

    monkeypatch.setattr("organizations.decorators.membership_for_request", broken)
    with pytest.raises(RuntimeError):
        admin_client.get(reverse("integrations"))
