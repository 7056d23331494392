"""GitLab history in a real browser: an admin pastes a token on the GitLab card, tracks a
nested-group project, the background worker syncs it from the fake GitLab on 127.0.0.1, and
the dashboard shows the merge requests' lead-time parts, linked to GitLab."""

import pytest

from repositories.models import PullRequest
from tests.repositories.fake_gitlab import BOB, TOKEN, add_merged, at, note, served

pytestmark = pytest.mark.browser
PATH = "platform/payments/checkout"


@pytest.fixture
def gitlab(settings, monkeypatch):
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    with served(settings, monkeypatch) as fake:
        for iid in (1, 2):
            # Commits on Nov 1 and 2, opened Nov 3, approved Nov 4, merged Nov 1x at 10:00.
            add_merged(
                fake,
                iid,
                updated_day=10 + iid,
                title=f"Backfilled MR {iid}",
                created_at=at(3),
                notes=[note("approved this merge request", author=BOB, created_at=at(4))],
            )
        yield fake


def test_an_admin_connects_gitlab_history_and_sees_lead_time_parts(
    page, login, admin, gitlab, run_worker, screenshot
):
    login(admin, next_path="/integrations/")
    card = page.locator("#gitlab-card")
    card.get_by_label("GitLab token").fill(TOKEN)
    card.get_by_role("button", name="Check and save token").click()
    page.wait_for_url("**/integrations/#gitlab-card")
    assert "Shiplog reads GitLab as @ada" in page.locator(".messages").inner_text()

    card.get_by_label("Project path").fill(PATH)
    card.get_by_role("button", name="Track project").click()
    page.wait_for_url("**/integrations/#gitlab-card")
    row = card.locator(f'tr[data-repository="{PATH}"]')
    assert "Queued" in row.inner_text()
    assert TOKEN not in page.content()

    run_worker()
    page.reload()
    assert "ago" in row.inner_text() and row.locator("td.num").inner_text().strip() == "2"
    screenshot("synced")
    assert PullRequest.objects.count() == 2

    page.get_by_role("link", name="Dashboard").first.click()
    merge_request = page.locator("#pull-requests-table tr", has_text="Backfilled MR 1")
    cells = merge_request.locator("td.num").all_inner_texts()
    # Coding (Nov 1 12:00 → opened Nov 3 12:00), review wait (→ approved Nov 4 12:00),
    # editing (→ merged Nov 11 10:00); no deployment yet, so it ends at merge.
    assert cells[1:4] == ["2d", "1d", "6d 22h"], cells
    link = merge_request.get_by_role("link", name="Backfilled MR 1")
    assert link.get_attribute("href") == f"{gitlab.url}/{PATH}/-/merge_requests/1"
    screenshot("dashboard")
