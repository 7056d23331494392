"""Model rules the database computes."""

import pytest

from repositories.models import PullRequest
from tests.factories import make_pull_request, make_repository


@pytest.mark.parametrize(
    ("title", "marks_failure"),
    [
        ("Revert checkout", True),
        ("HOTFIX: login", True),
        ("Roll back pricing (rollback)", True),
        ("[CFR] payments timeout", True),
        ("[cfr]", True),
        ("cfr without brackets", False),
        ("Reverted a flaky test", True),
        ("Add search", False),
        ("", False),
    ],
)
def test_title_marks_failure_is_the_reference_title_rule(organization, title, marks_failure):
    make_pull_request(make_repository(organization), 1, title=title)
    assert PullRequest.objects.get().title_marks_failure is marks_failure


def test_title_marks_failure_follows_an_edited_title(organization):
    pull_request = make_pull_request(make_repository(organization), 1, title="Add search")
    pull_request.title = "Hotfix search"
    pull_request.save()
    assert PullRequest.objects.values_list("title_marks_failure", flat=True).get() is True

    PullRequest.objects.update(title="Search, done right")
    assert PullRequest.objects.values_list("title_marks_failure", flat=True).get() is False
