"""A signed delivery whose values could not be stored is a 400 naming the field, never a 500,
and writes nothing; a string longer than its column is cut to it (repositories/github.py)."""

import copy
import json

import pytest

from repositories.github import BRANCH_LENGTH, MAX_PAYLOAD_DEPTH
from repositories.models import Commit, PullRequest, Repository, WebhookDelivery
from repositories.webhook_secrets import github_webhook_connect
from tests.factories import make_sha
from tests.repositories import payloads
from tests.repositories.test_webhooks import deliver, nothing_stored


@pytest.fixture
def webhook(organization):
    return github_webhook_connect(organization=organization)[0]


def value_at(payload: dict, path: str):
    node = payload
    for key in path.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def with_value(payload: dict, path: str, value) -> dict:
    """A copy of payload with the value at a dotted path ("commits.0.author.name") replaced."""
    changed = copy.deepcopy(payload)
    *parents, last = path.split(".")
    node = changed
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[int(last) if isinstance(node, list) else last] = value
    return changed


def push_payload() -> dict:
    return payloads.push([payloads.push_commit(make_sha("checked"))])


def merged_pr_payload() -> dict:
    return payloads.pull_request(
        "closed",
        state="closed",
        merged=True,
        merged_at="2019-05-16T08:00:00Z",
        merge_commit_sha=make_sha("merge"),
    )


EVENTS = {
    "push": push_payload,
    "pull_request": payloads.pull_request,
    "merged_pull_request": merged_pr_payload,
    "pull_request_review": payloads.review,
}


def deliver_changed(client, webhook, event: str, path: str, value):
    payload = with_value(EVENTS[event](), path, value)
    return deliver(client, webhook, event.removeprefix("merged_"), payload)


def assert_refused(response, field: str, message: str = "") -> None:
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert message in error["message"]
    assert nothing_stored()


# Wrong types


@pytest.mark.parametrize(
    ("event", "path", "value"),
    [
        ("push", "commits.0.message", ["a", "list"]),
        ("push", "commits.0.author", "Codertocat"),
        ("push", "commits.0.author.name", 5),
        ("push", "commits.0.author.email", {"address": "a@example.com"}),
        ("push", "commits.0.author.username", True),
        ("push", "commits.0.timestamp", 1557933565),
        ("push", "ref", 5),
        ("pull_request", "pull_request.title", {"text": "A title"}),
        ("pull_request", "pull_request.number", "2"),
        ("pull_request", "pull_request.number", 2.0),
        ("pull_request", "pull_request.number", True),
        ("pull_request", "pull_request.draft", "false"),
        ("pull_request", "pull_request.user", "Codertocat"),
        ("pull_request", "pull_request.user.login", 42),
        ("pull_request", "pull_request.user.type", ["Bot"]),
        ("pull_request", "pull_request.head.ref", None),
        ("pull_request", "pull_request.state", 1),
        ("merged_pull_request", "pull_request.merged", "yes"),
        ("merged_pull_request", "pull_request.merge_commit_sha", 123),
        ("pull_request_review", "review.user.name", 1.5),
        ("pull_request_review", "review.submitted_at", 1557933565),
        ("pull_request", "action", 5),
    ],
)
def test_a_value_of_the_wrong_type_is_a_400_naming_it(client, webhook, event, path, value):
    response = deliver_changed(client, webhook, event, path, value)

    assert_refused(response, path, "wrong type")


# Nesting


def nested(levels: int):
    value = "bottom"
    for _ in range(levels):
        value = {"deeper": value}
    return value


@pytest.mark.parametrize("event", ["push", "issues"])
def test_a_payload_nested_too_deep_is_a_400_naming_the_top_level_key(client, webhook, event):
    # The payload is level 1, "extra" level 2: MAX_PAYLOAD_DEPTH - 1 objects fit under it.
    payload = {**push_payload(), "extra": nested(MAX_PAYLOAD_DEPTH)}

    response = deliver(client, webhook, event, payload)

    assert_refused(response, "extra", f"deeper than {MAX_PAYLOAD_DEPTH} levels")


def test_a_payload_nested_to_the_limit_is_accepted(client, webhook):
    payload = {**push_payload(), "extra": nested(MAX_PAYLOAD_DEPTH - 1)}

    response = deliver(client, webhook, "push", payload)

    assert response.status_code == 200
    assert Commit.objects.count() == 1


def test_a_payload_nested_past_the_parsers_recursion_limit_is_a_400(client, webhook):
    body = b'{"extra": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"

    response = deliver(client, webhook, "push", body=body)

    assert_refused(response, "body", "deeper than")


# Numbers


@pytest.mark.parametrize("number", [2**31, 10**30, 0, -1])
def test_a_pr_number_outside_the_columns_range_is_a_400(client, webhook, number):
    response = deliver_changed(client, webhook, "pull_request", "pull_request.number", number)

    assert_refused(response, "pull_request.number", f"between 1 and {2**31 - 1}")


def test_the_largest_pr_number_is_accepted(client, webhook):
    response = deliver_changed(client, webhook, "pull_request", "pull_request.number", 2**31 - 1)

    assert response.status_code == 200
    assert PullRequest.objects.get().number == 2**31 - 1


# NUL characters and unpaired surrogates


