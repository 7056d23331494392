"""An organization admin changes what counts on /settings/ and, once the background worker
has applied it, the dashboard follows."""

from datetime import timedelta

import pytest

from tests.metrics.helpers import make_deployment
from tests.metrics.test_pages import build_history

pytestmark = pytest.mark.browser

RANGE = "/?weeks=custom&from=2026-01-05&to=2026-01-18&granularity=day"


def _deployment_count(page) -> str:
    return page.inner_text("#tile-frequency .meta").split(" ")[0]


def test_an_admin_counts_production_only_and_the_dashboard_follows(
    page, login, admin, organization, screenshot, run_worker
):
    build_history(organization, deployments=3, pull_requests=3)
    # Staging got two of the three production releases first.
    for deployment in organization.deployments.order_by("deployed_at")[:2]:
        make_deployment(
            organization,
            commits=[row.commit for row in deployment.deployment_commits.select_related("commit")],
            environment="staging",
            deployed_at=deployment.deployed_at - timedelta(hours=2),
        )
    login(admin, next_path=RANGE)
    assert _deployment_count(page) == "5"

    page.click("nav >> text=Settings")
    page.wait_for_url("**/settings/")
    staging = page.get_by_label("staging")
    production = page.get_by_label("production")
    assert not staging.is_checked() and not production.is_checked()
    screenshot("settings-before")
    production.check()
    page.click("#counting button[type=submit]")
    page.wait_for_url("**/settings/#counting")
    counting = page.inner_text("#counting")
    assert "Being applied by the background worker: production" in counting
    assert "Now counting every environment" in counting
    screenshot("settings-production-queued")

    run_worker()
    page.reload()
    assert "Now counting: production" in page.inner_text("#counting")
    assert "Being applied" not in page.inner_text("#counting")
    assert page.get_by_label("production").is_checked()
    screenshot("settings-production-only")

    page.goto(RANGE)
    assert _deployment_count(page) == "3"

    # Ticking none again counts every environment.
    page.goto("/settings/")
    page.get_by_label("production").uncheck()
    page.click("#counting button[type=submit]")
    page.wait_for_url("**/settings/#counting")
    run_worker()
    page.goto(RANGE)
    assert _deployment_count(page) == "5"
