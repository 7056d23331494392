"""The GitLab receiver over HTTP: X-Gitlab-Token, idempotent deliveries, merge requests,
notes and pushes from GitLab's documented payloads, unknown events, and bad payloads."""

import json
import logging

import pytest
from django.core.management import call_command

from repositories.models import Commit, PullRequest, Repository, WebhookDelivery
from tests.factories import make_sha
from tests.repositories import gitlab_payloads as payloads
from tests.repositories.gitlab_helpers import deliver, nothing_stored

NESTED = "platform/payments/checkout"
MR = "Merge Request Hook"
NOTE = "Note Hook"
PUSH = "Push Hook"


# The secret token and the URL


@pytest.mark.parametrize("token", ["", "wrong", "x" * 64])
def test_it_refuses_a_missing_or_wrong_token_and_stores_nothing(client, gitlab_webhook, token):
    response = deliver(client, gitlab_webhook, MR, payloads.merge_request(), token=token)

    assert response.status_code == 401
    assert nothing_stored()


def test_an_unknown_webhook_url_is_404(client, gitlab_webhook):
    gitlab_webhook.path_token = "another"
    response = deliver(client, gitlab_webhook, MR, payloads.merge_request())

    assert response.status_code == 404
    assert nothing_stored()


def test_the_path_token_never_reaches_the_logs(client, gitlab_webhook, caplog):
    caplog.set_level(logging.INFO)
    deliver(client, gitlab_webhook, MR, payloads.merge_request(), token="wrong")
    deliver(client, gitlab_webhook, "Issue Hook", {"object_kind": "issue"})

    assert caplog.records
    assert gitlab_webhook.path_token not in caplog.text
    assert "webhooks/gitlab/REDACTED" in caplog.text


def test_create_gitlab_webhook_prints_the_url_and_a_new_secret_each_run(organization, capsys):
    call_command("create_gitlab_webhook", "--org", "acme", "--base-url", "https://s.example/")
    first = json.loads(capsys.readouterr().out)
    call_command("create_gitlab_webhook", "--org", "acme", "--base-url", "https://s.example/")
    second = json.loads(capsys.readouterr().out)

    webhook = organization.gitlab_webhook
    assert first["url"] == f"https://s.example/webhooks/gitlab/{webhook.path_token}/"
    assert second["url"] == first["url"]
    assert first["secret"] != second["secret"] == webhook.secret


# Idempotency and unknown events


def test_a_redelivery_with_the_same_event_uuid_changes_nothing(client, gitlab_webhook):
    payload = payloads.merge_request()
    first = deliver(client, gitlab_webhook, MR, payload, uuid="same")
    again = deliver(client, gitlab_webhook, MR, payload, uuid="same")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["status"] == "duplicate"
    assert WebhookDelivery.objects.get().gitlab_webhook == gitlab_webhook


def test_the_idempotency_key_wins_over_the_event_uuid(client, gitlab_webhook):
    payload = payloads.merge_request()
    deliver(client, gitlab_webhook, MR, payload, uuid="a", HTTP_IDEMPOTENCY_KEY="key-1")
    again = deliver(client, gitlab_webhook, MR, payload, uuid="b", HTTP_IDEMPOTENCY_KEY="key-1")

    assert again.json()["status"] == "duplicate"
    assert WebhookDelivery.objects.get().delivery_id == "key-1"


def test_without_either_header_an_identical_body_is_a_duplicate(client, gitlab_webhook):
    payload = payloads.merge_request()
    deliver(client, gitlab_webhook, MR, payload, uuid="")
    again = deliver(client, gitlab_webhook, MR, payload, uuid="")

    assert again.json()["status"] == "duplicate"
    assert WebhookDelivery.objects.get().delivery_id.startswith("sha256:")


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        (
            "Wiki Page Hook",
            {"object_kind": "wiki_page", "object_attributes": {"action": "create"}},
        ),
        ("Pipeline Hook", {"object_kind": "pipeline"}),
        (MR, payloads.merge_request(action="some_future_action")),
    ],
)
def test_unknown_events_and_actions_are_stored_and_answered_202(
    client, gitlab_webhook, event, payload
):
    response = deliver(client, gitlab_webhook, event, payload)

    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.status) == (event, WebhookDelivery.Status.IGNORED)
    assert not PullRequest.objects.exists()


# Merge requests


