import itertools
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from organizations.models import Contributor
from repositories.models import Commit, PullRequest, Repository, WebhookDelivery
from repositories.webhook_secrets import github_webhook_connect
from tests.factories import make_contributor, make_sha
from tests.repositories import payloads

_deliveries = itertools.count(1)
MERGE_SHA = make_sha("merge")


@pytest.fixture
def webhook(organization):
    webhook, _ = github_webhook_connect(organization=organization)
    return webhook


def deliver(client, webhook, event, payload=None, *, body=None, delivery_id=None, **headers):
    body = body if body is not None else payloads.encode(payload)
    headers.setdefault("HTTP_X_HUB_SIGNATURE_256", payloads.sign(webhook.secret, body))
    return client.post(
        reverse("github_webhook", args=[webhook.path_token]),
        data=body,
        content_type=headers.pop("content_type", "application/json"),
        HTTP_X_GITHUB_EVENT=event,
        HTTP_X_GITHUB_DELIVERY=delivery_id or f"72d3162e-cc78-11e3-81ab-{next(_deliveries):012d}",
        **headers,
    )


def nothing_stored():
    return not (
        WebhookDelivery.objects.exists()
        or Repository.objects.exists()
        or Commit.objects.exists()
        or PullRequest.objects.exists()
    )


# Signatures, sizes and idempotency


@pytest.mark.parametrize("signature", [None, "", "sha256=" + "0" * 64, "sha1=abc"])
def test_it_rejects_a_missing_or_wrong_signature(client, webhook, signature):
    headers = {} if signature is None else {"HTTP_X_HUB_SIGNATURE_256": signature}
    if signature is None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = ""
    response = deliver(client, webhook, "push", payloads.push([]), **headers)

    assert response.status_code == 401
    assert nothing_stored()


def test_it_rejects_a_body_signed_with_another_secret(client, webhook):
    body = payloads.encode(payloads.push([payloads.push_commit(make_sha())]))

    response = deliver(
        client, webhook, "push", body=body, HTTP_X_HUB_SIGNATURE_256=payloads.sign("other", body)
    )

    assert response.status_code == 401
    assert nothing_stored()


def test_it_refuses_a_body_over_githubs_limit(client, webhook):
    body = b"{" + b" " * (25 * 1024 * 1024) + b"}"

    response = deliver(client, webhook, "push", body=body)

    assert response.status_code == 413
    assert nothing_stored()


def test_it_accepts_a_large_push_under_the_limit(client, webhook):
    # Over Django's 2.5 MB request-body default, well under GitHub's 25 MB.
    commits = [payloads.push_commit(make_sha(("big", i)), message="x" * 2000) for i in range(2000)]

    response = deliver(client, webhook, "push", payloads.push(commits))

    assert response.status_code == 200
    assert Commit.objects.count() == 2000


def test_an_unknown_webhook_path_is_404(client, webhook):
    response = client.post(
        "/webhooks/github/not-a-token/", data=b"{}", content_type="application/json"
    )

    assert response.status_code == 404


def test_it_only_accepts_post(client, webhook):
    response = client.get(reverse("github_webhook", args=[webhook.path_token]))

    assert response.status_code == 405


def test_ping_is_answered_and_stored(client, webhook):
    response = deliver(client, webhook, "ping", payloads.ping(), delivery_id="ping-1")

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.delivery_id, delivery.status) == (
        "ping",
        "ping-1",
        "processed",
    )
    assert delivery.raw_body == payloads.encode(payloads.ping()).decode()


def test_other_events_are_stored_and_ignored_with_202(client, webhook):
    response = deliver(client, webhook, "star", {"action": "created", "starred_at": None})

    assert response.status_code == 202
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.IGNORED
    assert not Repository.objects.exists()


def test_unhandled_pull_request_actions_are_ignored(client, webhook):
    response = deliver(client, webhook, "pull_request", payloads.pull_request("labeled"))

    assert response.status_code == 202
    assert not PullRequest.objects.exists()


