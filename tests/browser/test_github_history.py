"""GitHub history in a real browser: an admin pastes a token on the Integrations card, picks
a repository, watches the background sync's progress, then finds the lead-time parts of the
backfilled pull requests on the dashboard. GitHub is the fake one on 127.0.0.1; the sync runs
in procrastinate's real worker."""

import pytest

from repositories.models import PullRequest
from tests.repositories.fake_github import TOKEN, add_merged, at, review, served

pytestmark = pytest.mark.browser


@pytest.fixture
def github(settings, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with served(settings, monkeypatch) as fake:
        fake.visible = ["acme/api", "acme/web"]
        for number in (1, 2):
            # Commits on Nov 1 and 2, opened Nov 3, reviewed Nov 4, merged Nov 1x at 10:00.
            add_merged(
                fake,
                number,
                updated_day=10 + number,
                title=f"Backfilled change {number}",
                created_at=at(3),
                reviews=[review("monalisa", submitted_at=at(4))],
            )
        yield fake


def _row(page, full_name: str):
    return page.locator(f'#github-card tr[data-repository="{full_name}"]')


def test_an_admin_connects_github_history_and_sees_lead_time_parts(
    page, login, admin, github, run_worker, screenshot
):
    login(admin, next_path="/integrations/")
    card = page.locator("#github-card")
    card.get_by_label("GitHub token").fill(TOKEN)
    card.get_by_role("button", name="Check and save token").click()

    page.wait_for_url("**/integrations/github/repositories/")
    assert (
        "Token saved: Shiplog reads GitHub as @octocat." in page.locator(".messages").inner_text()
    )
    assert page.get_by_label("acme/api").is_visible()
    page.get_by_label("acme/web").check()
    screenshot("repository picked")
    page.get_by_role("button", name="Track selected repositories").click()

    page.wait_for_url("**/integrations/#github-card")
    assert "Reading GitHub as @octocat" in card.inner_text()
    assert "Queued" in _row(page, "acme/web").inner_text()
    assert TOKEN not in page.content()

    run_worker()
    page.reload()

    row = _row(page, "acme/web")
    assert "ago" in row.inner_text() and row.locator("td.num").inner_text().strip() == "2"
    assert "None" in row.inner_text()  # no error
    screenshot("synced")
    assert PullRequest.objects.count() == 2

    page.get_by_role("link", name="Dashboard").first.click()
    table = page.locator("#pull-requests-table")
    pull_request = table.locator("tr", has_text="Backfilled change 1")
    cells = pull_request.locator("td.num").all_inner_texts()
    # Lead time, coding (Nov 1 12:00 → opened Nov 3 12:00), review wait (→ Nov 4 12:00),
    # editing (→ merged Nov 11 10:00); no deployment yet, so it ends at merge.
    assert cells[1:4] == ["2d", "1d", "6d 22h"], cells
    screenshot("dashboard")
