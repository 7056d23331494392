"""The tiles in a real browser: each shows its change against the previous period, coloured
by whether the change is good for the metric, with a text alternative for the arrow; the
chart tables open from the keyboard."""

import pytest

from tests.metrics.test_previous_period import build_two_periods

pytestmark = pytest.mark.browser

RANGE = "/?weeks=custom&from=2026-01-05&to=2026-02-01"


def test_a_tile_shows_the_change_and_the_previous_value(
    page, login, member, organization, screenshot
):
    # Hand-computed (tests/metrics/test_previous_period.py): the 28 days from 01-05 hold 4
    # deployments = 1.00 per week; the 28 days before (2025-12-08 – 2026-01-04) hold 3 =
    # 0.75 per week: ▲ +0.25, better. Lead time: 1 day now, 2 days before: ▼ −1d, better.
    build_two_periods(organization)
    login(member, next_path=RANGE)
    page.wait_for_selector("#chart-frequency .main-svg")

    frequency = page.locator("#tile-frequency .change")
    assert "▲ +0.25" in frequency.inner_text()
    assert "previous 0.75" in frequency.inner_text()
    assert "better" in frequency.get_attribute("class")
    arrow = page.locator("#tile-frequency .change .arrow")
    assert arrow.get_attribute("aria-label") == "Up 0.25 from 0.75, better"
    lead_time = page.locator("#tile-lead-time .change")
    assert "▼ −1d" in lead_time.inner_text()
    assert "previous 2d" in lead_time.inner_text()
    # Down is good for lead time: the same colour as a rise in deployments.
    assert lead_time.locator(".arrow").evaluate("e => getComputedStyle(e).color") == (
        frequency.locator(".arrow").evaluate("e => getComputedStyle(e).color")
    )
    assert "8 Dec 2025 – 4 Jan 2026" in page.inner_text("#previous-range")
    screenshot("tiles-with-previous-period")

    # The change failure rate chart's table opens from the keyboard.
    summary = page.locator("#chart-failure-rate ~ details.chart-table summary")
    summary.focus()
    page.keyboard.press("Enter")
    table = page.locator("#chart-failure-rate ~ details.chart-table table")
    assert table.is_visible()
    assert "33.3 (1 of 3)" in table.inner_text()
    assert page.locator("#team-comparison-table tr[data-team=platform]").is_visible()
    screenshot("failure-rate-table-and-team-comparison")
