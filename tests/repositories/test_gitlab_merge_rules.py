"""GitLab's merge rules over HTTP: the landing commit of a merge, squash and fast-forward
merge; first review from approvals and notes; deployments before and after the history
arrives; the lead-time parts in GET /api/v1/pull-requests."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from deployments.models import DeploymentPullRequest
from deployments.recording import deployment_record
from repositories.models import PullRequest, WebhookDelivery
from tests.factories import make_sha
from tests.repositories import gitlab_helpers
from tests.repositories import gitlab_payloads as payloads
from tokens.services import token_generate

MR = "Merge Request Hook"
NOTE = "Note Hook"
PUSH = "Push Hook"
PATH = "gitlabhq/gitlab-test"
BRANCH = "refs/heads/ms-viewport"
MERGE_SHA, SQUASH_SHA, HEAD_SHA = make_sha("merge"), make_sha("squash"), make_sha("head")


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Delivers as production does: each delivery commits, so the deployment linker (an
    on_commit listener) runs after it."""

    def deliver_and_commit(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return gitlab_helpers.deliver(*args, **kwargs)

    return deliver_and_commit


def merged(**attributes) -> dict:
    defaults = {
        "state": "merged",
        "action": "merge",
        "updated_at": "2013-12-04T12:00:00Z",
        "actor": payloads.user("maintainer", 77),
        "head_sha": HEAD_SHA,
    }
    return payloads.merge_request(**{**defaults, **attributes})


def shipped(pull_request: PullRequest) -> bool:
    return DeploymentPullRequest.objects.filter(pull_request=pull_request).exists()


def deploy(organization, sha: str, at: datetime, request_id: str = "ci-1"):
    return deployment_record(
        organization=organization,
        request_id=request_id,
        raw_body="{}",
        shas=[sha],
        environment_name="production",
        deployed_at=at,
    ).deployment


# The landing commit


@pytest.mark.parametrize(
    ("attributes", "landing"),
    [
        ({"merge_commit_sha": MERGE_SHA}, MERGE_SHA),
        ({"merge_commit_sha": MERGE_SHA, "squash_commit_sha": SQUASH_SHA}, MERGE_SHA),
        ({"merge_commit_sha": None, "squash_commit_sha": SQUASH_SHA}, SQUASH_SHA),
        ({"merge_commit_sha": None}, HEAD_SHA),  # a fast-forward merge
    ],
    ids=["merge commit", "squash with a merge commit", "squash, fast-forward", "fast-forward"],
)
def test_a_merged_mr_lands_as_its_merge_squash_or_head_commit(
    client, deliver, gitlab_webhook, attributes, landing
):
    response = deliver(client, gitlab_webhook, MR, merged(**attributes))

    assert response.status_code == 200
    pull_request = PullRequest.objects.get()
    assert pull_request.state == "merged"
    assert pull_request.merge_commit_sha == landing
    assert pull_request.merged_at.isoformat() == "2013-12-04T12:00:00+00:00"


def test_the_squash_commit_a_later_snapshot_names_replaces_the_head_stand_in(
    client, deliver, organization, gitlab_webhook
):
    # GitLab's hook omits squash_commit_sha for a squashed fast-forward merge: the head
    # stands in until a snapshot naming the squash commit arrives (the API's).
    deliver(client, gitlab_webhook, MR, merged(merge_commit_sha=None))
    deployment = deploy(organization, SQUASH_SHA, datetime(2013, 12, 4, 13, tzinfo=UTC))
    pull_request = PullRequest.objects.get()
    assert not shipped(pull_request)

    later = merged(merge_commit_sha=None, squash_commit_sha=SQUASH_SHA, action="update")
    deliver(client, gitlab_webhook, MR, later)

    pull_request.refresh_from_db()
    assert pull_request.merge_commit_sha == SQUASH_SHA
    assert DeploymentPullRequest.objects.get(pull_request=pull_request).deployment == deployment


def test_a_merged_mr_without_its_merge_time_waits_for_the_merge_event(
    client, deliver, gitlab_webhook
):
    late_update = merged(merge_commit_sha=MERGE_SHA, action="update")

    response = deliver(client, gitlab_webhook, MR, late_update)

    assert response.status_code == 202
    assert not PullRequest.objects.exists()
    assert "does not say when" in WebhookDelivery.objects.get().detail


@pytest.mark.parametrize("deployed_first", [True, False], ids=["deployed first", "history first"])
@pytest.mark.parametrize(
    ("attributes", "deployed_sha"),
    [
        ({"merge_commit_sha": MERGE_SHA}, MERGE_SHA),
        ({"merge_commit_sha": None, "squash_commit_sha": SQUASH_SHA}, SQUASH_SHA),
        ({"merge_commit_sha": None}, HEAD_SHA),
        ({"merge_commit_sha": MERGE_SHA}, MERGE_SHA[:8]),
    ],
    ids=["merge commit", "squash", "fast-forward", "short SHA of a pushed merge"],
)
def test_a_deployment_ships_the_mr_whichever_arrives_first(
    client, deliver, organization, gitlab_webhook, attributes, deployed_sha, deployed_first
):
    pushed = [payloads.push_commit(HEAD_SHA), payloads.push_commit(MERGE_SHA)]

    def history():
        deliver(client, gitlab_webhook, PUSH, payloads.push(pushed[:1], ref=BRANCH, path=PATH))
        deliver(client, gitlab_webhook, MR, payloads.merge_request())
        deliver(client, gitlab_webhook, MR, merged(**attributes))
        deliver(client, gitlab_webhook, PUSH, payloads.push(pushed[1:], path=PATH))

    deployed_at = datetime(2013, 12, 4, 13, tzinfo=UTC)
    if deployed_first:
        deploy(organization, deployed_sha, deployed_at)
        history()
    else:
        history()
        deploy(organization, deployed_sha, deployed_at)

    pull_request = PullRequest.objects.get()
    assert shipped(pull_request)
    assert pull_request.deploy_moment == deployed_at


def test_a_deployment_before_the_merge_of_a_member_commit_does_not_ship_it(
    client, deliver, organization, gitlab_webhook
):
    push = payloads.push([payloads.push_commit(HEAD_SHA)], ref=BRANCH, path=PATH)
    deliver(client, gitlab_webhook, PUSH, push)
    deliver(client, gitlab_webhook, MR, payloads.merge_request())
    deploy(organization, HEAD_SHA, datetime(2013, 12, 3, 18, tzinfo=UTC))  # a review app
    deliver(client, gitlab_webhook, MR, merged(merge_commit_sha=MERGE_SHA))

    assert not shipped(PullRequest.objects.get())


# First review


def note(**fields) -> dict:
    return payloads.note_on_merge_request(**fields)


def test_the_earliest_note_by_someone_else_is_the_first_review(client, deliver, gitlab_webhook):
    later = note(author=payloads.user("root", 1), created_at="2015-05-17 18:21:36 UTC")
    earlier = note(author=payloads.user("bob", 2), created_at="2015-05-16 09:00:00 UTC")

    for payload in (later, earlier, later):
        deliver(client, gitlab_webhook, NOTE, payload)

    pull_request = PullRequest.objects.get()
    assert pull_request.number == 1
    assert pull_request.first_review_at.isoformat() == "2015-05-16T09:00:00+00:00"


def test_a_note_by_the_author_is_no_review(client, deliver, gitlab_webhook):
    by_author = note(author=payloads.user("someone", 8))  # merge_request.author_id is 8

    deliver(client, gitlab_webhook, NOTE, by_author)

    pull_request = PullRequest.objects.get()
    assert pull_request.first_review_at is None
    assert pull_request.author_login == "someone"  # learnt from the author's own note
    assert "by the author" in WebhookDelivery.objects.get().detail


def test_a_note_by_a_bot_is_no_review(client, deliver, gitlab_webhook):
    deliver(client, gitlab_webhook, NOTE, note(author=payloads.user("renovate", 3, "Renovate")))

    assert PullRequest.objects.get().first_review_at is None


def test_of_system_notes_only_an_approval_is_a_review(client, deliver, gitlab_webhook):
    added = note(system=True, note="added 1 commit", created_at="2015-05-16 08:00:00 UTC")
    approved = note(
        system=True, note="approved this merge request", created_at="2015-05-16 10:00:00 UTC"
    )

    first = deliver(client, gitlab_webhook, NOTE, added)
    second = deliver(client, gitlab_webhook, NOTE, approved)

    assert (first.status_code, second.status_code) == (202, 200)
    assert PullRequest.objects.get().first_review_at.isoformat() == "2015-05-16T10:00:00+00:00"


def test_a_note_on_an_issue_or_commit_is_ignored(client, deliver, gitlab_webhook):
    response = deliver(client, gitlab_webhook, NOTE, note(noteable_type="Issue"))

    assert response.status_code == 202
    assert not PullRequest.objects.exists()


def test_an_approval_is_a_review_at_its_delivery(client, deliver, gitlab_webhook):
    deliver(client, gitlab_webhook, MR, payloads.merge_request())
    before = timezone.now()
    approval = payloads.merge_request(
        action="approval", actor=payloads.user("bob", 9), updated_at="2013-12-04T08:00:00Z"
    )

    deliver(client, gitlab_webhook, MR, approval)

    first_review_at = PullRequest.objects.get().first_review_at
    assert before <= first_review_at <= timezone.now()


def test_an_approval_by_the_author_is_no_review(client, deliver, gitlab_webhook):
    approval = payloads.merge_request(action="approved", updated_at="2013-12-04T08:00:00Z")

    deliver(client, gitlab_webhook, MR, approval)  # the actor is the author, user 51

    assert PullRequest.objects.get().first_review_at is None


# Metrics follow: the same lead-time parts as a GitHub PR


def test_a_gitlab_mrs_lead_time_parts_are_in_the_pull_requests_api(
    client, deliver, organization, gitlab_webhook
):
    """Commit 2013-12-03 15:00, opened 17:23:34, reviewed 18:00, merged 2013-12-04 12:00,
    deployed 13:00: coding 8614 s, review wait 2186 s, editing 64800 s, deploy 3600 s,
    lead time 79200 s (22 hours)."""
    commit = payloads.push_commit(HEAD_SHA, at="2013-12-03T15:00:00Z")
    deliver(client, gitlab_webhook, PUSH, payloads.push([commit], ref=BRANCH, path=PATH))
    deliver(client, gitlab_webhook, MR, payloads.merge_request())
    review = payloads.note_on_merge_request(
        author=payloads.user("bob", 2), created_at="2013-12-03 18:00:00 UTC", path=PATH
    )
    review["merge_request"].update(
        author_id=51,
        created_at="2013-12-03T17:23:34Z",
        updated_at="2013-12-03 18:00:00 UTC",
        source_branch="ms-viewport",
    )
    deliver(client, gitlab_webhook, NOTE, review)
    deliver(client, gitlab_webhook, MR, merged(merge_commit_sha=MERGE_SHA))
    deploy(organization, MERGE_SHA, datetime(2013, 12, 4, 13, tzinfo=UTC))
    _, plaintext = token_generate(organization=organization, scopes=["metrics:read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")

    body = api.get("/api/v1/pull-requests", {"repository": PATH}).json()

    [result] = body["results"]
    assert (result["repository"], result["number"], result["authorLogin"]) == (PATH, 1, "ada")
    assert result["mergeCommitSha"] == MERGE_SHA
    assert result["codingSeconds"] == 8614
    assert result["reviewWaitSeconds"] == 2186
    assert result["editingSeconds"] == 64800
    assert result["deploySeconds"] == 3600
    assert result["leadTimeSeconds"] == 79200
