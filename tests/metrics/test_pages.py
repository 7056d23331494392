"""The dashboard page and its CSV downloads, through Django's test client."""

import csv
import io
import re
from datetime import timedelta

import plotly.graph_objects
import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deployments.recording import deployment_record
from incidents.models import Incident
from incidents.services import incident_record
from metrics.filters import QuickSelectMultiple
from metrics.selectors.drilldowns import deployments_table, pull_requests_table
from tests.factories import make_commit, make_contributor, make_repository, make_team
from tests.metrics.helpers import at, make_deployment, make_merged_pr

# One small one reads the never-deployed repositories (instead of a subquery in each PR
# query), one the organization's teams, ids, slugs and names (instead of joining the teams
# before grouping), shared by the team lines, the chart and the team comparison.
# The previous period's tile values take 3 more (issue 18 #6: its lead times, status
# counts and recoveries; it shares the first deployment and the people of the selected
# teams, and has no team lines), the team comparison 2 (#8: lead times and recoveries by
# team; its failure counts come with the team lines).
PREVIOUS_PERIOD_QUERIES = 3
TEAM_COMPARISON_QUERIES = 2
# The report's own first deployment (where the per-week rate starts, #4) and the PRs the
# deployment rows expand to, prefetched for the page (#10).
RATE_AND_DRILLDOWN_QUERIES = 2
# Incidents (issue 21 #6): the deployments with an attributed incident, read once for the
# page; the failed and rework deployments counted for the range and for the previous one;
# the incidents started in each, attributed or not; the incidents table's rows.
INCIDENT_QUERIES = 6
DASHBOARD_QUERIES = (
    25
    + PREVIOUS_PERIOD_QUERIES
    + TEAM_COMPARISON_QUERIES
    + RATE_AND_DRILLDOWN_QUERIES
    + INCIDENT_QUERIES
)
RANGE = "from=2026-01-05&to=2026-02-01&weeks=custom"


def build_history(
    organization,
    *,
    deployments: int,
    pull_requests: int,
    prefix: str = "web",
    incidents: bool = False,
):
    """Deployments a day apart from 01-05, each shipping PRs merged an hour before; with
    `incidents`, an incident of the repository an hour after each (attributed by the rule)
    and an unattributed one of an unknown repository."""
    team = make_team(organization, f"Team {prefix}", slug=f"team-{prefix}")
    person = make_contributor(organization, f"Person {prefix}", teams=[team])
    repository = make_repository(organization, f"acme/{prefix}")
    start = at("2026-01-05", 9)
    prs = [
        make_merged_pr(
            repository,
            author=person,
            first_commit_at=start - timedelta(days=1),
            opened_at=start - timedelta(hours=20),
            first_review_at=start - timedelta(hours=3),
            merged_at=start + timedelta(days=index % deployments, hours=-1),
            title=f"Change {prefix} {index}",
        )
        for index in range(pull_requests)
    ]
    for day in range(deployments):
        shipped = [pr for index, pr in enumerate(prs) if index % deployments == day]
        make_deployment(
            organization,
            commits=[pr.commit for pr in shipped]
            or [make_commit(repository, contributor=person, at=start)],
            pull_requests=shipped,
            deployed_at=start + timedelta(days=day),
            tags=["is_failure"] if day == 1 else [],
            title=f"Release {prefix} {day}",
        )
        if incidents:
            started = start + timedelta(days=day, hours=1)
            for name in (repository.full_name, "acme/unknown"):
                incident_record(
                    organization=organization,
                    source=Incident.Source.API,
                    external_id=f"{name}-{day}",
                    fields={"started_at": started, "repository_name": name, "title": name},
                )
    return repository


def test_it_explains_how_to_connect_when_the_organization_has_no_data(member_client):
    response = member_client.get("/")

    assert response.status_code == 200
    assert b"No deployments yet" in response.content
    assert (
        b"curl --fail-with-body -X POST http://testserver/api/v1/deployments" in response.content
    )
    assert b"chart-frequency" not in response.content


def test_it_shows_tiles_charts_and_drilldowns(organization, member_client):
    build_history(organization, deployments=3, pull_requests=6)

    response = member_client.get(f"/?{RANGE}")

    content = response.content.decode()
    assert response.status_code == 200
    # 3 deployments over 28 days = 0.75 per week; 1 of 3 tagged is_failure = 33.3 %.
    assert re.search(r'id="tile-frequency">.*?0\.75', content, re.S)
    assert re.search(r'id="tile-failure-rate">.*?33\.3%', content, re.S)
    for chart in ("chart-frequency-data", "chart-lead-time-data", "chart-deploy-time-data"):
        assert f'<script id="{chart}" type="application/json">' in content
    assert "Release web 2" in content and "Change web 5" in content
    # No inline script: every <script> either loads a file or carries JSON data.
    for tag in re.findall(r"<script[^>]*>", content):
        assert "src=" in tag or 'type="application/json"' in tag


