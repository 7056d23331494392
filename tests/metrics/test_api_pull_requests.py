"""GET /api/v1/pull-requests: paging, filters, lead time as the PR table computes it, auth,
isolation, bad input and the schema."""

import pytest
from rest_framework.test import APIClient

from metrics import tables
from repositories.models import PullRequest
from tests.factories import make_contributor, make_repository, make_user
from tests.metrics.helpers import at, make_deployment, make_merged_pr, make_query
from tokens.services import token_generate

URL = "/api/v1/pull-requests"
PARTS = (
    "leadTimeSeconds",
    "codingSeconds",
    "reviewWaitSeconds",
    "editingSeconds",
    "deploySeconds",
)


def bearer(organization, scopes=("metrics:read",)) -> APIClient:
    _, plaintext = token_generate(organization=organization, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def merged(repository, author, *, login: str = "ada", **times) -> PullRequest:
    """make_merged_pr with the author's login and the commit as the merge commit."""
    pull_request = make_merged_pr(repository, author=author, **times)
    sha = pull_request.commit.sha
    PullRequest.objects.filter(pk=pull_request.pk).update(author_login=login, merge_commit_sha=sha)
    pull_request.merge_commit_sha = sha
    return pull_request


@pytest.fixture
def history(organization):
    """acme/web is deployed (the `shipped` PRs) and also has a PR merged but not deployed;
    acme/lib never received a deployment (lead time ends at merge there)."""
    ada = make_contributor(organization, "Ada", login="ada")
    web = make_repository(organization, "acme/web")
    lib = make_repository(organization, "acme/lib")
    shipped = merged(
        web,
        ada,
        first_commit_at=at("2026-01-04", 9),
        opened_at=at("2026-01-04", 13),
        first_review_at=at("2026-01-05", 6),
        merged_at=at("2026-01-05", 8),
        title="Faster checkout",
    )
    waiting = merged(web, ada, first_commit_at=at("2026-01-06", 8), merged_at=at("2026-01-06", 10))
    # Commits pushed after the PR opened: coding would be negative and is clamped to 0.
    late_push = merged(
        web,
        ada,
        first_commit_at=at("2026-01-08", 10),
        opened_at=at("2026-01-08", 9),
        merged_at=at("2026-01-08", 11),
    )
    in_lib = merged(lib, ada, first_commit_at=at("2026-01-07", 10), merged_at=at("2026-01-07", 12))
    make_deployment(
        organization,
        commits=[shipped.commit],
        pull_requests=[shipped],
        deployed_at=at("2026-01-05", 9),
    )
    make_deployment(
        organization,
        commits=[late_push.commit],
        pull_requests=[late_push],
        deployed_at=at("2026-01-08", 12),
    )
    return {"shipped": shipped, "waiting": waiting, "late_push": late_push, "in_lib": in_lib}


def _numbers(body) -> list[int]:
    return [result["number"] for result in body["results"]]


def test_it_lists_merged_prs_newest_merge_first_in_the_deployments_envelope(organization, history):
    response = bearer(organization).get(URL)

    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"count", "page", "pageSize", "results"}
    assert (body["count"], body["page"], body["pageSize"]) == (4, 1, 20)
    expected = [history[name].number for name in ("late_push", "in_lib", "waiting", "shipped")]
    assert _numbers(body) == expected


def test_each_pr_carries_its_fields_and_hand_computed_lead_time(organization, history):
    body = bearer(organization).get(f"{URL}?repository=acme/web").json()

    shipped = body["results"][-1]
    assert shipped == {
        "repository": "acme/web",
        "number": history["shipped"].number,
        "title": "Faster checkout",
        "authorLogin": "ada",
        "state": "merged",
        "openedAt": "2026-01-04T13:00:00Z",
        "firstCommitAt": "2026-01-04T09:00:00Z",
        "firstReviewAt": "2026-01-05T06:00:00Z",
        "mergedAt": "2026-01-05T08:00:00Z",
        "mergeCommitSha": history["shipped"].merge_commit_sha,
        "deployedAt": "2026-01-05T09:00:00Z",
        # 01-04 09:00 → 01-05 09:00 = 24 h = 86400 s, in parts: coding 09:00 → 13:00 = 4 h
        # = 14400; review wait 13:00 → 06:00 next day = 17 h = 61200; editing 06:00 → 08:00
        # = 7200; deploy 08:00 → 09:00 = 3600 (14400 + 61200 + 7200 + 3600 = 86400).
        "leadTimeSeconds": 86400.0,
        "leadTimeEndsAtMerge": False,
        "codingSeconds": 14400.0,
        "reviewWaitSeconds": 61200.0,
        "editingSeconds": 7200.0,
        "deploySeconds": 3600.0,
    }


