"""GitHub webhook payloads: signature check, decoding, and parsing into plain records.

Nothing here touches the database; a payload that cannot be parsed raises PayloadError
naming the field, before anything is stored. Every value read is checked so that storing it
cannot fail (repositories.payload_fields, shared with GitLab's parser); a string longer than
its column is cut to the column's length.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from config.fields import column_fitted, column_length
from organizations.services import AuthorIdentity
from repositories.models import (
    REPOSITORY_FULL_NAME,
    REPOSITORY_FULL_NAME_MESSAGE,
    Commit,
    PullRequest,
    Repository,
    WebhookDelivery,
)
from repositories.payload_fields import (  # noqa: F401 - the parsers' names, re-exported
    MAX_INTEGER,
    MAX_PAYLOAD_DEPTH,
    PayloadError,
    header_check,
    objects,
    payload_decode,
)
from repositories.payload_fields import field as _get
from repositories.payload_fields import positive_integer as _positive_integer
from repositories.payload_fields import sha_field as _sha
from repositories.payload_fields import text as _text
from repositories.payload_fields import time_field as _time
from repositories.services import CommitData, PullRequestData

# GitHub caps webhook payloads at 25 MB and does not deliver larger ones.
MAX_PAYLOAD_BYTES = 25 * 1024 * 1024
BRANCH_REF_PREFIX = "refs/heads/"


REF_LENGTH = column_length(WebhookDelivery, "ref")
# A PR's branch is matched to its pushes by ref: cut both the same way.
BRANCH_LENGTH = min(column_length(PullRequest, "head_branch"), REF_LENGTH - len(BRANCH_REF_PREFIX))
PULL_REQUEST_ACTIONS = {
    "opened",
    "reopened",
    "edited",
    "ready_for_review",
    "converted_to_draft",
    "closed",
}
REVIEW_ACTIONS = {"submitted"}
_FULL_NAME = re.compile(REPOSITORY_FULL_NAME)


@dataclass(frozen=True)
class PushData:
    repository_full_name: str
    ref: str
    commits: list[CommitData]


@dataclass(frozen=True)
class ReviewData:
    repository_full_name: str
    pull_request: PullRequestData
    reviewer: AuthorIdentity
    submitted_at: datetime


def signature_is_valid(*, secret: str, body: bytes, signature: str) -> bool:
    """X-Hub-Signature-256 is "sha256=" + HMAC-SHA256(secret, raw body), compared in
    constant time."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


def payload_action(payload: dict) -> str:
    """The delivery's action ("" when the event has none), cut to its column."""
    return _text(payload, "action", column_length(WebhookDelivery, "action"))


def repository_full_name(payload: dict) -> str:
    full_name = column_fitted(Repository, "full_name", _get(payload, "repository.full_name"))
    if not _FULL_NAME.match(full_name):
        raise PayloadError("repository.full_name", REPOSITORY_FULL_NAME_MESSAGE)
    return full_name


def _user(payload: dict, path: str) -> AuthorIdentity:
    _get(payload, path, dict, required=False)
    return AuthorIdentity(
        name=_text(payload, f"{path}.name", column_length(Commit, "author_name")),
        login=_text(payload, f"{path}.login", column_length(Commit, "author_login")),
        is_bot_account=_get(payload, f"{path}.type", required=False) == "Bot",
    )


def _head_branch(payload: dict) -> str:
    # A fork's branch is recorded as its label ("owner:branch"): git forbids ":" in branch
    # names, so pushes to a same-named branch of this repository never match it.
    head_repo = _get(payload, "pull_request.head.repo.full_name", required=False)
    if head_repo == _get(payload, "repository.full_name"):
        return _get(payload, "pull_request.head.ref")[:BRANCH_LENGTH]
    return _text(payload, "pull_request.head.label", BRANCH_LENGTH)


def pull_request_parse(payload: dict) -> PullRequestData:
    _get(payload, "pull_request", dict)
    merged_at = _time(payload, "pull_request.merged_at", required=False)
    is_merged = bool(_get(payload, "pull_request.merged", bool, required=False))
    is_merged = is_merged or merged_at is not None
    if is_merged and merged_at is None:
        raise PayloadError("pull_request.merged_at", "is missing on a merged pull request")
    if is_merged:
        state = PullRequest.State.MERGED
    elif _get(payload, "pull_request.state") == "closed":
        state = PullRequest.State.CLOSED
    else:
        state = PullRequest.State.OPEN
    return PullRequestData(
        number=_positive_integer(payload, "pull_request.number"),
        title=_text(payload, "pull_request.title", column_length(PullRequest, "title")),
        state=state,
        author=_user(payload, "pull_request.user"),
        is_draft=bool(_get(payload, "pull_request.draft", bool, required=False)),
        head_branch=_head_branch(payload),
        opened_at=_time(payload, "pull_request.created_at"),
        merged_at=merged_at if is_merged else None,
        # GitHub fills merge_commit_sha with a test merge while the PR is open: only a
        # merged PR's value is a real commit that deployments can carry.
        merge_commit_sha=_sha(payload, "pull_request.merge_commit_sha") if is_merged else "",
        # An older delivery (a replayed "opened" after "closed") never overwrites newer state.
        updated_at=_time(payload, "pull_request.updated_at", required=False),
    )


def review_parse(payload: dict) -> ReviewData:
    return ReviewData(
        repository_full_name=repository_full_name(payload),
        pull_request=pull_request_parse(payload),
        reviewer=_user(payload, "review.user"),
        submitted_at=_time(payload, "review.submitted_at"),
    )


def _push_commit(commit: dict) -> CommitData:
    _get(commit, "author", dict, required=False)
    timestamp = _time(commit, "timestamp")
    return CommitData(
        sha=_sha(commit, "id"),
        message=_get(commit, "message", required=False) or "",
        author=AuthorIdentity(
            name=_text(commit, "author.name", column_length(Commit, "author_name")),
            email=_text(commit, "author.email", column_length(Commit, "author_email")),
            # Commits by someone without a GitHub account carry no username.
            login=_text(commit, "author.username", column_length(Commit, "author_login")),
        ),
        authored_at=timestamp,
        committed_at=timestamp,
    )


def push_parse(payload: dict) -> PushData:
    parsed = objects(payload, "commits", _push_commit)
    return PushData(
        repository_full_name=repository_full_name(payload),
        ref=_text(payload, "ref", REF_LENGTH),
        commits=parsed,
    )


DEPLOYMENT_STATUS_ACTIONS = {"created"}


@dataclass(frozen=True)
class DeploymentStatusData:
    """A deployment_status event; strings are checked storable, not cut (deployments owns
    the columns they go to)."""

    repository_full_name: str
    state: str
    environment: str
    sha: str
    created_at: datetime
    description: str


def _environment(payload: dict) -> str:
    # The status's environment is the one deployed to; older payloads carry only the
    # deployment's.
    status_environment = _get(payload, "deployment_status.environment", required=False)
    path = "deployment_status.environment" if status_environment else "deployment.environment"
    environment = _get(payload, path).strip()
    if not environment:
        raise PayloadError(path, "must not be blank")
    return environment


def deployment_status_parse(payload: dict) -> DeploymentStatusData:
    _get(payload, "deployment_status", dict)
    _get(payload, "deployment", dict)
    return DeploymentStatusData(
        repository_full_name=repository_full_name(payload),
        state=_get(payload, "deployment_status.state"),
        environment=_environment(payload),
        sha=_sha(payload, "deployment.sha"),
        created_at=_time(payload, "deployment_status.created_at"),
        description=_get(payload, "deployment.description", required=False) or "",
    )
