"""The dashboard in a real browser: charts drawn by plotly.js under the strict CSP, a
repository filter, a click on a bar narrowing the drilldown, and the demo organization.

The shared `page` fixture fails the test on any console error, CSP violations included.
"""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from sampledata.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_seed
from tests.metrics.test_pages import build_history

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
RANGE = "/?weeks=custom&from=2026-01-05&to=2026-01-18&granularity=day"


def _save(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def _wait_for_charts(page) -> None:
    for chart in ("#chart-frequency", "#chart-lead-time", "#chart-deploy-time"):
        page.wait_for_selector(f"{chart} .main-svg")


def _deployment_titles(page) -> list[str]:
    return page.locator("#deployments-table tbody td.title-cell").all_inner_texts()


def test_a_manager_filters_and_drills_into_a_day(page, login, member, organization):
    build_history(organization, deployments=3, pull_requests=6, prefix="web")
    build_history(organization, deployments=2, pull_requests=2, prefix="api")
    login(member, next_path=RANGE)
    _wait_for_charts(page)
    assert len(_deployment_titles(page)) == 5

    page.click("#picker-repository summary")
    page.check("#picker-repository input[value='acme/web']")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**repository=acme%2Fweb**")
    _wait_for_charts(page)
    assert sorted(_deployment_titles(page)) == ["Release web 0", "Release web 1", "Release web 2"]
    _save(page, "dashboard-filtered.png")

    # The second day's bar (01-06) of the team: plotly picks the point under the mouse.
    bar = page.locator("#chart-frequency g.trace.bars g.point path").nth(1)
    # In view first: with six tiles the chart may start below the window's fold.
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**period=2026-01-06**")
    _wait_for_charts(page)

    assert _deployment_titles(page) == ["Release web 1"]
    assert "6 Jan 2026" in page.inner_text("#period-chip")
    assert "repository=acme%2Fweb" in page.url
    _save(page, "dashboard-drilldown.png")


def test_the_demo_organization_dashboard_looks_finished(page, login):
    demo_seed()
    login(get_user_model().objects.get(username=DEMO_USERNAME), password=DEMO_PASSWORD)
    page.goto("/?weeks=26")
    _wait_for_charts(page)

    for tile in ("#tile-frequency", "#tile-lead-time", "#tile-deploy-time"):
        assert page.inner_text(f"{tile} .value") not in ("", "—")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.screenshot(path=SCREENSHOTS / "dashboard-demo.png")
    _save(page, "dashboard-demo-full.png")
