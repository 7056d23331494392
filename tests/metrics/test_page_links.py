"""Every link the dashboard renders keeps the filters: the test follows the hrefs on the
page (sort headers, pagination, downloads, drilldown, filter chips) and never builds a URL."""

import csv
import io
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

from tests.metrics.test_pages import build_history

RANGE = "weeks=custom&from=2026-01-05&to=2026-02-01"
FILTERS = {"weeks": ["custom"], "from": ["2026-01-05"], "to": ["2026-02-01"]}
FILTERS |= {"team": ["team-web"], "statistic": ["p75"]}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.links.append(dict(attrs))


def _dashboard_links(html: str, base: str) -> list[dict]:
    """The page's links to the dashboard itself and to its downloads, made absolute; a
    bare "/" (the nav, the filters' Reset) starts afresh on purpose."""
    parser = _Links()
    parser.feed(html)
    links = []
    for attrs in parser.links:
        url = urljoin(base, attrs["href"])
        parts = urlsplit(url)
        if parts.query and parts.path in (
            "/",
            "/metrics/deployments.csv",
            "/metrics/pull-requests.csv",
        ):
            links.append(attrs | {"href": url})
    return links


def _kept(url: str, *, removed: str | None = None) -> dict:
    params = parse_qs(urlsplit(url).query)
    return {key: params.get(key) for key in FILTERS if key != removed}


def _csv_rows(response) -> int:
    return len(list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))) - 1


def _followed(client, start: str) -> list[tuple[dict, object]]:
    """Every dashboard link on `start` and on each page it leads to, followed once."""
    seen, followed, pages = {start}, [], [start]
    while pages:
        page = pages.pop()
        response = client.get(page)
        assert response.status_code == 200
        for link in _dashboard_links(response.content.decode(), page):
            url = link["href"].split("#")[0]
            if url in seen or "data-removes" in link:
                continue
            seen.add(url)
            followed.append((link, client.get(url)))
            if urlsplit(url).path == "/" and len(seen) < 12:
                pages.append(url)
    return followed


def test_every_link_on_the_dashboard_keeps_the_filters(organization, member_client):
    # 25 deployments of team web (two pages of 20), 3 of team api that the filter leaves out.
    build_history(organization, deployments=25, pull_requests=25, prefix="web")
    build_history(organization, deployments=3, pull_requests=3, prefix="api")
    start = f"/?{RANGE}&team=team-web&statistic=p75"

    followed = _followed(member_client, start)

    kinds = {urlsplit(link["href"]).path for link, _ in followed}
    assert kinds == {"/", "/metrics/deployments.csv", "/metrics/pull-requests.csv"}
    assert any("dpage=2" in link["href"] for link, _ in followed)
    assert any("dsort=" in link["href"] for link, _ in followed)
    for link, response in followed:
        assert response.status_code == 200, link["href"]
        assert _kept(link["href"]) == FILTERS, link["href"]
        if urlsplit(link["href"]).path == "/":
            query = response.context["query"]
            assert (query.teams, query.statistic) == (("team-web",), "p75"), link["href"]
            assert str(query.start) == "2026-01-05", link["href"]
        elif "deployments" in link["href"]:
            # Team web's 25 deployments, not the 28 of the organization.
            assert _csv_rows(response) == 25, link["href"]
        else:
            assert _csv_rows(response) == 25, link["href"]


def test_the_drilldown_links_keep_the_filters(organization, member_client):
    build_history(organization, deployments=25, pull_requests=25, prefix="web")
    build_history(organization, deployments=3, pull_requests=3, prefix="api")
    start = f"/?{RANGE}&team=team-web&statistic=p75&granularity=week&period=2026-01-05"

    followed = _followed(member_client, start)

    whole_range = [link for link, _ in followed if link.get("id") == "clear-period"]
    assert whole_range, "the drilldown offers the whole range"
    for link, response in followed:
        assert response.status_code == 200, link["href"]
        assert _kept(link["href"]) == FILTERS, link["href"]
    # Within the week of 01-05, team web deployed on 01-05 … 01-11: 7 deployments.
    csv_links = [
        (link, response)
        for link, response in followed
        if "deployments.csv" in link["href"] and "period=2026-01-05" in link["href"]
    ]
    assert csv_links and all(_csv_rows(response) == 7 for _, response in csv_links)


def test_a_filter_chip_removes_its_filter_and_keeps_the_others(organization, member_client):
    build_history(organization, deployments=3, pull_requests=3, prefix="web")
    start = f"/?{RANGE}&team=team-web&statistic=p75&repository=acme/web"
    response = member_client.get(start)

    chips = [
        link
        for link in _dashboard_links(response.content.decode(), start)
        if "data-removes" in link
    ]

    assert {chip["data-removes"] for chip in chips} >= {"team", "repository", "statistic"}
    for chip in chips:
        removed = chip["data-removes"]
        params = parse_qs(urlsplit(chip["href"]).query)
        assert removed not in params, chip["href"]
        kept = {key: value for key, value in FILTERS.items() if key != removed}
        if removed == "weeks":
            kept = {key: value for key, value in kept.items() if key not in ("from", "to")}
        assert {key: params.get(key) for key in kept} == kept, chip["href"]
        assert member_client.get(chip["href"]).status_code == 200
