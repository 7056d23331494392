"""The incidents on the dashboard in a real browser: the demo's five incidents in the table
with why each is attributed, the data-quality panel's link to it, and the rework tile."""

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