def test_its_figures_are_valid_plotly_figures_with_the_report_numbers(organization, member_client):
    build_history(organization, deployments=3, pull_requests=6)
    build_history(organization, deployments=2, pull_requests=2, prefix="api")

    charts = member_client.get(f"/?{RANGE}&granularity=day").context["charts"]

    for figure in charts.values():
        # graph_objects validates every property and raises on an unknown or bad one.
        plotly.graph_objects.Figure(figure)
    frequency = {trace["name"]: trace for trace in charts["frequency"]["data"]}
    assert frequency["Team web"]["y"][:4] == [1, 1, 1, 0]
    assert frequency["Team api"]["y"][:4] == [1, 1, 0, 0]
    assert frequency["Organization"]["y"][:4] == [2, 2, 1, 0]
    assert frequency["Team web"]["customdata"][0] == ["2026-01-05", "Mon 5 Jan 2026", ""]
    # First commits are all 01-04 09:00; the PRs deployed on day N end at 01-05 09:00 + N.
    lead_time = charts["lead_time"]["data"][-1]
    assert lead_time["y"][:3] == [24.0, 48.0, 72.0]
    assert charts["deploy_time"]["data"][0]["y"][:3] == [1.0, 1.0, 1.0]


def test_it_narrows_the_drilldown_to_the_clicked_period(organization, member_client):
    build_history(organization, deployments=3, pull_requests=3)

    response = member_client.get(f"/?{RANGE}&granularity=day&period=2026-01-06")

    deployments = response.context["deployments"]
    assert [deployment.display for deployment in deployments] == ["Release web 1"]
    assert [pr.title for pr in response.context["pull_requests"]] == ["Change web 1"]
    # The charts and tiles still show the whole range.
    assert response.context["report"].frequency.total == 3


def test_it_sorts_and_paginates_the_tables(organization, member_client):
    build_history(organization, deployments=25, pull_requests=25)

    first = member_client.get(f"/?{RANGE}&dsort=deployed")
    second = member_client.get(f"/?{RANGE}&dsort=deployed&dpage=2")

    assert [d.display for d in first.context["deployments"]][:2] == [
        "Release web 0",
        "Release web 1",
    ]
    assert len(first.context["deployments"]) == 20
    assert [d.display for d in second.context["deployments"]] == [
        f"Release web {day}" for day in range(20, 25)
    ]


@pytest.mark.parametrize("extra", ["", "&period=2026-01-12", "&team=team-web"])
def test_the_tables_count_what_they_select(organization, member_client, extra):
    build_history(organization, deployments=25, pull_requests=30)
    build_history(organization, deployments=3, pull_requests=4, prefix="api")

    context = member_client.get(f"/?{RANGE}{extra}").context

    drilldown = context["drilldown"]
    deployments = deployments_table(query=drilldown)
    pull_requests = pull_requests_table(query=drilldown)
    assert context["deployments"].paginator.count == deployments.count() > 0
    assert context["pull_requests"].paginator.count == pull_requests.count() > 0


def test_it_rejects_bad_filters_naming_the_field(organization, member_client):
    make_repository(organization, "acme/web")

    backwards = member_client.get("/?weeks=custom&from=2026-02-01&to=2026-01-01")
    unknown = member_client.get("/?repository=globex/secret")

    assert backwards.status_code == 400
    assert b"to must be on or after from" in backwards.content
    assert unknown.status_code == 400
    assert b"<strong>repository</strong>" in unknown.content


def test_five_years_by_month_is_one_range_and_seven_years_are_refused(organization, member_client):
    build_history(organization, deployments=3, pull_requests=3)

    five = member_client.get("/?weeks=custom&from=2021-01-01&to=2026-01-31&granularity=month")
    seven = member_client.get("/?weeks=custom&from=2019-01-01&to=2026-01-31&granularity=month")

    assert five.status_code == 200
    assert len(five.context["report"].periods) == 61
    assert seven.status_code == 400
    assert b"The range may span at most 2196 days." in seven.content


@pytest.mark.parametrize("url", ["/", "/metrics/deployments.csv", "/metrics/pull-requests.csv"])
def test_dates_outside_the_supported_years_are_a_400_naming_the_field(member_client, url):
    response = member_client.get(f"{url}?weeks=custom&from=9999-12-01&to=9999-12-31")

    assert response.status_code == 400
    assert b"<strong>from</strong>" in response.content
    assert "Must be in the years 1970–2100.".encode() in response.content


def test_it_never_shows_another_organizations_deployments(
    organization, other_organization, member_client
):
    build_history(organization, deployments=1, pull_requests=1, prefix="web")
    build_history(other_organization, deployments=2, pull_requests=2, prefix="secret")

    response = member_client.get(f"/?{RANGE}")

    assert b"secret" not in response.content
    assert response.context["report"].frequency.total == 1


def test_a_deployment_recorded_a_moment_ago_is_on_the_next_page_load(organization, member_client):
    person = make_contributor(organization, "Ada")
    commit = make_commit(make_repository(organization), contributor=person, at=timezone.now())
    assert b"No deployments yet" in member_client.get("/").content

    deployment_record(
        organization=organization,
        request_id="live",
        raw_body="{}",
        shas=[commit.sha],
        environment_name="production",
    )

    assert member_client.get("/").context["report"].frequency.total == 1


