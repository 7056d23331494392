"""POST /api/v1/deployments: one test per rule of the reference, plus what DESIGN.md adds."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from deployments.models import Deployment, DeploymentReceipt
from tests.deployments.conftest import URL, post
from tests.factories import make_commit, make_pull_request, make_repository, make_sha

SHA = make_sha("deployed")


def fields_at_fault(response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


def test_commit_sha_accepts_a_single_string(api):
    response = post(api, {"commitSha": SHA, "environmentName": "production"})
    assert response.status_code == 201
    assert response.json()["commitSha"] == [SHA]


def test_commit_sha_accepts_a_list_case_folded(api):
    shas = [SHA.upper(), make_sha("other")[:12]]
    response = post(api, {"commitSha": shas, "environmentName": "production"})
    assert response.status_code == 201
    assert response.json()["commitSha"] == [SHA, make_sha("other")[:12]]


def test_commit_sha_accepts_a_thousand_shas(api):
    shas = [make_sha(f"many {i}") for i in range(1000)]
    response = post(api, {"commitSha": shas, "environmentName": "production"})
    assert response.status_code == 201
    assert len(response.json()["match"]["unknownShas"]) == 1000


def test_commit_sha_over_the_cap_is_refused(api):
    shas = [make_sha(f"too many {i}") for i in range(5001)]
    response = post(api, {"commitSha": shas, "environmentName": "production"})
    assert response.status_code == 400
    assert fields_at_fault(response) == ["commitSha"]
    assert "5000" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "value, field",
    [
        (None, "commitSha"),
        ([], "commitSha"),
        ("abc123", "commitSha[0]"),
        ([SHA, "g" * 40], "commitSha[1]"),
        ([SHA, "a" * 41], "commitSha[1]"),
        ([7654321], "commitSha[0]"),
        ({"sha": SHA}, "commitSha"),
    ],
)
def test_a_sha_must_be_7_to_40_hex_characters(api, value, field):
    body = {"environmentName": "production"}
    if value is not None:
        body["commitSha"] = value
    response = post(api, body)
    assert response.status_code == 400
    assert fields_at_fault(response) == [field]
    assert not Deployment.objects.exists()


@pytest.mark.parametrize("value", [None, "", "   ", 42])
def test_environment_name_is_required_and_not_blank(api, value):
    body = {"commitSha": SHA} | ({} if value is None else {"environmentName": value})
    response = post(api, body)
    assert response.status_code == 400
    assert fields_at_fault(response) == ["environmentName"]


def test_bad_input_returns_400_naming_every_field_at_once(api):
    body = {
        "commitSha": ["nothex!"],
        "environmentName": "",
        "deployedAt": "yesterday",
        "title": ["x"],
        "tags": [1],
        "isTest": "perhaps",
    }
    response = post(api, body)
    assert response.status_code == 400
    assert fields_at_fault(response) == [
        "commitSha[0]",
        "environmentName",
        "deployedAt",
        "title",
        "tags[0]",
        "isTest",
    ]
    assert not DeploymentReceipt.objects.exists()


def test_dedupe_same_commits_and_environment_keeps_the_latest_received(api):
    first = post(api, {"commitSha": [SHA, "abcdef1"], "environmentName": "prod", "title": "a"})
    second = post(api, {"commitSha": ["ABCDEF1", SHA], "environmentName": "prod", "title": "b"})
    assert first.json()["match"]["replacedExisting"] is False
    assert second.json()["match"]["replacedExisting"] is True
    assert second.json()["id"] == first.json()["id"]
    assert [d["title"] for d in api.get(URL).json()["results"]] == ["b"]
    assert DeploymentReceipt.objects.count() == 2


def test_deployed_at_defaults_to_when_the_request_was_received(api):
    before = timezone.now()
    body = post(api, {"commitSha": SHA, "environmentName": "production"}).json()
    deployed_at = datetime.fromisoformat(body["deployedAt"])
    assert before <= deployed_at <= timezone.now()
    assert body["deployedAt"] == body["receivedAt"]


def test_deployed_at_with_an_offset_is_stored_in_utc(api):
    body = {"commitSha": SHA, "environmentName": "prod", "deployedAt": "2025-03-04T10:15:00+01:00"}
    assert post(api, body).json()["deployedAt"] == "2025-03-04T09:15:00Z"


def test_deployed_at_more_than_a_day_ahead_is_refused(api):
    ahead = (timezone.now() + timedelta(days=1, minutes=5)).isoformat()
    response = post(api, {"commitSha": SHA, "environmentName": "prod", "deployedAt": ahead})
    assert response.status_code == 400
    assert fields_at_fault(response) == ["deployedAt"]
    soon = (timezone.now() + timedelta(hours=23)).isoformat()
    assert (
        post(api, {"commitSha": SHA, "environmentName": "p", "deployedAt": soon}).status_code
        == 201
    )


@pytest.mark.parametrize(
    "deployed_at", ["9999-12-31T00:00:00Z", "1969-12-31T23:59:59Z", "2101-01-01T00:00:00Z"]
)
def test_deployed_at_outside_the_supported_years_is_refused(api, deployed_at):
    body = {"commitSha": SHA, "environmentName": "prod", "deployedAt": deployed_at}
    response = post(api, body)
    assert response.status_code == 400
    assert fields_at_fault(response) == ["deployedAt"]
    assert not Deployment.objects.exists()


def test_title_defaults_to_the_message_of_the_matched_commit_with_the_latest_timestamp(
    api, organization
):
    repo = make_repository(organization)
    at = datetime(2025, 1, 1, tzinfo=UTC)
    old = make_commit(repo, message="Older", at=at)
    new = make_commit(repo, message="Newer\n\nbody", at=at + timedelta(hours=1))
    body = post(api, {"commitSha": [new.sha, old.sha], "environmentName": "prod"}).json()
    assert body["title"] == "Newer"
    body = post(api, {"commitSha": old.sha, "environmentName": "prod", "title": "R1"}).json()
    assert body["title"] == "R1"


def test_tags_are_stored_and_default_to_none(api):
    tagged = post(api, {"commitSha": SHA, "environmentName": "p", "tags": ["is_fix", "sev1"]})
    assert tagged.json()["tags"] == ["is_fix", "sev1"]
    untagged = post(api, {"commitSha": SHA, "environmentName": "q"})
    assert untagged.json()["tags"] == []


def test_a_single_tag_string_is_a_one_item_list(api):
    response = post(api, {"commitSha": SHA, "environmentName": "p", "tags": "is_failure"})
    assert response.json()["tags"] == ["is_failure"]


def test_is_test_defaults_to_false_and_is_stored(api):
    assert post(api, {"commitSha": SHA, "environmentName": "p"}).json()["isTest"] is False
    assert post(api, {"commitSha": SHA, "environmentName": "q", "isTest": True}).json()["isTest"]


def test_unknown_fields_are_ignored(api):
    body = {"commitSha": SHA, "environmentName": "p", "commit_sha": "zz", "pipeline": {"id": 3}}
    assert post(api, body).status_code == 201


def test_repository_is_that_of_the_first_commit_in_the_list(api, organization):
    web, mobile = (
        make_repository(organization, "acme/web"),
        make_repository(organization, "acme/ios"),
    )
    shas = [make_commit(mobile).sha, make_commit(web).sha]
    assert (
        post(api, {"commitSha": shas, "environmentName": "p"}).json()["repository"] == "acme/ios"
    )


def test_post_returns_201_with_the_stored_deployment_and_a_match_report(api, organization):
    repo = make_repository(organization)
    merge = make_commit(repo, message="Merge pull request #5")
    make_pull_request(
        repo, 5, title="Faster checkout", merged_at=merge.committed_at, merge_commit_sha=merge.sha
    )
    unknown = make_sha("not imported yet")
    response = post(api, {"commitSha": [merge.sha[:8], unknown], "environmentName": "production"})
    assert response.status_code == 201
    body = response.json()
    deployment = Deployment.objects.get()
    assert body == {
        "id": deployment.id,
        "commitSha": [merge.sha[:8], unknown],
        "environmentName": "production",
        "deployedAt": body["receivedAt"],
        "receivedAt": body["receivedAt"],
        "title": "Merge pull request #5",
        "tags": [],
        "isTest": False,
        "repository": "acme/web",
        "match": {
            "matchedShas": [merge.sha[:8]],
            "unknownShas": [unknown],
            "pullRequests": [{"repository": "acme/web", "number": 5, "title": "Faster checkout"}],
            "replacedExisting": False,
        },
    }


def test_the_receipt_keeps_the_raw_body_request_id_and_token(api, token):
    raw = json.dumps({"commitSha": SHA, "environmentName": "p", "extra": "kept"})
    response = api.post(URL, raw, content_type="application/json", HTTP_X_REQUEST_ID="ci-run-77")
    receipt = DeploymentReceipt.objects.get()
    assert (receipt.raw_body, receipt.request_id, receipt.token) == (raw, "ci-run-77", token[0])
    assert receipt.deployment_id == response.json()["id"]


def test_a_post_is_visible_to_get_at_once(api):
    post(api, {"commitSha": SHA, "environmentName": "production"})
    assert api.get(URL).json()["count"] == 1


def test_post_query_count_is_bounded(api, organization, django_assert_max_num_queries):
    repo = make_repository(organization)
    commits = [make_commit(repo) for _ in range(20)]
    make_pull_request(repo, 1, commits=commits, merged_at=timezone.now() - timedelta(hours=1))
    shas = [c.sha for c in commits] + [make_sha(f"unknown {i}") for i in range(150)]
    with django_assert_max_num_queries(21):
        response = post(api, {"commitSha": shas, "environmentName": "production"})
    assert response.status_code == 201
