"""The incidents on the dashboard in a real browser: the demo's five incidents in the table
with why each is attributed, the data-quality panel's link to it, the rework tile, and an
admin correcting one incident's attribution from its page."""

import pytest
from django.contrib.auth import get_user_model

from sampledata.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_seed

pytestmark = pytest.mark.browser


def test_the_incidents_table_says_why_each_incident_is_attributed(page, login):
    demo_seed()
    login(get_user_model().objects.get(username=DEMO_USERNAME), password=DEMO_PASSWORD)
    page.goto("/?weeks=26")

    # The panel counts them and links to the table.
    quality = page.locator("#quality-incidents")
    assert "Attributed to a deployment\n4" in quality.inner_text()
    quality.locator("a[href='#incidents']").click()
    page.wait_for_function("location.hash === '#incidents'")
    assert page.locator("#incidents").is_visible()

    rows = page.locator("#incidents-table tbody tr").all()
    assert len(rows) == 5
    why = [row.get_attribute("data-attribution") for row in rows]
    assert sorted(why) == ["explicit", "rule", "rule", "rule", "unattributed"]
    unattributed = page.locator("#incidents-table tr[data-attribution='unattributed']")
    assert "Unknown repository acme/legacy-billing" in unattributed.inner_text()
    assert "None" in unattributed.inner_text()
    explicit = page.locator("#incidents-table tr[data-attribution='explicit']")
    assert "acme/web · production" in explicit.inner_text()
    assert "The latest counted deployment carrying" in explicit.inner_text()
    # The open PagerDuty incident.
    assert page.locator("#incidents-table .badge", has_text="Open").count() == 1
    assert page.inner_text("#tile-rework .value").endswith("%")


def test_an_admin_reattributes_an_incident_from_the_dashboard(page, login, screenshot):
    demo_seed()
    login(get_user_model().objects.get(username=DEMO_USERNAME), password=DEMO_PASSWORD)
    page.goto("/?weeks=26&statistic=p75")
    row = page.locator("#incidents-table tr[data-attribution='rule']").first
    title = row.locator("td.title-cell a").inner_text()

    row.locator("td.title-cell a").click()

    page.wait_for_url("**/incidents/*/?weeks=26&statistic=p75")
    assert page.locator("h1").inner_text() == title
    assert "The latest counted deployment of its repository" in page.inner_text("#attribution-why")
    candidates = page.locator("#candidates tbody tr")
    assert candidates.count() >= 2
    # The rule's pick is marked; attribute the incident to the one deployed before it.
    assert "Attributed" in candidates.nth(0).inner_text()
    picked = candidates.nth(1)
    picked_when = picked.locator("td").first.inner_text()
    screenshot("incident before correction")
    picked.get_by_role("button", name="Attribute to this one").click()

    page.wait_for_url("**/incidents/*/?weeks=26&statistic=p75")
    assert "Attributed to that deployment" in page.inner_text(".messages")
    assert "Explicit · Attributed by an admin" in page.inner_text("#attribution-why")
    assert picked_when in page.inner_text("#attributed-deployment")
    screenshot("incident corrected")

    page.get_by_role("link", name="← Back to the dashboard").click()
    page.wait_for_url("**/?weeks=26&statistic=p75#incidents")
    corrected = page.locator("#incidents-table tr", has_text=title)
    assert "Attributed by an admin" in corrected.inner_text()
    assert corrected.get_attribute("data-attribution") == "explicit"

    # Back on its page: detach, then hand it back to the rule.
    corrected.locator("td.title-cell a").click()
    page.get_by_role("button", name="No deployment caused it").click()
    page.wait_for_url("**/incidents/*/?weeks=26&statistic=p75")
    assert "Detached by an admin" in page.inner_text("#attribution-why")
    assert page.inner_text("#attributed-deployment") == "None"
    page.get_by_role("button", name="Let the rule attribute it").click()
    page.wait_for_url("**/incidents/*/?weeks=26&statistic=p75")
    assert "The latest counted deployment of its repository" in page.inner_text("#attribution-why")
