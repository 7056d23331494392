"""GitHub REST API responses (pulls, reviews, commits) parsed into the services' records.

A REST pull request has the shape of a webhook's `pull_request`, so it goes through the
webhook parser (`github.pull_request_parse`): one reading of GitHub's PR fields, including
"only a merged PR's merge_commit_sha is real". Nothing here touches the database.
"""

import dataclasses
import re
from datetime import datetime

from organizations.dates import OUT_OF_RANGE_MESSAGE, date_is_supported
from organizations.services import AuthorIdentity
from repositories import github
from repositories.github import PayloadError
from repositories.services import CommitData, PullRequestData, PullRequestReviewData

_SHA = re.compile(r"^[0-9a-f]{40}$")


def time_parse(value: object, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise PayloadError(field, "is not an ISO 8601 time") from error
    if parsed.tzinfo is None:
        raise PayloadError(field, "has no UTC offset")
    if not date_is_supported(parsed):
        raise PayloadError(field, OUT_OF_RANGE_MESSAGE)
    return parsed


def pull_request_updated_at(item: dict) -> datetime:
    return time_parse(item.get("updated_at"), "updated_at")


def pull_request_from_rest(*, full_name: str, item: dict) -> PullRequestData:
    """A list item of GET /repos/{owner}/{repo}/pulls (it has merged_at, not `merged`)."""
    payload = {"pull_request": item, "repository": {"full_name": full_name}}
    data = github.pull_request_parse(payload)
    return dataclasses.replace(data, updated_at=pull_request_updated_at(item))


def _text(value: object) -> str:
    # PostgreSQL text cannot hold NUL; a commit message may (git allows almost anything).
    return str(value or "").replace("\0", "")


def _user(value: object) -> AuthorIdentity:
    user = value if isinstance(value, dict) else {}
    return AuthorIdentity(
        name=_text(user.get("name")),
        login=_text(user.get("login")),
        is_bot_account=user.get("type") == "Bot",
    )


def review_from_rest(item: dict) -> PullRequestReviewData:
    """An item of GET .../pulls/{n}/reviews; a PENDING review has no submitted_at."""
    submitted = item.get("submitted_at")
    return PullRequestReviewData(
        reviewer=_user(item.get("user")),
        submitted_at=time_parse(submitted, "submitted_at") if submitted else None,
        state=_text(item.get("state")),
    )


def commit_from_rest(item: dict) -> CommitData:
    """An item of GET .../pulls/{n}/commits, or GET .../commits/{sha}."""
    sha = str(item.get("sha") or "").lower()
    if not _SHA.match(sha):
        raise PayloadError("sha", "is not a 40-character SHA")
    detail = item.get("commit") if isinstance(item.get("commit"), dict) else {}
    author = detail.get("author") if isinstance(detail.get("author"), dict) else {}
    committer = detail.get("committer") if isinstance(detail.get("committer"), dict) else {}
    account = _user(item.get("author"))
    authored_at = time_parse(author.get("date"), "commit.author.date")
    return CommitData(
        sha=sha,
        message=_text(detail.get("message")),
        author=AuthorIdentity(
            name=_text(author.get("name")),
            email=_text(author.get("email")),
            # A commit whose email GitHub cannot tie to an account has "author": null.
            login=account.login,
            is_bot_account=account.is_bot_account,
        ),
        authored_at=authored_at,
        committed_at=time_parse(committer["date"], "commit.committer.date")
        if committer.get("date")
        else authored_at,
    )
