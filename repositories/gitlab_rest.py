"""GitLab REST API v4 responses (merge requests, notes, commits) parsed into the services'
records. An API merge request has the shape of a hook's MR, so it goes through the webhook's
parser (`gitlab.merge_request_parse`): one reading of GitLab's MR fields, including the
landing-commit rule. Nothing here touches the database.
"""

from datetime import datetime

from config.fields import column_length
from organizations.services import AuthorIdentity
from repositories import gitlab
from repositories.models import Commit
from repositories.payload_fields import PayloadError, field, sha_field, text
from repositories.payload_fields import time_field as _time
from repositories.services import CommitData, PullRequestReviewData


def _wrapped(full_name: str, web_url: str, item: object) -> dict:
    if not isinstance(item, dict):
        raise PayloadError("merge_request", "must be an object")
    return {"project": {"path_with_namespace": full_name, "web_url": web_url}, "mr": item}


def merge_request_updated_at(item: dict) -> datetime:
    return _time({"mr": item}, "mr.updated_at")


def merge_request_from_rest(
    *, full_name: str, web_url: str, item: dict
) -> gitlab.MergeRequestData:
    """An item of GET /projects/:id/merge_requests (it has author and merged_at)."""
    payload = _wrapped(full_name, web_url, item)
    author = gitlab.user_parse(payload, "mr.author")
    return gitlab.merge_request_parse(payload, "mr", author=author, merged_now=False)


def reviews_from_notes(*, notes: list, author_id: int | None) -> list[PullRequestReviewData]:
    """The notes of GET .../merge_requests/:iid/notes that are reviews (a person's comment,
    or the system note of an approval), each by_author when its author is the MR's."""
    reviews = []
    for index, note in enumerate(notes):
        payload = {"note": note}
        field(payload, "note", dict)
        body = field(payload, "note.body", required=False) or ""
        system = bool(field(payload, "note.system", bool, required=False))
        if not gitlab.note_counts_as_review(note=body, system=system):
            continue
        reviewer = gitlab.user_parse(payload, "note.author")
        note_author_id = field(payload, "note.author.id", int, required=False)
        try:
            submitted_at = _time(payload, "note.created_at")
        except PayloadError as error:
            raise PayloadError(f"notes.{index}.created_at", error.message) from error
        reviews.append(
            PullRequestReviewData(
                reviewer=reviewer,
                submitted_at=submitted_at,
                by_author=author_id is not None and note_author_id == author_id,
            )
        )
    return reviews


def commit_from_rest(item: object) -> CommitData:
    """An item of GET .../merge_requests/:iid/commits, of a compare, or GET
    .../repository/commits/:sha."""
    payload = {"commit": item}
    field(payload, "commit", dict)
    authored_at = _time(payload, "commit.authored_date")
    committed = field(payload, "commit.committed_date", required=False)
    email = text(payload, "commit.author_email", column_length(Commit, "author_email"))
    return CommitData(
        sha=sha_field(payload, "commit.id"),
        message=(field(payload, "commit.message", required=False) or "").replace("\0", ""),
        author=AuthorIdentity(
            name=text(payload, "commit.author_name", column_length(Commit, "author_name")),
            email="" if email == gitlab.REDACTED_EMAIL else email,
        ),
        authored_at=authored_at,
        committed_at=_time(payload, "commit.committed_date") if committed else authored_at,
    )
