"""GitLab webhook payloads (gitlab.com and self-managed), parsed into plain records, and
GitLab's own code-history rules: which commit lands a merge request, which note is a review.

Nothing here touches the database; a payload that cannot be parsed raises PayloadError
naming the field before anything is stored. Field names are those of GitLab's documented
examples (doc/user/project/integrations/webhook_events.md); every value is checked by
repositories.payload_fields, as GitHub's are.
"""

import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from config.fields import column_length
from organizations.services import AuthorIdentity
from repositories.models import (
    REPOSITORY_FULL_NAME,
    REPOSITORY_FULL_NAME_MESSAGE,
    Commit,
    PullRequest,
    Repository,
    WebhookDelivery,
)
from repositories.payload_fields import (
    PayloadError,
    field,
    objects,
    positive_integer,
    sha_field,
    storable,
    text,
)
from repositories.payload_fields import time_field as _time
from repositories.services import CodeHost, CommitData, PullRequestData

BRANCH_REF_PREFIX = "refs/heads/"
REF_LENGTH = column_length(WebhookDelivery, "ref")
BRANCH_LENGTH = min(column_length(PullRequest, "head_branch"), REF_LENGTH - len(BRANCH_REF_PREFIX))
# object_attributes.action of a Merge Request Hook; "approval" is one user approving,
# "approved" all required approvals given.
MERGE_REQUEST_ACTIONS = {
    "open",
    "reopen",
    "update",
    "close",
    "merge",
    "approval",
    "approved",
    "unapproval",
    "unapproved",
}
APPROVAL_ACTIONS = {"approval", "approved"}
# GitLab writes "[REDACTED]" for an author without a public email: no identity to resolve.
REDACTED_EMAIL = "[REDACTED]"
_SHA = re.compile(r"^[0-9a-f]{40}$")
_SHORT_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_FULL_NAME = re.compile(REPOSITORY_FULL_NAME)


def token_is_valid(*, secret: str, token: str) -> bool:
    """X-Gitlab-Token is the webhook's secret token itself, compared in constant time."""
    return bool(token) and hmac.compare_digest(secret.encode(), token.encode())


def landing_commit(*, merge_commit_sha: str, squash_commit_sha: str, head_sha: str) -> str:
    """The commit a merged MR put on its target branch: its merge commit; else, squashed
    without a merge commit, the squash commit; else (a fast-forward merge) its head."""
    return merge_commit_sha or squash_commit_sha or head_sha


def note_counts_as_review(*, note: str, system: bool) -> bool:
    """A person's comment is a review; of GitLab's system notes only an approval is
    ("approved this merge request"), not "added 1 commit", "changed the description"…"""
    if not system:
        return True
    return note.strip().lower().startswith("approved this merge request")


@dataclass(frozen=True)
class Project:
    full_name: str
    host: CodeHost


@dataclass(frozen=True)
class MergeRequestData:
    project: Project
    pull_request: PullRequestData
    # GitLab says merged, but the delivery carries no merge time (only the merge event and
    # the API do): usable only for an MR already recorded as merged.
    merge_time_missing: bool = False
    # The MR's other landing candidates (squash commit, head), members when Shiplog knows them.
    landing_shas: tuple[str, ...] = ()
    # The landing commit is the head only because GitLab named no merge or squash commit:
    # right for a fast-forward merge, a stand-in for a squashed one (GitLab's hooks omit
    # squash_commit_sha, gitlab-org/gitlab#415449), which a later snapshot corrects.
    landing_is_head: bool = False


@dataclass(frozen=True)
class ReviewData:
    merge_request: MergeRequestData
    reviewer: AuthorIdentity
    by_author: bool
    # None for an approval: the hook carries no approval time, so it is the delivery's.
    submitted_at: datetime | None


@dataclass(frozen=True)
class NoteData:
    """A Note Hook; `review` is None when the note is not on a merge request or not one."""

    project: Project
    noteable_type: str
    review: ReviewData | None


@dataclass(frozen=True)
class PushData:
    project: Project
    ref: str
    commits: list[CommitData]
    total_commits_count: int


@dataclass(frozen=True)
class DeploymentData:
    """A Deployment Hook; strings are checked storable, not cut (deployments owns them)."""

    project: Project
    status: str
    environment: str
    sha: str
    status_changed_at: datetime
    title: str


