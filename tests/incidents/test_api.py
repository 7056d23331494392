"""POST and GET /api/v1/incidents over HTTP: the same error shape, statuses and request id
as the deployments API."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from incidents.models import Incident
from tests.incidents.conftest import T0, URL, api_client, deploy, hours

pytestmark = pytest.mark.django_db
STARTED = "2026-03-02T12:00:00Z"


def post(client, body, **extra):
    return client.post(URL, body, format="json", **extra)


def fields_at_fault(response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


def test_it_creates_an_incident_attributed_by_rule(api, organization, web, web_sha):
    deployment = deploy(organization, web_sha, at=T0 - hours(2))

    response = post(
        api,
        {
            "id": "INC-7",
            "title": "Checkout down",
            "url": "https://status.example.com/7",
            "severity": "SEV1",
            "repository": "acme/web",
            "environmentName": "production",
            "startedAt": "2026-03-02T13:00:00+01:00",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["id"] == "INC-7" and body["source"] == "api"
    assert body["startedAt"] == STARTED  # the offset converted to UTC
    assert body["resolvedAt"] is None
    assert body["repository"] == "acme/web" and body["repositoryKnown"] is True
    assert body["attribution"] == "rule"
    assert body["attributedDeployment"] == {
        "id": deployment.pk,
        "commitSha": [web_sha],
        "environmentName": "production",
        "deployedAt": "2026-03-02T10:00:00Z",
    }
    assert response["X-Request-ID"]


def test_re_posting_the_same_id_updates_it_with_200(api, organization):
    post(api, {"id": "INC-7", "title": "Checkout down", "startedAt": STARTED})

    response = post(
        api, {"id": "INC-7", "startedAt": STARTED, "resolvedAt": "2026-03-02T13:30:00Z"}
    )

    assert response.status_code == 200
    assert response.json()["resolvedAt"] == "2026-03-02T13:30:00Z"
    assert response.json()["title"] == "Checkout down"  # a field left out keeps its value
    assert Incident.objects.count() == 1


def test_a_deployment_sha_is_an_explicit_attribution(api, organization, web, web_sha):
    deployment = deploy(organization, web_sha, at=T0 - hours(30))

    response = post(api, {"id": "1", "startedAt": STARTED, "deploymentSha": web_sha[:10].upper()})

    assert response.json()["attribution"] == "explicit"
    assert response.json()["attributedDeployment"]["id"] == deployment.pk
    assert response.json()["deploymentSha"] == web_sha[:10]


def test_an_unknown_repository_is_kept_and_unattributed(api, organization):
    response = post(api, {"id": "1", "startedAt": STARTED, "repository": "acme/nowhere"})

    assert response.status_code == 201
    assert response.json()["repository"] == "acme/nowhere"
    assert response.json()["repositoryKnown"] is False
    assert response.json()["attribution"] == "unattributed"
    assert response.json()["attributedDeployment"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"startedAt": STARTED}, "id"),
        ({"id": "", "startedAt": STARTED}, "id"),
        ({"id": 42, "startedAt": STARTED}, "id"),
        ({"id": "x" * 256, "startedAt": STARTED}, "id"),
        ({"id": "1"}, "startedAt"),
        ({"id": "1", "startedAt": "yesterday"}, "startedAt"),
        ({"id": "1", "startedAt": "1969-12-31T23:00:00Z"}, "startedAt"),
        ({"id": "1", "startedAt": "2101-01-01T00:00:00Z"}, "startedAt"),
        ({"id": "1", "startedAt": STARTED, "resolvedAt": "2026-03-02T11:59:59Z"}, "resolvedAt"),
        ({"id": "1", "startedAt": STARTED, "resolvedAt": "9999-01-01T00:00:00Z"}, "resolvedAt"),
        ({"id": "1", "startedAt": STARTED, "deploymentSha": "abc"}, "deploymentSha"),
        ({"id": "1", "startedAt": STARTED, "url": "javascript:alert(1)"}, "url"),
        ({"id": "1", "startedAt": STARTED, "title": ["a"]}, "title"),
        ({"id": "1", "startedAt": STARTED, "repository": 7}, "repository"),
        ({"id": "1", "startedAt": STARTED, "environmentName": {"a": 1}}, "environmentName"),
        ({"id": "1", "startedAt": STARTED, "severity": "s" * 101}, "severity"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(api, body, field):
    response = post(api, body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert fields_at_fault(response) == [field]
    assert response.json()["requestId"] == response["X-Request-ID"]
    assert not Incident.objects.exists()


def test_resolving_before_it_started_is_refused_on_update_too(api):
    post(api, {"id": "1", "startedAt": STARTED})

    response = post(api, {"id": "1", "startedAt": STARTED, "resolvedAt": "2026-03-01T00:00:00Z"})

    assert response.status_code == 400
    assert Incident.objects.get().resolved_at is None


def test_a_body_that_is_not_json_is_refused(api):
    response = api.post(URL, "not json", content_type="application/json")
    assert response.status_code == 400
    assert fields_at_fault(response) == ["body"]
    assert api.post(URL, "id=1", content_type="text/plain").status_code == 415


@pytest.mark.parametrize(
    "scopes, method, status",
    [
        (["deployments:write", "deployments:read"], "post", 403),
        (["deployments:write", "deployments:read"], "get", 403),
        (["incidents:read"], "post", 403),
        (["incidents:write"], "get", 403),
        (["incidents:write"], "post", 201),
        (["incidents:read"], "get", 200),
    ],
)
def test_each_method_needs_its_scope(organization, scopes, method, status):
    client = api_client(organization, scopes)
    body = {"id": "1", "startedAt": STARTED}
    response = post(client, body) if method == "post" else client.get(URL)
    assert response.status_code == status


def test_it_needs_a_token(client):
    response = client.get(URL)
    assert response.status_code == 401
    assert fields_at_fault(response) == ["Authorization"]


def test_other_methods_are_405(api):
    assert api.put(URL, {}, format="json").status_code == 405
    assert api.delete(URL).status_code == 405


def test_get_lists_the_latest_started_first_in_pages(api):
    for day in range(1, 26):
        post(api, {"id": f"INC-{day}", "startedAt": f"2026-01-{day:02d}T00:00:00Z"})

    first = api.get(URL).json()
    second = api.get(URL, {"page": 2, "pageSize": 20}).json()
    past_the_end = api.get(URL, {"page": 9}).json()

    assert (first["count"], first["page"], first["pageSize"]) == (25, 1, 20)
    assert [item["id"] for item in first["results"][:2]] == ["INC-25", "INC-24"]
    assert [item["id"] for item in second["results"]] == [f"INC-{d}" for d in range(5, 0, -1)]
    assert past_the_end["results"] == []


@pytest.mark.parametrize("params, field", [({"page": 0}, "page"), ({"pageSize": 101}, "pageSize")])
def test_get_refuses_bad_paging(api, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert fields_at_fault(response) == [field]


def test_one_organization_never_sees_or_changes_anothers_incidents(
    api, organization, other_organization
):
    post(api, {"id": "INC-1", "title": "Ours", "startedAt": STARTED})
    theirs = api_client(other_organization, ["incidents:write", "incidents:read"])

    assert theirs.get(URL).json()["count"] == 0
    response = post(theirs, {"id": "INC-1", "title": "Theirs", "startedAt": STARTED})

    assert response.status_code == 201
    assert Incident.objects.get(organization=organization).title == "Ours"
    assert [item["title"] for item in api.get(URL).json()["results"]] == ["Ours"]


def test_the_openapi_schema_documents_both_operations(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operations = schema["paths"]["/api/v1/incidents"]
    assert operations["post"]["operationId"] == "incidents_record"
    assert {"200", "201", "400", "401", "403"} <= set(operations["post"]["responses"])
    assert operations["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert operations["get"]["operationId"] == "incidents_list"
    required = schema["components"]["schemas"]["IncidentInput"]["required"]
    assert sorted(required) == ["id", "startedAt"]


def test_create_api_token_accepts_the_incident_scopes(organization, capsys):
    call_command("create_api_token", "--org", "acme", "--scopes", "incidents:write,incidents:read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {capsys.readouterr().out.strip()}")

    assert post(client, {"id": "1", "startedAt": STARTED}).status_code == 201
    assert client.get(URL).json()["count"] == 1
    assert client.get("/api/v1/deployments").status_code == 403


def test_a_later_start_than_the_stored_resolution_is_refused(api):
    post(api, {"id": "1", "startedAt": STARTED, "resolvedAt": "2026-03-02T13:00:00Z"})

    response = post(api, {"id": "1", "startedAt": "2026-03-02T14:00:00Z"})

    assert response.status_code == 400
    assert fields_at_fault(response) == ["resolvedAt"]
    assert Incident.objects.get().started_at == T0


def test_listing_costs_the_same_queries_for_many_incidents(
    api, organization, web, web_sha, django_assert_max_num_queries
):
    deploy(organization, web_sha, at=T0 - hours(1))
    for number in range(30):
        post(api, {"id": f"INC-{number}", "startedAt": STARTED, "repository": "acme/web"})

    with django_assert_max_num_queries(6):
        response = api.get(URL, {"pageSize": 100})

    assert len(response.json()["results"]) == 30
    assert {item["attribution"] for item in response.json()["results"]} == {"rule"}
