"""Playwright fixtures shared by the browser tests: Debian's Chromium, a page that fails the
test on any console error, screenshots (per step and on failure), and a login helper."""

import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "correct horse battery"  # tests.factories.make_user's default


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # The page fixture reads this at teardown to decide whether to keep a failure screenshot.
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # alongside it are still synchronous, so Django's async-safety guard must stand aside.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def _record_console_error(page, message) -> None:
    if message.type == "error":
        page.console_errors.append(f"{message.text} ({message.location.get('url')})")


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(
        base_url=live_server.url,
        permissions=["clipboard-read", "clipboard-write"],
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: _record_console_error(page, message))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=SCREENSHOTS / f"{_slug(request.node.name)}-FAILED.png", full_page=True
        )
    errors = list(page.console_errors)
    context.close()
    if errors:
        pytest.fail(f"Console errors in the browser: {errors}")


@pytest.fixture
def screenshot(page, request):
    """Save a numbered screenshot of the current state; returns the file name."""
    counter = iter(range(1, 100))

    def take(state: str) -> str:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = f"{_slug(request.node.name)}-{next(counter):02d}-{_slug(state)}.png"
        page.screenshot(path=SCREENSHOTS / name)
        return name

    return take


@pytest.fixture
def login(page):
    """Log in through the real login form, as a person would."""

    def log_in(user, *, next_path: str = "/", password: str = PASSWORD) -> None:
        page.goto(f"/accounts/login/?next={quote(next_path)}")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return log_in