def test_the_csv_holds_exactly_what_the_filters_select(organization, member_client):
    build_history(organization, deployments=3, pull_requests=3, prefix="web")
    build_history(organization, deployments=2, pull_requests=2, prefix="api")

    response = member_client.get(f"/metrics/deployments.csv?{RANGE}&repository=acme/api")
    prs = member_client.get(f"/metrics/pull-requests.csv?{RANGE}&repository=acme/api")

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    pr_rows = list(csv.reader(io.StringIO(b"".join(prs.streaming_content).decode())))
    assert response["Content-Type"] == "text/csv"
    assert rows[0][:3] == ["deployed_at", "title", "repository"]
    assert sorted(row[1] for row in rows[1:]) == ["Release api 0", "Release api 1"]
    # Newest first. PR 1: first commit 01-04 09:00 → deployed 01-06 09:00 = 2 days = 172800 s;
    # PR 0: → deployed 01-05 09:00 = 86400 s.
    # Seconds in their shortest exact form, as PostgreSQL writes a double: 172800, not 172800.0.
    assert [row[7] for row in pr_rows[1:]] == ["172800", "86400"]


@pytest.mark.parametrize("size", [(2, 2), (30, 60)])
def test_the_dashboard_query_count_is_bounded_and_independent_of_data_size(
    organization, member_client, size, django_assert_max_num_queries
):
    deployments, pull_requests = size
    build_history(
        organization, deployments=deployments, pull_requests=pull_requests, incidents=True
    )
    # Teams on the chart and a team filter take the same queries at any size.
    url = f"/?{RANGE}&team=team-web&period=2026-01-05&granularity=week"

    # 4 for the session and membership, 4 for the filter choices, 2 for the empty-state
    # check, then the report, data quality and the two paginated tables.
    with (
        django_assert_max_num_queries(DASHBOARD_QUERIES),
        CaptureQueriesContext(connection) as queries,
    ):
        assert member_client.get(url).status_code == 200

    assert len(queries) == DASHBOARD_QUERIES


def test_quick_select_renders_what_djangos_select_renders():
    class Form(forms.Form):
        choices = [("a<b", "A & B"), ("c", 'C "quoted"'), ("d", "D")]
        quick = forms.MultipleChoiceField(
            choices=choices, required=False, widget=QuickSelectMultiple
        )
        django = forms.MultipleChoiceField(choices=choices, required=False)

    form = Form({"quick": ["a<b", "d"], "django": ["a<b", "d"]})

    def normalized(html: str) -> str:
        return re.sub(r">\s+<", "><", str(html)).replace("django", "quick")

    assert normalized(form["quick"]) == normalized(form["django"])
    assert 'value="a&lt;b" selected>A &amp; B<' in str(form["quick"])


def test_it_shows_incidents_with_why_each_is_attributed_and_the_rework_tile(
    organization, member_client
):
    build_history(organization, deployments=3, pull_requests=3, incidents=True)

    content = member_client.get(f"/?{RANGE}").content.decode()

    # Three incidents of acme/web, an hour after each deployment: attributed by the rule,
    # so all three deployments failed (100 %); three of acme/unknown: unattributed.
    assert re.search(r'id="tile-failure-rate">.*?100\.0%.*?3 of 3 failed', content, re.S)
    assert re.search(
        r'id="quality-incidents">.*?Attributed to a deployment</dt><dd>3', content, re.S
    )
    assert re.search(r'id="quality-incidents">.*?Unattributed</dt><dd>3', content, re.S)
    table = content[content.index('id="incidents-table"') :]
    assert table.count('data-attribution="rule"') == 3
    assert table.count('data-attribution="unattributed"') == 3
    assert "Unknown repository acme/unknown" in table
    assert "The latest counted deployment of its repository in the 7 days before it" in table
    # The incidents stay open: the deployments of days 2 and 3 happened while the one
    # after day 1's was open, so they are rework, 2 of 3 = 66.7 %.
    assert re.search(r'id="tile-rework">.*?66\.7%.*?2 of 3 unplanned', content, re.S)


def test_the_deployments_table_marks_the_failure_tags_only(organization, member_client):
    person = make_contributor(organization, "Ada")
    repository = make_repository(organization, "acme/web")
    for day, tags in ((6, ["Rollback", "release"]), (7, ["is_failure"]), (8, ["hotfix"])):
        commit = make_commit(repository, contributor=person, at=at(f"2026-01-0{day}"))
        make_deployment(
            organization, commits=[commit], deployed_at=at(f"2026-01-0{day}", 9), tags=tags
        )

    content = member_client.get(f"/?{RANGE}").content.decode()

    failure_tags = re.findall(r'<span class="tag failure">([^<]+)</span>', content)
    other_tags = re.findall(r'<span class="tag">([^<]+)</span>', content)
    assert sorted(failure_tags) == ["Rollback", "is_failure"]
    assert {"release", "hotfix"} <= set(other_tags)
