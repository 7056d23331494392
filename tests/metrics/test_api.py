"""GET /api/v1/metrics: auth, the answer's shape, bad input, and agreement with the page."""

import pytest
from rest_framework.test import APIClient

from metrics.comparison_payload import comparison_payload
from metrics.report import report_payload
from tests.metrics.test_pages import RANGE, build_history
from tokens.services import token_generate, token_revoke

URL = "/api/v1/metrics"


def bearer(organization, scopes=("metrics:read",)):
    _, plaintext = token_generate(organization=organization, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


@pytest.fixture
def history(organization):
    return build_history(organization, deployments=3, pull_requests=6)


def test_it_answers_with_the_documented_shape(organization, history):
    response = bearer(organization).get(f"{URL}?from=2026-01-05&to=2026-02-01")

    body = response.json()
    assert response.status_code == 200
    assert (body["from"], body["to"], body["granularity"]) == ("2026-01-05", "2026-02-01", "week")
    # 3 deployments in 28 days: 3 / 4 weeks = 0.75 per week; 1 of 3 tagged is_failure.
    assert body["totals"]["deployments"] == 3
    assert body["totals"]["deploymentsPerWeek"] == 0.75
    assert body["totals"]["changeFailureRate"] == pytest.approx(0.3333)
    # PRs 0..5 deploy on day index % 3 after first commit 01-04 09:00: 2 PRs each at
    # 1, 2 and 3 days → lead times 1,1,2,2,3,3 days; median (2 + 2) / 2 = 2 days = 172800 s.
    assert body["totals"]["changeLeadTime"]["count"] == 6
    assert body["totals"]["changeLeadTime"]["median"] == 172800.0
    # Deploy time: merged an hour before its deployment → 3600 s for every PR.
    assert body["totals"]["deployTime"] == {
        "count": 6,
        "median": 3600.0,
        "p75": 3600.0,
        "p90": 3600.0,
    }
    assert body["totals"]["bands"]["deploymentFrequency"] == "medium"
    assert [period["periodStart"] for period in body["series"]] == [
        "2026-01-05",
        "2026-01-12",
        "2026-01-19",
        "2026-01-26",
    ]
    assert [period["deployments"] for period in body["series"]] == [3, 0, 0, 0]
    assert set(body["excluded"]) >= {"test", "noKnownCommits", "noContributorCommits", "botsOnly"}


def test_it_agrees_with_the_dashboard(organization, history, member_client):
    query = f"{RANGE}&repository=acme/web&granularity=day"

    page = member_client.get(f"/?{query}")
    api = bearer(organization).get(f"{URL}?{query}")

    context = page.context
    body = api.json()
    # The dashboard's previous period computes only what its tiles show; the API's totals
    # carry the lead-time parts too, as the range's own do.
    parts = body["previous"]["totals"].pop("leadTimeParts")
    assert set(parts) == {"coding", "reviewWait", "editing", "deploy"}
    assert body == report_payload(context["report"]) | comparison_payload(
        previous=context["previous"], teams=context["team_comparison"]
    ) | {"previous": body["previous"]}
    expected = comparison_payload(previous=context["previous"], teams=[])["previous"]
    # Deploy Time is the last part: the dashboard's previous period has that one only.
    assert expected["totals"].pop("leadTimeParts").items() <= parts.items()
    assert body["previous"] == expected


def test_a_logged_in_member_may_read_it_without_a_token(organization, history, member_client):
    response = member_client.get(f"{URL}?{RANGE}")

    assert response.status_code == 200
    assert response.json()["totals"]["deployments"] == 3


def test_it_requires_credentials(db):
    response = APIClient().get(URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_rejects_a_token_without_the_metrics_scope(organization):
    response = bearer(organization, scopes=("deployments:write",)).get(URL)

    assert response.status_code == 403
    assert "metrics:read" in response.content.decode()


def test_it_rejects_a_revoked_token(organization):
    token, plaintext = token_generate(organization=organization, scopes=["metrics:read"])
    token_revoke(token=token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")

    assert client.get(URL).status_code == 403


def test_it_rejects_bad_input_naming_the_field(organization, history):
    client = bearer(organization)

    for query, field in (
        ("from=2026-13-01", "from"),
        ("from=2026-02-01&to=2026-01-01", "to"),
        ("granularity=hour", "granularity"),
        ("repository=globex/secret", "repository"),
        ("team=nobody", "team"),
        ("from=9999-12-01&to=9999-12-31", "from"),
        ("from=9999-12-01&to=9999-12-31", "to"),
        ("from=1969-12-01&to=1970-01-31", "from"),
        ("period=9999-12-27", "period"),
    ):
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 400, query
        assert field in {error["field"] for error in response.json()["errors"]}, query


def test_a_token_only_sees_its_own_organization(organization, other_organization, history):
    build_history(other_organization, deployments=2, pull_requests=1, prefix="secret")

    mine = bearer(organization).get(f"{URL}?{RANGE}").json()
    theirs = bearer(other_organization).get(f"{URL}?{RANGE}").json()

    assert (mine["totals"]["deployments"], theirs["totals"]["deployments"]) == (3, 2)
    # Another organization's repository is not a valid filter value.
    assert bearer(organization).get(f"{URL}?repository=acme/secret").status_code == 400


def test_it_is_in_the_openapi_schema(client):
    response = client.get("/api/schema/?format=json")

    schema = response.json()
    operation = schema["paths"]["/api/v1/metrics"]["get"]
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert response.status_code == 200
    assert {"from", "to", "granularity", "repository", "team", "environment", "tag"} <= parameters
    assert set(operation["responses"]) >= {"200", "400", "401", "403"}
    assert "deploymentsPerWeek" in schema["components"]["schemas"]["Totals"]["properties"]
