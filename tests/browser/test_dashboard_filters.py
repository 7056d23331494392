"""Filters survive every click (sort headers, pagination, CSV, drilldown), the tiles follow
the statistic, the pickers and chips, and a drilldown row opened with the keyboard."""

import csv
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_commit, make_contributor, make_repository, make_team
from tests.metrics.helpers import make_deployment, make_merged_pr

pytestmark = pytest.mark.browser

START = "/?weeks=26&team=team-web"


def _history(organization, *, prefix: str, deployments: int):
    """Daily deployments ending yesterday, each shipping one PR merged an hour before."""
    team = make_team(organization, f"Team {prefix}", slug=f"team-{prefix}")
    person = make_contributor(organization, f"Person {prefix}", teams=[team])
    repository = make_repository(organization, f"acme/{prefix}")
    first = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    first -= timedelta(days=deployments)
    for day in range(deployments):
        at = first + timedelta(days=day)
        pr = make_merged_pr(
            repository,
            author=person,
            first_commit_at=at - timedelta(days=1),
            merged_at=at - timedelta(hours=1 + day),
            title=f"Change {prefix} {day}",
        )
        make_deployment(
            organization,
            commits=[pr.commit, make_commit(repository, contributor=person, at=at)],
            pull_requests=[pr],
            deployed_at=at,
            title=f"Release {prefix} {day}",
        )


@pytest.fixture
def history(organization):
    _history(organization, prefix="web", deployments=25)
    _history(organization, prefix="api", deployments=3)


def _assert_filters_kept(page):
    assert "weeks=26" in page.url and "team=team-web" in page.url, page.url
    assert page.input_value("#filter-weeks") == "26"
    assert page.locator("#picker-team input[value=team-web]").is_checked()


def test_filters_survive_sort_page_csv_and_drilldown_clicks(
    page, login, member, history, screenshot
):
    login(member, next_path=START)
    _assert_filters_kept(page)
    screenshot("26-weeks-team")

    headers = page.locator("#deployments-table thead a, #pull-requests-table thead a")
    for index in range(headers.count()):
        page.locator("#deployments-table thead a, #pull-requests-table thead a").nth(index).click()
        page.wait_for_load_state()
        _assert_filters_kept(page)
        assert re.search(r"[dp]sort=", page.url)
    screenshot("sorted")

    page.click("#deployments-table a[rel=next]")
    page.wait_for_url("**dpage=2**")
    _assert_filters_kept(page)
    assert page.locator("#deployments-table tbody > tr").count() == 5  # 25 = 20 + 5

    for table, rows in (("deployments", 25), ("pull-requests", 25)):
        with page.expect_download() as download:
            page.click(f"#{table}-table .table-head a.button")
        with open(download.value.path(), newline="") as handle:
            # The team's rows only: the other team's 3 are not in the file.
            assert len(list(csv.reader(handle))) - 1 == rows

    # A click on a bar narrows the drilldown to its period; "show the whole range" undoes it.
    bars = page.locator("#chart-frequency g.trace.bars g.point path")
    page.wait_for_selector("#chart-frequency .main-svg")
    page.locator("#chart-frequency").scroll_into_view_if_needed()
    box = max((bar.bounding_box() for bar in bars.all()), key=lambda box: box["height"])
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.75
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_url("**period=**")
    _assert_filters_kept(page)
    page.click("#clear-period")
    page.wait_for_load_state()
    assert "period=" not in page.url
    _assert_filters_kept(page)


def test_the_tiles_follow_the_statistic(page, login, member, history, screenshot):
    login(member, next_path="/?weeks=26")
    median = page.inner_text("#tile-deploy-time .value")
    assert page.inner_text("#tile-deploy-time .label").startswith("Median")

    page.select_option("select[name=statistic]", "p90")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**statistic=p90**")

    for tile in ("#tile-lead-time", "#tile-deploy-time", "#tile-recovery"):
        assert page.inner_text(f"{tile} .label").startswith("p90")
    # Team web merges 1 … 25 hours before each deploy, team api 1 … 3: deploy times of
    # 1h × 3 and 1h … 25h; the median of the 28 is 11h 30m, the p90 22h 18m.
    assert median == "11h 30m"
    assert page.inner_text("#tile-deploy-time .value") == "22h 18m"
    assert "Statistic: 90th percentile" in page.inner_text("#filter-chips")
    screenshot("p90")


def test_pickers_search_and_chips_remove_one_filter(page, login, member, organization, screenshot):
    for number in range(200):
        make_repository(organization, f"acme/service-{number:03d}")
    _history(organization, prefix="web", deployments=3)
    login(member, next_path="/?weeks=26")

    page.click("#picker-repository summary")
    page.fill("#picker-repository .picker-search", "service-19")
    visible = page.locator("#picker-repository .picker-option:visible")
    assert visible.count() == 10  # service-190 … service-199
    page.check("#picker-repository input[value='acme/service-197']")
    page.fill("#picker-repository .picker-search", "web")
    page.check("#picker-repository input[value='acme/web']")
    assert page.inner_text("#picker-repository summary") == "2 selected"
    page.click("#picker-team summary")
    page.check("#picker-team input[value=team-web]")
    screenshot("pickers")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**team=team-web**")

    chips = page.locator("#filter-chips .chip span")
    assert sorted(chips.all_inner_texts()) == [
        "Range: last 26 weeks",
        "Repository: acme/service-197",
        "Repository: acme/web",
        "Team: Team web",
    ]
    screenshot("chips")
    page.click("#filter-chips a[aria-label='Remove Repository: acme/service-197']")
    page.wait_for_load_state()
    assert "service-197" not in page.url
    assert "repository=acme%2Fweb" in page.url and "team=team-web" in page.url
    assert "weeks=26" in page.url


def test_a_drilldown_row_opens_with_the_keyboard(page, login, member, history, screenshot):
    login(member, next_path=START)
    summary = page.locator("#deployments-table tbody summary").first
    assert summary.inner_text() == "Release web 24"  # the deployment's own title, newest first

    # Tab from the last sort header to the first row's summary, then Enter opens it.
    page.locator("#deployments-table thead a").last.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")

    details = page.locator("#deployments-table tbody details").first
    assert details.get_attribute("open") is not None
    link = details.locator(".shipped a").first
    assert link.inner_text() == "Change web 24"
    assert re.fullmatch(r"https://github\.com/acme/web/pull/\d+", link.get_attribute("href"))
    commit = details.locator(".commits a").first.get_attribute("href")
    assert re.fullmatch(r"https://github\.com/acme/web/commit/[0-9a-f]{40}", commit)
    pr_link = page.locator("#pull-requests-table tbody td.title-cell a").first
    assert pr_link.get_attribute("href").startswith("https://github.com/acme/web/pull/")
    screenshot("drilldown-open")
