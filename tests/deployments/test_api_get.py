"""GET /api/v1/deployments: paging, includeTests, filters, tenant isolation, query count."""

from datetime import UTC, datetime, timedelta

import pytest

from deployments.recording import deployment_record
from tests.deployments.conftest import URL
from tests.factories import make_commit, make_repository, make_sha

T0 = datetime(2025, 3, 3, tzinfo=UTC)


def make_deployments(organization, count, *, environment="production", is_test=False, **fields):
    return [
        deployment_record(
            organization=organization,
            request_id=f"seed-{i}",
            raw_body="{}",
            shas=[make_sha(f"{environment} {is_test} {i}")],
            environment_name=environment,
            deployed_at=T0 + timedelta(hours=i),
            is_test=is_test,
            **fields,
        ).deployment
        for i in range(count)
    ]


def test_get_returns_the_envelope_newest_deployed_at_first(api, organization):
    make_deployments(organization, 3)
    body = api.get(URL).json()
    assert (body["count"], body["page"], body["pageSize"]) == (3, 1, 20)
    assert [item["deployedAt"] for item in body["results"]] == [
        "2025-03-03T02:00:00Z",
        "2025-03-03T01:00:00Z",
        "2025-03-03T00:00:00Z",
    ]
    assert set(body["results"][0]) == {
        "id",
        "commitSha",
        "environmentName",
        "deployedAt",
        "receivedAt",
        "title",
        "tags",
        "isTest",
        "repository",
    }


def test_page_size_defaults_to_20_and_page_2_holds_items_21_to_40(api, organization):
    deployments = make_deployments(organization, 45)
    newest_first = [d.id for d in reversed(deployments)]
    first = api.get(URL).json()
    second = api.get(URL, {"page": 2}).json()
    assert [item["id"] for item in first["results"]] == newest_first[:20]
    assert [item["id"] for item in second["results"]] == newest_first[20:40]
    sized = api.get(URL, {"page": 3, "pageSize": 10}).json()
    assert [item["id"] for item in sized["results"]] == newest_first[20:30]


def test_page_size_maximum_is_100(api, organization):
    make_deployments(organization, 2)
    assert api.get(URL, {"pageSize": 100}).status_code == 200
    response = api.get(URL, {"pageSize": 101})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "pageSize"


def test_a_page_past_the_end_is_empty(api, organization):
    make_deployments(organization, 2)
    body = api.get(URL, {"page": 9}).json()
    assert (body["count"], body["results"]) == (2, [])


def test_include_tests_defaults_to_false(api, organization):
    make_deployments(organization, 1)
    make_deployments(organization, 2, is_test=True)
    assert api.get(URL).json()["count"] == 1
    assert api.get(URL, {"includeTests": "true"}).json()["count"] == 3
    assert api.get(URL, {"includeTests": "false"}).json()["count"] == 1


@pytest.mark.parametrize(
    "params, fields",
    [
        ({"page": "0"}, ["page"]),
        ({"page": "two"}, ["page"]),
        ({"pageSize": "0"}, ["pageSize"]),
        ({"includeTests": "perhaps"}, ["includeTests"]),
        ({"since": "last week"}, ["since"]),
        ({"page": "-1", "until": "soon"}, ["page", "until"]),
        ({"since": "9999-12-01T00:00:00Z"}, ["since"]),
        ({"until": "1969-12-31T00:00:00Z"}, ["until"]),
    ],
)
def test_bad_parameters_are_400_naming_each(api, params, fields):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == fields


def test_filters_by_environment_repository_and_time(api, organization):
    repo = make_repository(organization, "acme/api")
    linked = deployment_record(
        organization=organization,
        request_id="r",
        raw_body="{}",
        shas=[make_commit(repo).sha],
        environment_name="staging",
        deployed_at=T0 + timedelta(hours=5),
    ).deployment
    make_deployments(organization, 4)
    assert [d["id"] for d in api.get(URL, {"environmentName": "staging"}).json()["results"]] == [
        linked.id
    ]
    assert [d["id"] for d in api.get(URL, {"repository": "acme/api"}).json()["results"]] == [
        linked.id
    ]
    window = {"since": "2025-03-03T01:00:00Z", "until": "2025-03-03T03:00:00Z"}
    assert api.get(URL, window).json()["count"] == 2


def test_a_token_sees_only_its_own_organization(api, other_api, organization, other_organization):
    make_deployments(organization, 2)
    make_deployments(other_organization, 3, environment="globex-prod")
    assert api.get(URL).json()["count"] == 2
    theirs = other_api.get(URL).json()
    assert theirs["count"] == 3
    assert {item["environmentName"] for item in theirs["results"]} == {"globex-prod"}


def test_get_query_count_is_bounded(api, organization, django_assert_max_num_queries):
    make_deployments(organization, 60)
    with django_assert_max_num_queries(10):
        response = api.get(URL, {"pageSize": 50})
    assert len(response.json()["results"]) == 50
