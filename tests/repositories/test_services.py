"""Repository services at their seam: a PR's first commit follows its commits."""

from datetime import UTC, datetime

from repositories.models import PullRequest
from repositories.services import pull_request_commits_add
from tests.factories import make_commit, make_pull_request, make_repository


def at(hour: int) -> datetime:
    return datetime(2026, 2, 3, hour, tzinfo=UTC)


def test_first_commit_at_follows_the_earliest_commit_added(organization):
    repo = make_repository(organization)
    first, second = make_pull_request(repo, 1), make_pull_request(repo, 2)
    noon, nine, eleven = (make_commit(repo, at=at(hour)) for hour in (12, 9, 11))

    assert pull_request_commits_add(
        organization_id=first.organization_id, memberships=[(first.pk, noon.pk)]
    ) == {first.pk}
    pull_request_commits_add(
        organization_id=first.organization_id,
        memberships=[(first.pk, nine.pk), (second.pk, eleven.pk)],
    )
    # Adding a later commit changes nothing; adding a known pair is not a change.
    pull_request_commits_add(
        organization_id=first.organization_id, memberships=[(second.pk, noon.pk)]
    )
    assert (
        pull_request_commits_add(
            organization_id=first.organization_id, memberships=[(first.pk, nine.pk)]
        )
        == set()
    )

    first_commit = dict(PullRequest.objects.values_list("number", "first_commit_at"))
    assert first_commit == {1: at(9), 2: at(11)}
