"""The Integrations page's GitHub card shows where each repository's backfill stands."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from repositories.sync_models import GitHubSyncState
from tests.factories import make_repository

pytestmark = pytest.mark.django_db


def _sync(organization, full_name, **fields) -> GitHubSyncState:
    repository = make_repository(organization, full_name)
    return GitHubSyncState.objects.create(
        organization=organization, repository=repository, **fields
    )


def test_the_card_shows_each_repositorys_progress_and_last_error(
    admin_client, organization, other_organization
):
    _sync(
        organization,
        "acme/web",
        pull_requests_done=1240,
        pull_requests_estimate=2000,
        next_page_url="http://127.0.0.1/next",
        last_error="GitHub answered 502 four times",
    )
    _sync(
        organization,
        "acme/api",
        pull_requests_done=310,
        pull_requests_estimate=310,
        last_synced_at=timezone.now() - timedelta(minutes=5),
    )
    _sync(other_organization, "globex/secret", pull_requests_done=7)

    page = admin_client.get(reverse("integrations")).content.decode()

    assert "acme/web" in page and "1,240 of ~2,000" in page and "(under way)" in page
    assert "GitHub answered 502 four times" in page
    assert "acme/api" in page and "5\xa0minutes ago" in page
    assert page.index("acme/api") < page.index("acme/web")
    assert "globex/secret" not in page


def test_without_a_backfill_the_card_has_no_history_table(admin_client, organization):
    page = admin_client.get(reverse("integrations")).content.decode()
    assert 'class="github-syncs"' not in page