def test_deployed_at_is_null_for_a_pr_no_deployment_ships(organization, history):
    body = bearer(organization).get(f"{URL}?repository=acme/web").json()

    waiting = next(r for r in body["results"] if r["number"] == history["waiting"].number)
    # A deployed repository: lead time would end at a deploy moment there is not yet.
    assert waiting["deployedAt"] is None
    assert waiting["leadTimeSeconds"] is None
    assert waiting["deploySeconds"] is None
    assert waiting["leadTimeEndsAtMerge"] is False
    # No open or review time known: those parts are empty, never guessed.
    assert (waiting["codingSeconds"], waiting["reviewWaitSeconds"]) == (None, None)


def test_lead_time_ends_at_merge_in_a_repository_never_deployed(organization, history):
    (in_lib,) = bearer(organization).get(f"{URL}?repository=acme/lib").json()["results"]

    # 01-07 10:00 → merge 12:00 = 7200 s; no deploy moment, no deploy part.
    assert (in_lib["deployedAt"], in_lib["leadTimeSeconds"]) == (None, 7200.0)
    assert in_lib["leadTimeEndsAtMerge"] is True
    assert in_lib["deploySeconds"] is None


def test_the_lead_time_parts_equal_the_dashboards_pr_table(organization, history):
    query = make_query(organization, "2026-01-05", "2026-01-11")
    table = tables.pull_requests_page(query=query, sort=None, page=None).object_list
    api = {r["number"]: r for r in bearer(organization).get(URL).json()["results"]}

    # The table lists the counted PRs: all but the one merged and not deployed.
    assert len(table) == 3
    for row in table:
        lead = row.lead
        expected = (lead.total, lead.coding, lead.review_wait, lead.editing, lead.deploy)
        assert tuple(api[row.number][part] for part in PARTS) == expected
    # The clamp: commits pushed an hour after the PR opened are 0 s of coding, not -3600.
    assert api[history["late_push"].number]["codingSeconds"] == 0.0


def test_it_pages_as_the_deployments_get_does(organization):
    ada = make_contributor(organization, "Ada")
    repository = make_repository(organization, "acme/web")
    # Two PRs merged at the same moment: the later created (higher id) comes first.
    prs = [
        merged(repository, ada, first_commit_at=None, merged_at=at("2026-01-05", hour))
        for hour in (1, 2, 3, 4, 4)
    ]
    client = bearer(organization)

    pages = [client.get(f"{URL}?pageSize=2&page={page}").json() for page in (1, 2, 3, 4)]

    assert [page["count"] for page in pages] == [5, 5, 5, 5]
    assert [(page["page"], page["pageSize"]) for page in pages] == [(1, 2), (2, 2), (3, 2), (4, 2)]
    numbers = [number for page in pages for number in _numbers(page)]
    assert numbers == [pr.number for pr in (prs[4], prs[3], prs[2], prs[1], prs[0])]
    # A page past the end is an empty list, not an error.
    assert pages[3]["results"] == []


def test_the_query_count_does_not_grow_with_the_page(organization, django_assert_max_num_queries):
    ada = make_contributor(organization, "Ada")
    repositories = [make_repository(organization, f"acme/repo-{n}") for n in range(5)]
    for n in range(30):
        merged(repositories[n % 5], ada, first_commit_at=None, merged_at=at("2026-01-05", n % 24))
    client = bearer(organization)
    # The first request also records when the token was last used.
    client.get(URL)

    counts = []
    for size in (1, 30):
        # The token, the count and the page.
        with django_assert_max_num_queries(3) as queries:
            assert len(client.get(f"{URL}?pageSize={size}").json()["results"]) == size
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_it_filters_by_repository(organization, history):
    body = bearer(organization).get(f"{URL}?repository=acme/lib").json()

    assert (body["count"], _numbers(body)) == (1, [history["in_lib"].number])


def test_an_unknown_repository_is_an_empty_list(organization, history):
    response = bearer(organization).get(f"{URL}?repository=acme/nothing")

    assert response.status_code == 200
    assert (response.json()["count"], response.json()["results"]) == (0, [])


