"""390 × 844 (a phone): no page scrolls sideways, in the light and the dark theme."""

import pytest

from sampledata.demo import DEMO_PASSWORD, demo_seed
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

PAGES = ["/", "/integrations/", "/settings/"]
# What sticks out of the viewport (outside a table's own scrolling wrapper), for the message.
WIDEST_ELEMENTS = """[...document.querySelectorAll("body *")]
  .filter(e => !e.closest(".table-wrap") && e.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 5).map(e => `${e.tagName}.${e.className}#${e.id}`)"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, scheme):
    demo = demo_seed()
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, color_scheme=scheme
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", demo.username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path in PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
        wide = page.evaluate(WIDEST_ELEMENTS)
        assert overflow[0] <= overflow[1], (path, overflow, wide)
        name = path.strip("/") or "dashboard"
        page.screenshot(path=SCREENSHOTS / f"phone-{scheme}-{name}.png", full_page=True)
    context.close()
