"""The code-history rules the GitHub backfill added to repositories/services.py, tested on
the services themselves."""

from datetime import UTC, datetime

import pytest

from organizations.services import AuthorIdentity
from repositories.services import (
    PullRequestData,
    PullRequestReviewData,
    pull_request_reviews_record,
    pull_request_upsert,
    review_counts_as_first_review,
)
from tests.factories import make_contributor, make_repository

OPENED = datetime(2026, 11, 2, 9, tzinfo=UTC)


def snapshot(title: str, updated_at: datetime | None) -> PullRequestData:
    return PullRequestData(
        number=1,
        title=title,
        state="open",
        author=AuthorIdentity(login="octocat"),
        opened_at=OPENED,
        updated_at=updated_at,
    )


def at(hour: int) -> datetime:
    return datetime(2026, 11, 3, hour, tzinfo=UTC)


@pytest.fixture
def pull_request(organization):
    return pull_request_upsert(
        repository=make_repository(organization), data=snapshot("First", at(10))
    )


def test_an_older_snapshot_changes_nothing(pull_request):
    updated = pull_request_upsert(
        repository=pull_request.repository, data=snapshot("Stale", at(9))
    )
    assert (updated.title, updated.source_updated_at) == ("First", at(10))


def test_a_newer_snapshot_wins_and_moves_the_mark(pull_request):
    updated = pull_request_upsert(
        repository=pull_request.repository, data=snapshot("Newer", at(11))
    )
    assert (updated.title, updated.source_updated_at) == ("Newer", at(11))


def test_a_snapshot_without_updated_at_applies_and_keeps_the_mark(pull_request):
    updated = pull_request_upsert(repository=pull_request.repository, data=snapshot("Hook", None))
    assert (updated.title, updated.source_updated_at) == ("Hook", at(10))


def test_a_title_past_the_column_is_truncated(organization):
    created = pull_request_upsert(
        repository=make_repository(organization), data=snapshot("t" * 1500, at(10))
    )
    assert created.title == "t" * 500


def review(login: str, hour: int | None, state: str = "APPROVED", **identity):
    return PullRequestReviewData(
        reviewer=AuthorIdentity(login=login, **identity),
        submitted_at=at(hour) if hour is not None else None,
        state=state,
    )


@pytest.mark.parametrize(
    ("candidate", "counts"),
    [
        (review("monalisa", 12), True),
        (review("OctoCat", 12), False),
        (review("dependabot[bot]", 12), False),
        (review("ci-helper", 12, is_bot_account=True), False),
        (review("renovate", 12), False),
        (review("monalisa", None, state="PENDING"), False),
        (review("flagged", 12), False),
    ],
)
def test_the_first_review_rule(pull_request, organization, candidate, counts):
    make_contributor(organization, "Flagged", is_bot=True, login="flagged")
    assert review_counts_as_first_review(pull_request=pull_request, review=candidate) is counts


def test_the_earliest_review_that_counts_is_recorded(pull_request):
    reviews = [review("octocat", 11), review("monalisa", 15), review("hubot", 13)]

    assert pull_request_reviews_record(pull_request=pull_request, reviews=reviews)
    pull_request.refresh_from_db()
    assert pull_request.first_review_at == at(13)
    assert not pull_request_reviews_record(pull_request=pull_request, reviews=[review("x", 14)])