@pytest.mark.parametrize(
    ("event", "path"),
    [
        ("push", "commits.0.message"),
        ("push", "commits.0.author.name"),
        ("push", "commits.0.author.email"),
        ("push", "commits.0.author.username"),
        ("push", "ref"),
        ("push", "repository.full_name"),
        ("pull_request", "pull_request.title"),
        ("pull_request", "pull_request.head.ref"),
        ("pull_request", "pull_request.user.login"),
        ("pull_request", "action"),
        ("pull_request_review", "review.user.login"),
        ("pull_request_review", "review.submitted_at"),
    ],
)
@pytest.mark.parametrize(
    ("character", "message"),
    [("\x00", "NUL character"), ("\ud800", "unpaired UTF-16 surrogate")],
)
def test_a_string_postgresql_cannot_store_is_a_400_naming_it(
    client, webhook, event, path, character, message
):
    value = value_at(EVENTS[event](), path)

    response = deliver_changed(client, webhook, event, path, f"{value[:3]}{character}{value[3:]}")

    assert_refused(response, path, message)


def test_a_nul_in_a_form_encoded_bodys_other_fields_is_a_400(client, webhook):
    body = b"payload=" + json.dumps(push_payload()).encode() + b"&junk=\x00"

    response = deliver(
        client, webhook, "push", body=body, content_type="application/x-www-form-urlencoded"
    )

    assert_refused(response, "body", "NUL character")


def test_a_nul_in_a_header_is_a_400_naming_it(client, webhook):
    response = deliver(client, webhook, "push", push_payload(), delivery_id="d-\x00-1")

    assert_refused(response, "X-GitHub-Delivery", "NUL character")


# Times


@pytest.mark.parametrize(
    ("event", "path", "value"),
    [
        # 23:30 on 31 December 1969 in UTC, though its own year is 1970.
        ("push", "commits.0.timestamp", "1970-01-01T00:30:00+01:00"),
        ("push", "commits.0.timestamp", "2100-12-31T23:30:00-01:00"),
        # Converting this one to UTC first would overflow.
        ("push", "commits.0.timestamp", "9999-12-31T23:59:59-01:00"),
        ("push", "commits.0.timestamp", "0001-01-01T00:00:00+01:00"),
        ("pull_request", "pull_request.created_at", "1900-01-01T00:00:00Z"),
        ("pull_request_review", "review.submitted_at", "2200-01-01T00:00:00Z"),
    ],
)
def test_a_time_outside_1970_to_2100_in_utc_is_a_400(client, webhook, event, path, value):
    response = deliver_changed(client, webhook, event, path, value)

    assert_refused(response, path, "1970")


def test_the_first_and_last_supported_moments_are_accepted(client, webhook):
    commits = [
        payloads.push_commit(make_sha("first"), timestamp="1970-01-01T00:00:00Z"),
        payloads.push_commit(make_sha("last"), timestamp="2100-12-31T23:59:59+00:00"),
    ]

    response = deliver(client, webhook, "push", payloads.push(commits))

    assert response.status_code == 200
    assert Commit.objects.count() == 2


# Strings longer than their column


def test_a_pr_title_and_author_longer_than_their_columns_are_cut_to_them(client, webhook):
    payload = with_value(payloads.pull_request(), "pull_request.title", "T" * 600)
    payload = with_value(payload, "pull_request.user.login", "L" * 150)

    response = deliver(client, webhook, "pull_request", payload)

    assert response.status_code == 200
    pull_request = PullRequest.objects.get()
    assert pull_request.title == "T" * 500
    assert pull_request.author_login == "l" * 100


def test_a_long_branch_is_cut_alike_in_the_pr_and_its_pushes(client, webhook):
    branch = "b" * 300

    opened = deliver(client, webhook, "pull_request", payloads.pull_request(head_ref=branch))
    commits = [payloads.push_commit(make_sha("on-long-branch"))]
    pushed = deliver(client, webhook, "push", payloads.push(commits, ref=f"refs/heads/{branch}"))

    assert (opened.status_code, pushed.status_code) == (200, 200)
    pull_request = PullRequest.objects.get()
    # 255 characters of ref column, less "refs/heads/", so both sides still match.
    assert pull_request.head_branch == "b" * BRANCH_LENGTH == "b" * 244
    assert WebhookDelivery.objects.get(event="push").ref == f"refs/heads/{'b' * 244}"
    assert list(pull_request.commits.values_list("sha", flat=True)) == [make_sha("on-long-branch")]


def test_a_fork_label_longer_than_the_column_is_cut(client, webhook):
    payload = payloads.pull_request(head_ref="f" * 300, head_repo="forker/Hello-World")

    response = deliver(client, webhook, "pull_request", payload)

    assert response.status_code == 200
    assert PullRequest.objects.get().head_branch == ("forker:" + "f" * 300)[:BRANCH_LENGTH]


def test_commit_authors_longer_than_their_columns_are_cut(client, webhook):
    commit = payloads.push_commit(
        make_sha("long-author"), name="N" * 300, email="e" * 300, username="U" * 150
    )

    response = deliver(client, webhook, "push", payloads.push([commit]))

    assert response.status_code == 200
    stored = Commit.objects.get()
    assert (stored.author_name, stored.author_email, stored.author_login) == (
        "N" * 200,
        "e" * 254,
        "U" * 100,
    )


def test_a_repository_name_longer_than_the_column_is_cut(client, webhook):
    full_name = "owner/" + "r" * 300

    response = deliver(client, webhook, "push", payloads.push([], full_name=full_name))

    assert response.status_code == 200
    assert Repository.objects.get().full_name == full_name[:200]


def test_an_action_longer_than_the_column_is_cut(client, webhook):
    response = deliver(client, webhook, "issues", {"action": "a" * 150, "issue": {}})

    assert response.status_code == 202
    assert WebhookDelivery.objects.get().action == "a" * 100