def test_merged_since_is_inclusive_and_takes_a_date_or_a_date_time(organization, history):
    client = bearer(organization)
    later = [history[name].number for name in ("late_push", "in_lib", "waiting")]

    assert _numbers(client.get(f"{URL}?mergedSince=2026-01-06").json()) == later
    # 11:00 at +01:00 is 10:00 UTC, the moment "waiting" was merged.
    since = "2026-01-06T11:00:00%2B01:00"
    assert _numbers(client.get(f"{URL}?mergedSince={since}").json()) == later


def test_merged_until_is_exclusive(organization, history):
    client = bearer(organization)

    # "waiting" merged at 10:00 exactly: left out.
    body = client.get(f"{URL}?mergedUntil=2026-01-06T10:00:00Z").json()
    assert _numbers(body) == [history["shipped"].number]
    body = client.get(f"{URL}?mergedSince=2026-01-06&mergedUntil=2026-01-08").json()
    assert _numbers(body) == [history["in_lib"].number, history["waiting"].number]


def test_a_token_only_sees_its_own_organization(organization, other_organization, history):
    coyote = make_contributor(other_organization, "Wile E. Coyote")
    secret = make_repository(other_organization, "globex/secret")
    merged(secret, coyote, first_commit_at=None, merged_at=at("2026-01-05", 9))

    mine = bearer(organization).get(URL).json()
    theirs = bearer(other_organization)

    assert mine["count"] == 4
    assert "globex/secret" not in {r["repository"] for r in mine["results"]}
    assert bearer(organization).get(f"{URL}?repository=globex/secret").json()["count"] == 0
    assert theirs.get(f"{URL}?repository=acme/web").json()["count"] == 0
    assert [r["repository"] for r in theirs.get(URL).json()["results"]] == ["globex/secret"]


def test_a_logged_in_member_reads_what_the_token_reads(organization, history, member_client):
    response = member_client.get(URL)

    assert response.status_code == 200
    assert response.json() == bearer(organization).get(URL).json()


def test_a_session_without_a_membership_is_refused(db, client):
    client.force_login(make_user("nobody"))

    assert client.get(URL).status_code == 403


def test_a_session_of_another_organization_sees_none_of_ours(history, outsider_client):
    assert outsider_client.get(URL).json()["count"] == 0


def test_it_requires_credentials(db):
    response = APIClient().get(URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_rejects_a_token_without_the_metrics_scope(organization, history):
    response = bearer(organization, scopes=("deployments:read", "deployments:write")).get(URL)

    assert response.status_code == 403
    assert "metrics:read" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("mergedSince=2026-13-01", "mergedSince"),
        ("mergedSince=yesterday", "mergedSince"),
        ("mergedSince=1969-12-31", "mergedSince"),
        ("mergedUntil=2101-01-01", "mergedUntil"),
        ("mergedUntil=2026-01-05T25:00:00Z", "mergedUntil"),
        ("pageSize=0", "pageSize"),
        ("pageSize=101", "pageSize"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("repository=acme", "repository"),
        ("repository=acme//web", "repository"),
        ("repository=acme/we%20b", "repository"),
    ],
)
def test_it_rejects_bad_input_naming_the_field(organization, history, query, field):
    before = list(PullRequest.objects.order_by("pk").values())

    response = bearer(organization).get(f"{URL}?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert list(PullRequest.objects.order_by("pk").values()) == before


def test_one_400_names_every_bad_parameter(organization):
    response = bearer(organization).get(f"{URL}?pageSize=101&mergedSince=never&repository=x")

    fields = {error["field"] for error in response.json()["errors"]}
    assert response.status_code == 400
    assert fields == {"pageSize", "mergedSince", "repository"}


def test_it_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/pull-requests"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert set(parameters) == {"page", "pageSize", "repository", "mergedSince", "mergedUntil"}
    assert parameters["pageSize"]["schema"]["maximum"] == 100
    assert set(operation["responses"]) >= {"200", "400", "401", "403"}
    content = operation["responses"]["200"]["content"]["application/json"]
    example = content["examples"]["APage"]["value"]
    assert set(example) == {"count", "page", "pageSize", "results"}
    component = content["schema"]["$ref"].rsplit("/", 1)[1]
    results = schema["components"]["schemas"][component]["properties"]["results"]
    item = schema["components"]["schemas"][results["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(item["properties"]) == set(example["results"][0])
    assert {"metricsBearerAuth": []} in operation["security"]
