"""GitHub webhook payloads: signature check, decoding, and parsing into plain records.

Nothing here touches the database; a payload that cannot be parsed raises PayloadError
naming the field, before anything is stored.
"""

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs

from organizations.dates import OUT_OF_RANGE_MESSAGE, date_is_supported
from organizations.services import AuthorIdentity
from repositories.models import PullRequest
from repositories.services import CommitData, PullRequestData

# GitHub caps webhook payloads at 25 MB and does not deliver larger ones.
MAX_PAYLOAD_BYTES = 25 * 1024 * 1024
PULL_REQUEST_ACTIONS = {
    "opened",
    "reopened",
    "edited",
    "ready_for_review",
    "converted_to_draft",
    "closed",
}
REVIEW_ACTIONS = {"submitted"}
_SHA = re.compile(r"^[0-9a-f]{40}$")
_FULL_NAME = re.compile(r"^[^/\s]+/[^/\s]+$")


class PayloadError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


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


def payload_decode(body: bytes) -> dict:
    """Accepts both content types GitHub offers: application/json and the form encoding
    (payload=<json>), so a webhook created with the default still works."""
    try:
        text = body.decode("utf-8")
        if text.startswith("payload="):
            text = parse_qs(text)["payload"][0]
        payload = json.loads(text)
    except (UnicodeDecodeError, ValueError, KeyError) as error:
        raise PayloadError("body", "is not a JSON document") from error
    if not isinstance(payload, dict):
        raise PayloadError("body", "must be a JSON object")
    return payload


def _get(payload: dict, path: str, kind: type | tuple = str, *, required: bool = True):
    value = payload
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise PayloadError(path, "is missing or has the wrong type")
    return value


def _time(payload: dict, path: str, *, required: bool = True) -> datetime | None:
    value = _get(payload, path, required=required)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise PayloadError(path, "is not an ISO 8601 time") from error
    if parsed.tzinfo is None:
        raise PayloadError(path, "has no UTC offset")
    if not date_is_supported(parsed):
        raise PayloadError(path, OUT_OF_RANGE_MESSAGE)
    return parsed


def _sha(payload: dict, path: str) -> str:
    value = _get(payload, path).lower()
    if not _SHA.match(value):
        raise PayloadError(path, "is not a 40-character SHA")
    return value


def repository_full_name(payload: dict) -> str:
    full_name = _get(payload, "repository.full_name")
    if not _FULL_NAME.match(full_name):
        raise PayloadError("repository.full_name", "must look like owner/name")
    return full_name


def _user(payload: dict, path: str) -> AuthorIdentity:
    user = _get(payload, path, dict, required=False) or {}
    return AuthorIdentity(
        name=user.get("name") or "",
        login=user.get("login") or "",
        is_bot_account=user.get("type") == "Bot",
    )


def _head_branch(payload: dict) -> str:
    # A fork's branch is recorded as its label ("owner:branch"): git forbids ":" in branch
    # names, so pushes to a same-named branch of this repository never match it.
    head_repo = _get(payload, "pull_request.head.repo.full_name", required=False)
    if head_repo == _get(payload, "repository.full_name"):
        return _get(payload, "pull_request.head.ref")
    return _get(payload, "pull_request.head.label", required=False) or ""


def pull_request_parse(payload: dict) -> PullRequestData:
    pull_request = _get(payload, "pull_request", dict)
    merged_at = _time(payload, "pull_request.merged_at", required=False)
    is_merged = bool(pull_request.get("merged")) or merged_at is not None
    if is_merged and merged_at is None:
        raise PayloadError("pull_request.merged_at", "is missing on a merged pull request")
    if is_merged:
        state = PullRequest.State.MERGED
    elif _get(payload, "pull_request.state") == "closed":
        state = PullRequest.State.CLOSED
    else:
        state = PullRequest.State.OPEN
    return PullRequestData(
        number=_get(payload, "pull_request.number", int),
        title=_get(payload, "pull_request.title", required=False) or "",
        state=state,
        author=_user(payload, "pull_request.user"),
        is_draft=bool(pull_request.get("draft")),
        head_branch=_head_branch(payload),
        opened_at=_time(payload, "pull_request.created_at"),
        merged_at=merged_at if is_merged else None,
        # GitHub fills merge_commit_sha with a test merge while the PR is open: only a
        # merged PR's value is a real commit that deployments can carry.
        merge_commit_sha=_sha(payload, "pull_request.merge_commit_sha") if is_merged else "",
    )


def review_parse(payload: dict) -> ReviewData:
    return ReviewData(
        repository_full_name=repository_full_name(payload),
        pull_request=pull_request_parse(payload),
        reviewer=_user(payload, "review.user"),
        submitted_at=_time(payload, "review.submitted_at"),
    )


def _push_commit(commit: dict) -> CommitData:
    author = commit.get("author") if isinstance(commit.get("author"), dict) else {}
    timestamp = _time(commit, "timestamp")
    return CommitData(
        sha=_sha(commit, "id"),
        message=commit.get("message") or "",
        author=AuthorIdentity(
            name=author.get("name") or "",
            email=author.get("email") or "",
            # Commits by someone without a GitHub account carry no username.
            login=author.get("username") or "",
        ),
        authored_at=timestamp,
        committed_at=timestamp,
    )


def push_parse(payload: dict) -> PushData:
    commits = payload.get("commits") or []
    if not isinstance(commits, list):
        raise PayloadError("commits", "must be a list")
    parsed = []
    for index, commit in enumerate(commits):
        if not isinstance(commit, dict):
            raise PayloadError(f"commits.{index}", "must be an object")
        try:
            parsed.append(_push_commit(commit))
        except PayloadError as error:
            raise PayloadError(f"commits.{index}.{error.field}", error.message) from error
    return PushData(
        repository_full_name=repository_full_name(payload),
        ref=_get(payload, "ref", required=False) or "",
        commits=parsed,
    )