def project_parse(payload: dict) -> Project:
    """The project's path and its host's web root: web_url less the path (a self-managed
    GitLab may live under a sub-path, https://example.com/gitlab)."""
    full_name = field(payload, "project.path_with_namespace")
    if not _FULL_NAME.match(full_name) or len(full_name) > column_length(Repository, "full_name"):
        raise PayloadError("project.path_with_namespace", REPOSITORY_FULL_NAME_MESSAGE)
    web_url = field(payload, "project.web_url").rstrip("/")
    parts = urlsplit(web_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PayloadError("project.web_url", "must be an http(s) URL")
    suffix = "/" + full_name
    root = web_url[: -len(suffix)] if web_url.endswith(suffix) else f"{parts[0]}://{parts[1]}"
    if len(root) > column_length(Repository, "host_url"):
        raise PayloadError("project.web_url", "is longer than a host URL can be")
    return Project(full_name=full_name, host=CodeHost(kind=Repository.Host.GITLAB, url=root))


def user_parse(payload: dict, path: str) -> AuthorIdentity:
    """A GitLab user object (a hook's `user`, an API item's `author`)."""
    field(payload, path, dict, required=False)
    email = text(payload, f"{path}.email", column_length(Commit, "author_email"))
    return AuthorIdentity(
        name=text(payload, f"{path}.name", column_length(Commit, "author_name")),
        email="" if email == REDACTED_EMAIL else email,
        login=text(payload, f"{path}.username", column_length(Commit, "author_login")),
    )


def _optional_id(payload: dict, path: str) -> int | None:
    return (
        None
        if field(payload, path, int, required=False) is None
        else positive_integer(payload, path)
    )


def _optional_sha(payload: dict, path: str) -> str:
    value = (field(payload, path, required=False) or "").lower()
    if value and not _SHA.match(value):
        raise PayloadError(path, "is not a 40-character SHA")
    return value


def _head_branch(payload: dict, path: str) -> str:
    # An MR from a fork is recorded as "fork/path:branch" (git forbids ":" in branch names),
    # so pushes to a same-named branch of this project never match it.
    branch = field(payload, f"{path}.source_branch")
    source = field(payload, f"{path}.source_project_id", int, required=False)
    target = field(payload, f"{path}.target_project_id", int, required=False)
    if source is not None and target is not None and source != target:
        fork = field(payload, f"{path}.source.path_with_namespace", required=False) or source
        branch = f"{fork}:{branch}"
    return branch[:BRANCH_LENGTH]


def _state(payload: dict, path: str) -> str:
    state = field(payload, f"{path}.state")
    if state == "merged":
        return PullRequest.State.MERGED
    # "locked" is GitLab's state while a merge is under way: still open.
    return PullRequest.State.CLOSED if state == "closed" else PullRequest.State.OPEN


def merge_request_parse(
    payload: dict, path: str, *, author: AuthorIdentity, merged_now: bool
) -> MergeRequestData:
    """The MR at `path` (object_attributes of a Merge Request Hook, merge_request of a Note
    Hook). Its merge time is `merged_at` when GitLab sends one, else, for the merge event
    itself (`merged_now`), the MR's updated_at."""
    field(payload, path, dict)
    state = _state(payload, path)
    updated_at = _time(payload, f"{path}.updated_at", required=False)
    merged_at = None
    if state == PullRequest.State.MERGED:
        merged_at = _time(payload, f"{path}.merged_at", required=False)
        merged_at = merged_at or (updated_at if merged_now else None)
    merge_sha = _optional_sha(payload, f"{path}.merge_commit_sha")
    squash_sha = _optional_sha(payload, f"{path}.squash_commit_sha")
    # A hook names the head last_commit.id, the API `sha`.
    head_sha = _optional_sha(payload, f"{path}.last_commit.id") or _optional_sha(
        payload, f"{path}.sha"
    )
    landing = ""
    if state == PullRequest.State.MERGED:
        landing = landing_commit(
            merge_commit_sha=merge_sha, squash_commit_sha=squash_sha, head_sha=head_sha
        )
        if not landing:
            raise PayloadError(f"{path}.merge_commit_sha", "is missing on a merged merge request")
    pull_request = PullRequestData(
        number=positive_integer(payload, f"{path}.iid"),
        title=text(payload, f"{path}.title", column_length(PullRequest, "title")),
        state=state,
        author=author,
        is_draft=bool(
            field(payload, f"{path}.draft", bool, required=False)
            or field(payload, f"{path}.work_in_progress", bool, required=False)
        ),
        head_branch=_head_branch(payload, path),
        # Opened when created, drafts too: GitLab's API does not say when an MR left draft.
        opened_at=_time(payload, f"{path}.created_at"),
        merged_at=merged_at,
        merge_commit_sha=landing,
        updated_at=updated_at,
    )
    others = tuple(sha for sha in dict.fromkeys((squash_sha, head_sha)) if sha and sha != landing)
    return MergeRequestData(
        project=project_parse(payload),
        pull_request=pull_request,
        merge_time_missing=state == PullRequest.State.MERGED and merged_at is None,
        landing_shas=others if landing else (),
        landing_is_head=bool(landing) and not (merge_sha or squash_sha),
    )


def _is_author(payload: dict, user_path: str, author_id_path: str) -> bool:
    user_id = _optional_id(payload, f"{user_path}.id")
    return user_id is not None and user_id == _optional_id(payload, author_id_path)


def action_of(payload: dict) -> str:
    """object_attributes.action ("" for events without one), cut to its column."""
    field(payload, "object_attributes", dict, required=False)
    return text(payload, "object_attributes.action", column_length(WebhookDelivery, "action"))


def merge_request_hook_parse(payload: dict) -> tuple[MergeRequestData, ReviewData | None]:
    """A Merge Request Hook; an approval is also a review, by the acting user."""
    user = user_parse(payload, "user")
    by_author = _is_author(payload, "user", "object_attributes.author_id")
    action = action_of(payload)
    merge_request = merge_request_parse(
        payload,
        "object_attributes",
        author=user if by_author else AuthorIdentity(),
        merged_now=action == "merge",
    )
    review = None
    if action in APPROVAL_ACTIONS:
        review = ReviewData(merge_request, user, by_author, submitted_at=None)
    return merge_request, review


def note_hook_parse(payload: dict) -> NoteData:
    project = project_parse(payload)
    field(payload, "object_attributes", dict)
    noteable_type = field(payload, "object_attributes.noteable_type")
    note = field(payload, "object_attributes.note", required=False) or ""
    system = bool(field(payload, "object_attributes.system", bool, required=False))
    if noteable_type != "MergeRequest" or not note_counts_as_review(note=note, system=system):
        return NoteData(project=project, noteable_type=noteable_type, review=None)
    user = user_parse(payload, "user")
    by_author = _is_author(payload, "user", "merge_request.author_id")
    merge_request = merge_request_parse(
        payload,
        "merge_request",
        author=user if by_author else AuthorIdentity(),
        merged_now=False,
    )
    submitted_at = _time(payload, "object_attributes.created_at")
    review = ReviewData(merge_request, user, by_author, submitted_at)
    return NoteData(project=project, noteable_type=noteable_type, review=review)


def _push_commit(commit: dict) -> CommitData:
    field(commit, "author", dict, required=False)
    timestamp = _time(commit, "timestamp")
    email = text(commit, "author.email", column_length(Commit, "author_email"))
    return CommitData(
        sha=sha_field(commit, "id"),
        message=field(commit, "message", required=False) or "",
        author=AuthorIdentity(
            name=text(commit, "author.name", column_length(Commit, "author_name")),
            email="" if email == REDACTED_EMAIL else email,
        ),
        authored_at=timestamp,
        committed_at=timestamp,
    )


def push_hook_parse(payload: dict) -> PushData:
    """A Push Hook: at most the newest 20 commits; total_commits_count says how many."""
    parsed = objects(payload, "commits", _push_commit)
    total = field(payload, "total_commits_count", int, required=False)
    if total is not None and not 0 <= total <= 2**31 - 1:
        raise PayloadError("total_commits_count", "must not be negative")
    return PushData(
        project=project_parse(payload),
        ref=text(payload, "ref", REF_LENGTH),
        commits=parsed,
        total_commits_count=len(parsed) if total is None else max(total, len(parsed)),
    )


def _deployed_sha(payload: dict) -> str:
    # The hook carries the commit's full SHA only in commit_url (".../-/commit/<sha>").
    commit_url = field(payload, "commit_url", required=False) or ""
    tail = commit_url.rstrip("/").rsplit("/", 1)[-1].lower()
    if _SHA.match(tail):
        return tail
    short_sha = field(payload, "short_sha").lower()
    if not _SHORT_SHA.match(short_sha):
        raise PayloadError("short_sha", "is not a commit SHA")
    return short_sha


def deployment_hook_parse(payload: dict) -> DeploymentData:
    environment = field(payload, "environment").strip()
    if not environment:
        raise PayloadError("environment", "must not be blank")
    title = field(payload, "commit_title", required=False) or ""
    storable(title, "commit_title")
    return DeploymentData(
        project=project_parse(payload),
        status=field(payload, "status"),
        environment=environment,
        sha=_deployed_sha(payload),
        status_changed_at=_time(payload, "status_changed_at"),
        title=title,
    )