def test_a_redelivery_changes_nothing(client, webhook):
    commit = payloads.push_commit(make_sha("one"))
    first = deliver(client, webhook, "push", payloads.push([commit]), delivery_id="d-1")
    # Even a different body under the same delivery id is not applied twice.
    other = payloads.push([payloads.push_commit(make_sha("two"))])

    again = deliver(client, webhook, "push", other, delivery_id="d-1")

    assert first.status_code == again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert "already received" in again.json()["detail"]
    assert WebhookDelivery.objects.count() == 1
    assert list(Commit.objects.values_list("sha", flat=True)) == [make_sha("one")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        (payloads.encode({"ref": "refs/heads/main", "commits": []}), "repository.full_name"),
        (
            payloads.encode(payloads.push([{**payloads.push_commit(make_sha()), "id": "abc"}])),
            "commits.0.id",
        ),
        (
            payloads.encode(
                payloads.push([{**payloads.push_commit(make_sha()), "timestamp": "yesterday"}])
            ),
            "commits.0.timestamp",
        ),
    ],
)
def test_a_malformed_payload_is_a_400_naming_the_field(client, webhook, body, field):
    response = deliver(client, webhook, "push", body=body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert nothing_stored()


@pytest.mark.parametrize(
    ("event", "payload", "field"),
    [
        (
            "push",
            payloads.push([payloads.push_commit(make_sha(), timestamp="9999-12-31T00:00:00Z")]),
            "commits.0.timestamp",
        ),
        (
            "push",
            payloads.push([payloads.push_commit(make_sha(), timestamp="1969-12-31T23:00:00Z")]),
            "commits.0.timestamp",
        ),
        (
            "pull_request",
            payloads.pull_request(
                "closed",
                merged=True,
                merged_at="9999-01-01T00:00:00Z",
                merge_commit_sha=make_sha(),
            ),
            "pull_request.merged_at",
        ),
        (
            "pull_request_review",
            payloads.review(submitted_at="2101-01-01T00:00:00+00:00"),
            "review.submitted_at",
        ),
    ],
)
def test_a_time_outside_the_supported_years_is_a_400_naming_the_field(
    client, webhook, event, payload, field
):
    response = deliver(client, webhook, event, payload)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert "1970" in response.json()["errors"][0]["message"]
    assert nothing_stored()


def test_a_missing_delivery_header_is_a_400(client, webhook):
    response = deliver(client, webhook, "push", payloads.push([]), delivery_id=" ")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "X-GitHub-Delivery"
    assert nothing_stored()


def test_the_form_encoded_content_type_works_too(client, webhook):
    payload = payloads.push([payloads.push_commit(make_sha("form"))])
    body = urlencode({"payload": payloads.encode(payload).decode()}).encode()

    response = deliver(
        client, webhook, "push", body=body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert Commit.objects.get().sha == make_sha("form")


# push


def test_a_push_records_every_commit_and_creates_the_repository(client, webhook, organization):
    commits = [
        payloads.push_commit(make_sha("a"), message="Add a\n\nBecause", username="Codertocat"),
        # A commit by someone without a GitHub account has no username.
        payloads.push_commit(
            make_sha("b"),
            name="Jane Doe",
            email="Jane@Example.com",
            username=None,
            timestamp="2019-05-15T15:20:31Z",
        ),
    ]

    response = deliver(client, webhook, "push", payloads.push(commits))

    assert response.status_code == 200
    assert response.json() == {"status": "processed", "detail": "2 new of 2 commits"}
    repository = Repository.objects.get()
    assert (repository.full_name, repository.organization) == (
        "Codertocat/Hello-World",
        organization,
    )
    first, second = Commit.objects.get(sha=make_sha("a")), Commit.objects.get(sha=make_sha("b"))
    assert (first.sha, first.message, first.author_login) == (
        make_sha("a"),
        "Add a\n\nBecause",
        "Codertocat",
    )
    assert first.authored_at == datetime(2019, 5, 15, 22, 20, 30, tzinfo=UTC)
    assert (second.author_name, second.author_email, second.author_login) == (
        "Jane Doe",
        "Jane@Example.com",
        "",
    )
    assert second.contributor.identities.get().value == "jane@example.com"
    assert WebhookDelivery.objects.get().repository == repository


@pytest.mark.parametrize("deleted", [False, True])
def test_a_tag_push_without_commits_is_fine(client, webhook, deleted):
    payload = payloads.push([], ref="refs/tags/simple-tag", deleted=deleted)

    response = deliver(client, webhook, "push", payload)

    assert response.status_code == 200
    assert Repository.objects.get().full_name == "Codertocat/Hello-World"
    assert not Commit.objects.exists()


@pytest.mark.parametrize("variant", ["organization", "installation", "both"])
def test_organization_and_installation_variants_are_handled(client, webhook, variant):
    sha = make_sha(variant)

    pushed = deliver(
        client, webhook, "push", payloads.push([payloads.push_commit(sha)], variant=variant)
    )
    opened = deliver(client, webhook, "pull_request", payloads.pull_request(variant=variant))
    reviewed = deliver(client, webhook, "pull_request_review", payloads.review(variant=variant))

    assert (pushed.status_code, opened.status_code, reviewed.status_code) == (200, 200, 200)
    assert Commit.objects.get().sha == sha
    assert PullRequest.objects.get().first_review_at is not None


def test_a_push_tells_the_linker_after_commit(
    client, webhook, organization, sent_signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, webhook, "push", payloads.push([payloads.push_commit(make_sha("s"))]))

    assert sent_signals == [
        {
            "signal": sent_signals[0]["signal"],
            "sender": Commit,
            "organization": organization,
            "shas": [make_sha("s")],
        }
    ]


def test_the_push_to_an_open_prs_branch_belongs_to_it(client, webhook):
    deliver(client, webhook, "pull_request", payloads.pull_request(head_ref="changes"))
    commits = [
        payloads.push_commit(make_sha("c1"), timestamp="2019-05-16T09:00:00Z"),
        payloads.push_commit(make_sha("c2"), timestamp="2019-05-16T10:00:00Z"),
    ]

    deliver(client, webhook, "push", payloads.push(commits, ref="refs/heads/changes"))
    deliver(client, webhook, "push", payloads.push([payloads.push_commit(make_sha("m"))]))

    pr = PullRequest.objects.get()
    assert set(pr.commits.values_list("sha", flat=True)) == {make_sha("c1"), make_sha("c2")}
    assert pr.first_commit_at == datetime(2019, 5, 16, 9, tzinfo=UTC)


def test_commits_pushed_before_the_pr_was_opened_join_it(
    client, webhook, sent_signals, django_capture_on_commit_callbacks
):
    old_pr_commit = make_sha("old")
    deliver(
        client,
        webhook,
        "push",
        payloads.push([payloads.push_commit(old_pr_commit)], ref="refs/heads/changes"),
    )
    deliver(
        client,
        webhook,
        "pull_request",
        payloads.pull_request(
            number=1,
            state="closed",
            merged=True,
            merged_at="2019-05-15T16:00:00Z",
            merge_commit_sha=MERGE_SHA,
        ),
    )
    pull_request = PullRequest.objects.get(number=1)
    pull_request.commits.add(
        Commit.objects.get(sha=old_pr_commit),
        through_defaults={"organization_id": pull_request.organization_id},
    )
    # The branch name is reused for a new PR: only its new commits are claimed.
    deliver(
        client,
        webhook,
        "push",
        payloads.push([payloads.push_commit(make_sha("new"))], ref="refs/heads/changes"),
    )

    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            client, webhook, "pull_request", payloads.pull_request(number=2, head_ref="changes")
        )

    pr = PullRequest.objects.get(number=2)
    assert list(pr.commits.values_list("sha", flat=True)) == [make_sha("new")]
    assert make_sha("new") in sent_signals[-1]["shas"]


def test_a_fork_prs_branch_does_not_claim_a_same_named_branch(client, webhook):
    deliver(
        client,
        webhook,
        "pull_request",
        payloads.pull_request(head_ref="main-fix", head_repo="forker/Hello-World"),
    )

    deliver(
        client,
        webhook,
        "push",
        payloads.push([payloads.push_commit(make_sha())], ref="refs/heads/main-fix"),
    )

    pr = PullRequest.objects.get()
    assert pr.head_branch == "forker:main-fix"
    assert not pr.commits.exists()


# pull_request


def test_an_opened_pr_with_a_null_body_is_recorded(client, webhook, organization):
    payload = payloads.pull_request(body=None, draft=True, merge_commit_sha=make_sha("test-merge"))

    response = deliver(client, webhook, "pull_request", payload)

    assert response.status_code == 200
    pr = PullRequest.objects.select_related("author").get()
    assert (pr.number, pr.title, pr.state, pr.is_draft) == (
        2,
        "Update the README with new information.",
        "open",
        True,
    )
    assert pr.head_branch == "changes"
    assert pr.opened_at == datetime(2019, 5, 15, 15, 20, 33, tzinfo=UTC)
    # GitHub's test-merge SHA of an open PR is not a real commit: not stored.
    assert (pr.merged_at, pr.merge_commit_sha) == (None, "")
    assert pr.author_login == "codertocat"
    assert pr.author.identities.get().value == "codertocat"
    assert pr.organization == organization


def test_a_merged_pr_records_its_merge(
    client, webhook, sent_signals, django_capture_on_commit_callbacks
):
    deliver(client, webhook, "pull_request", payloads.pull_request())
    payload = payloads.pull_request(
        "closed",
        state="closed",
        merged=True,
        merged_at="2019-05-16T08:00:00Z",
        merge_commit_sha=MERGE_SHA.upper(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, webhook, "pull_request", payload)

    pr = PullRequest.objects.get()
    assert (pr.state, pr.merge_commit_sha) == ("merged", MERGE_SHA)
    assert pr.merged_at == datetime(2019, 5, 16, 8, tzinfo=UTC)
    assert sent_signals[-1]["shas"] == [MERGE_SHA]


def test_a_pr_closed_without_merging_is_closed(client, webhook):
    deliver(
        client,
        webhook,
        "pull_request",
        payloads.pull_request("closed", state="closed", merged_at=None),
    )

    pr = PullRequest.objects.get()
    assert (pr.state, pr.merged_at, pr.merge_commit_sha) == ("closed", None, "")


def test_reopen_edit_and_draft_changes_follow_the_pr(client, webhook):
    deliver(client, webhook, "pull_request", payloads.pull_request("closed", state="closed"))
    deliver(client, webhook, "pull_request", payloads.pull_request("reopened"))
    assert PullRequest.objects.get().state == "open"

    deliver(
        client, webhook, "pull_request", payloads.pull_request("converted_to_draft", draft=True)
    )
    assert PullRequest.objects.get().is_draft

    deliver(client, webhook, "pull_request", payloads.pull_request("ready_for_review"))
    deliver(
        client, webhook, "pull_request", payloads.pull_request("edited", title="A better title")
    )
    pr = PullRequest.objects.get()
    assert (pr.is_draft, pr.title) == (False, "A better title")


def test_a_late_edit_does_not_unmerge_a_pr(client, webhook):
    merged = payloads.pull_request(
        "closed",
        state="closed",
        merged=True,
        merged_at="2019-05-16T08:00:00Z",
        merge_commit_sha=MERGE_SHA,
    )
    deliver(client, webhook, "pull_request", merged)

    deliver(client, webhook, "pull_request", payloads.pull_request("edited", title="Renamed"))

    pr = PullRequest.objects.get()
    assert (pr.state, pr.merge_commit_sha, pr.title) == ("merged", MERGE_SHA, "Renamed")


def test_a_replayed_older_delivery_does_not_reopen_a_closed_pr(client, webhook):
    closed = payloads.pull_request("closed", state="closed", title="Closed for now")
    closed["pull_request"]["updated_at"] = "2019-05-17T09:00:00Z"
    deliver(client, webhook, "pull_request", closed)

    # GitHub redelivers an earlier event, or deliveries arrive out of order.
    deliver(client, webhook, "pull_request", payloads.pull_request("opened", title="First"))

    pr = PullRequest.objects.get()
    assert (pr.state, pr.title) == ("closed", "Closed for now")


def test_a_bot_author_becomes_a_bot_contributor(client, webhook):
    payload = payloads.pull_request(author="dependabot[bot]", author_type="Bot")

    deliver(client, webhook, "pull_request", payload)

    assert PullRequest.objects.get().author.is_bot


def test_a_webhook_writes_only_to_its_own_organization(client, webhook, other_organization):
    other, _ = github_webhook_connect(organization=other_organization)
    make_contributor(other_organization, "Coder at Globex", login="codertocat")

    deliver(client, webhook, "pull_request", payloads.pull_request())

    pr = PullRequest.objects.get()
    assert pr.organization == webhook.organization
    assert pr.author.organization == webhook.organization
    assert not Repository.objects.filter(organization=other_organization).exists()
    assert Contributor.objects.filter(organization=other_organization).count() == 1
    # And the other organization's URL does not accept this one's signature.
    body = payloads.encode(payloads.push([]))
    response = deliver(
        client,
        other,
        "push",
        body=body,
        HTTP_X_HUB_SIGNATURE_256=payloads.sign(webhook.secret, body),
    )
    assert response.status_code == 401


# pull_request_review


def test_the_first_review_by_someone_else_sets_first_review_at(client, webhook):
    deliver(client, webhook, "pull_request", payloads.pull_request())

    response = deliver(
        client,
        webhook,
        "pull_request_review",
        payloads.review(submitted_at="2019-05-15T18:00:00Z"),
    )

    assert response.json()["detail"] == "first review recorded"
    assert PullRequest.objects.get().first_review_at == datetime(2019, 5, 15, 18, tzinfo=UTC)


def test_the_earliest_review_wins_whatever_the_arrival_order(client, webhook):
    deliver(
        client,
        webhook,
        "pull_request_review",
        payloads.review(submitted_at="2019-05-16T09:00:00Z"),
    )
    deliver(
        client,
        webhook,
        "pull_request_review",
        payloads.review(reviewer="hubot", submitted_at="2019-05-15T20:00:00Z"),
    )
    deliver(
        client,
        webhook,
        "pull_request_review",
        payloads.review(submitted_at="2019-05-17T09:00:00Z"),
    )

    assert PullRequest.objects.get().first_review_at == datetime(2019, 5, 15, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("reviewer", "reviewer_type"),
    [("Codertocat", "User"), ("copilot-reviewer[bot]", "Bot"), ("renovate", "User")],
)
def test_reviews_by_the_author_or_a_bot_do_not_count(client, webhook, reviewer, reviewer_type):
    payload = payloads.review(reviewer=reviewer, reviewer_type=reviewer_type)

    response = deliver(client, webhook, "pull_request_review", payload)

    assert response.status_code == 200
    assert PullRequest.objects.get().first_review_at is None


def test_a_reviewer_an_admin_marked_as_bot_does_not_count(client, webhook, organization):
    make_contributor(organization, "Review Robot", login="octocat", is_bot=True)

    deliver(client, webhook, "pull_request_review", payloads.review(reviewer="octocat"))

    assert PullRequest.objects.get().first_review_at is None


def test_dismissed_reviews_are_ignored(client, webhook):
    response = deliver(client, webhook, "pull_request_review", payloads.review(action="dismissed"))

    assert response.status_code == 202
    assert not PullRequest.objects.exists()
