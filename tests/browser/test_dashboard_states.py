"""Screenshots of the demo dashboard's states at 1440×900, for comparing before and after."""

import pytest
from django.contrib.auth import get_user_model

from sampledata.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_seed

pytestmark = pytest.mark.browser


def _wait_for_charts(page) -> None:
    for chart in ("#chart-frequency", "#chart-lead-time", "#chart-deploy-time"):
        page.wait_for_selector(f"{chart} .main-svg")


def test_the_demo_dashboard_states_look_finished(page, login, screenshot):
    demo_seed()
    login(get_user_model().objects.get(username=DEMO_USERNAME), password=DEMO_PASSWORD)
    page.set_viewport_size({"width": 1440, "height": 900})
    for state, url in [
        ("default", "/"),
        ("26-weeks-team", "/?weeks=26&team=payments"),
        ("52-weeks-p90", "/?weeks=52&statistic=p90"),
    ]:
        page.goto(url)
        _wait_for_charts(page)
        screenshot(state)
        page.locator("#drilldown").scroll_into_view_if_needed()
        screenshot(f"{state}-drilldown")