def test_an_opened_merge_request_is_recorded_with_its_iid_host_and_author(client, gitlab_webhook):
    response = deliver(client, gitlab_webhook, MR, payloads.merge_request(iid=7))

    assert response.status_code == 200
    pull_request = PullRequest.objects.select_related("repository").get()
    repository = pull_request.repository
    assert (repository.full_name, repository.host, repository.host_url) == (
        "gitlabhq/gitlab-test",
        "gitlab",
        "http://example.com",
    )
    assert pull_request.number == 7
    assert pull_request.state == "open"
    assert pull_request.author_login == "ada"  # the acting user is the author (id 51)
    assert pull_request.opened_at.isoformat() == "2013-12-03T17:23:34+00:00"
    assert pull_request.head_branch == "ms-viewport"
    assert pull_request.html_url == "http://example.com/gitlabhq/gitlab-test/-/merge_requests/7"


def test_a_nested_group_project_on_a_self_managed_sub_path(client, gitlab_webhook):
    payload = payloads.merge_request(path=NESTED, host="https://example.com/gitlab")

    deliver(client, gitlab_webhook, MR, payload)

    repository = Repository.objects.get()
    assert (repository.full_name, repository.host_url) == (NESTED, "https://example.com/gitlab")


def test_an_update_by_someone_else_keeps_the_authors_login(client, gitlab_webhook):
    deliver(client, gitlab_webhook, MR, payloads.merge_request())
    update = payloads.merge_request(
        action="update", actor=payloads.user("bob", 9), updated_at="2013-12-04T10:00:00Z"
    )

    deliver(client, gitlab_webhook, MR, update)

    assert PullRequest.objects.get().author_login == "ada"


def test_a_replayed_older_event_never_reopens_a_closed_merge_request(client, gitlab_webhook):
    closed = payloads.merge_request(
        state="closed", action="close", updated_at="2013-12-05T10:00:00Z"
    )
    deliver(client, gitlab_webhook, MR, closed)
    deliver(client, gitlab_webhook, MR, payloads.merge_request(action="reopen"))

    assert PullRequest.objects.get().state == "closed"


def test_a_draft_counts_from_its_creation(client, gitlab_webhook):
    deliver(client, gitlab_webhook, MR, payloads.merge_request(draft=True, title="Draft: x"))
    ready = payloads.merge_request(
        action="update",
        title="x",
        updated_at="2013-12-06T09:00:00Z",
        changes={"draft": {"previous": True, "current": False}},
    )
    deliver(client, gitlab_webhook, MR, ready)

    pull_request = PullRequest.objects.get()
    assert pull_request.is_draft is False
    assert pull_request.opened_at.isoformat() == "2013-12-03T17:23:34+00:00"


def test_a_fork_branch_is_recorded_with_the_forks_path(client, gitlab_webhook):
    payload = payloads.merge_request(source_project_id=99)
    payload["object_attributes"]["source"] = {"path_with_namespace": "someone/gitlab-test"}

    deliver(client, gitlab_webhook, MR, payload)

    assert PullRequest.objects.get().head_branch == "someone/gitlab-test:ms-viewport"


# Pushes


def test_a_push_records_its_commits_with_their_authors(client, gitlab_webhook):
    shas = [make_sha("one"), make_sha("two")]
    commits = [payloads.push_commit(shas[0], name="Jordi Mallach", email="[REDACTED]")]
    commits.append(payloads.push_commit(shas[1], at="2011-12-12T14:27:31+02:00"))

    response = deliver(client, gitlab_webhook, PUSH, payloads.push(commits))

    assert response.status_code == 200
    stored = {commit.sha: commit for commit in Commit.objects.all()}
    assert set(stored) == set(shas)
    assert stored[shas[0]].author_email == ""  # GitLab hides the email: nothing to resolve
    assert stored[shas[1]].authored_at.isoformat() == "2011-12-12T12:27:31+00:00"
    assert WebhookDelivery.objects.get().ref == "refs/heads/master"


def test_commits_pushed_before_and_after_an_mr_opens_join_it(client, gitlab_webhook):
    before, after = make_sha("before"), make_sha("after")
    path = "gitlabhq/gitlab-test"
    branch = "refs/heads/ms-viewport"
    push_before = payloads.push([payloads.push_commit(before)], ref=branch, path=path)
    deliver(client, gitlab_webhook, PUSH, push_before)
    deliver(client, gitlab_webhook, MR, payloads.merge_request())
    push_after = payloads.push([payloads.push_commit(after)], ref=branch, path=path)
    deliver(client, gitlab_webhook, PUSH, push_after)

    pull_request = PullRequest.objects.get()
    assert set(pull_request.commits.values_list("sha", flat=True)) == {before, after}
    assert pull_request.first_commit_at.isoformat() == "2012-01-03T21:36:29+00:00"


def test_a_push_of_more_than_20_commits_says_the_rest_were_not_read(client, gitlab_webhook):
    commits = [payloads.push_commit(make_sha(i)) for i in range(20)]

    response = deliver(
        client, gitlab_webhook, PUSH, payloads.push(commits, total_commits_count=35)
    )

    assert response.status_code == 200
    assert Commit.objects.count() == 20
    detail = WebhookDelivery.objects.get().detail
    assert "20 new of 20 commits" in detail
    assert "15 older commits of this push are not in the hook" in detail


def test_a_branch_created_without_commits_is_fine(client, gitlab_webhook):
    response = deliver(client, gitlab_webhook, PUSH, payloads.push([]))

    assert response.status_code == 200
    assert not Commit.objects.exists()


# Bad payloads: 400 naming the field, nothing written


def _with(payload: dict, path: str, value) -> dict:
    node = payload
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    return payload


@pytest.mark.parametrize(
    ("event", "payload", "field"),
    [
        (
            MR,
            _with(payloads.merge_request(), "object_attributes.iid", "1"),
            "object_attributes.iid",
        ),
        (MR, _with(payloads.merge_request(), "object_attributes.iid", 0), "object_attributes.iid"),
        (
            MR,
            _with(payloads.merge_request(), "object_attributes.created_at", "2200-01-01T00:00Z"),
            "object_attributes.created_at",
        ),
        (
            MR,
            _with(
                payloads.merge_request(), "object_attributes.created_at", "1969-12-31 23:00 UTC"
            ),
            "object_attributes.created_at",
        ),
        (
            MR,
            _with(payloads.merge_request(), "object_attributes.title", "a\0b"),
            "object_attributes.title",
        ),
        (
            MR,
            _with(payloads.merge_request(), "project.path_with_namespace", "checkout"),
            "project.path_with_namespace",
        ),
        (MR, _with(payloads.merge_request(), "project.web_url", "ftp://x/y"), "project.web_url"),
        (
            MR,
            payloads.merge_request(state="merged", action="merge", head_sha=None),
            "object_attributes.merge_commit_sha",
        ),
        (
            MR,
            payloads.merge_request(state="merged", action="merge", merge_commit_sha="abc"),
            "object_attributes.merge_commit_sha",
        ),
        (PUSH, _with(payloads.push([]), "commits", {"id": 1}), "commits"),
        (PUSH, payloads.push([payloads.push_commit("xyz")]), "commits.0.id"),
        (
            PUSH,
            payloads.push([payloads.push_commit(make_sha(), at="soon")]),
            "commits.0.timestamp",
        ),
        (PUSH, payloads.push([], total_commits_count=-1), "total_commits_count"),
        (
            NOTE,
            _with(payloads.note_on_merge_request(), "object_attributes.created_at", 5),
            "object_attributes.created_at",
        ),
        (
            NOTE,
            _with(payloads.note_on_merge_request(), "object_attributes", []),
            "object_attributes",
        ),
    ],
)
def test_a_malformed_payload_is_400_naming_the_field(
    client, gitlab_webhook, event, payload, field
):
    response = deliver(client, gitlab_webhook, event, payload)

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert nothing_stored()


def test_a_body_that_is_not_json_or_nests_too_deep_is_400(client, gitlab_webhook):
    deep = {"project": {}}
    node = deep["project"]
    for _ in range(80):
        node["x"] = {}
        node = node["x"]
    for body in (b"not json", payloads.encode(deep)):
        response = deliver(client, gitlab_webhook, MR, body=body)
        assert response.status_code == 400
    assert nothing_stored()


def test_a_missing_event_header_is_400(client, gitlab_webhook):
    response = deliver(client, gitlab_webhook, "", payloads.merge_request())

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "X-Gitlab-Event"
    assert nothing_stored()


def test_a_title_longer_than_its_column_is_cut(client, gitlab_webhook):
    deliver(client, gitlab_webhook, MR, payloads.merge_request(title="t" * 1200))

    assert PullRequest.objects.get().title == "t" * 500
