"""Every metric definition against a hand-computed fixture; the arithmetic is in the test.

The range used throughout is 2026-01-05 (a Monday) to 2026-02-01 (a Sunday): four weeks
starting 01-05, 01-12, 01-19 and 01-26.
"""

import statistics
from datetime import date, timedelta

import pytest

from metrics.bands import performance_band
from metrics.calculations import (
    change_failure_rate,
    change_lead_time,
    deployment_frequency,
)
from metrics.report import data_quality
from metrics.selectors.status import Status
from tests.factories import make_commit, make_contributor, make_repository, make_team
from tests.metrics.helpers import at, make_deployment, make_merged_pr, make_query

WEEKS = [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19), date(2026, 1, 26)]
HOUR = 3600.0
DAY = 24 * HOUR


@pytest.fixture
def world(organization):
    """Two teams; Ada and Linus in Platform, Grace in Payments; a bot; an untracked person."""
    platform = make_team(organization, "Platform")
    payments = make_team(organization, "Payments")
    return {
        "platform": platform,
        "payments": payments,
        "ada": make_contributor(organization, "Ada", teams=[platform]),
        "linus": make_contributor(organization, "Linus", teams=[platform]),
        "grace": make_contributor(organization, "Grace", teams=[payments]),
        "bot": make_contributor(organization, "dependabot[bot]", is_bot=True),
        "ghost": make_contributor(organization, "Ghost", teams=[platform], is_tracked=False),
        "web": make_repository(organization, "acme/web"),
        "docs": make_repository(organization, "acme/docs"),
    }


def four_weeks(organization, **fields):
    return make_query(organization, "2026-01-05", "2026-02-01", **fields)


def deploy(world, organization, author, when, **fields):
    commit = make_commit(world["web"], contributor=author, at=when)
    return make_deployment(organization, commits=[commit], deployed_at=when, **fields)


def test_lead_time_percentiles_interpolate_between_ranks(organization, world):
    # Four PRs merged in a never-deployed repository (lead time ends at the merge) on
    # Tuesday 01-06 12:00, first committed 1, 2, 3 and 4 hours before.
    merged = at("2026-01-06", 12)
    for hours in (1, 2, 3, 4):
        make_merged_pr(
            world["docs"],
            author=world["ada"],
            first_commit_at=merged - timedelta(hours=hours),
            merged_at=merged,
        )

    summary = change_lead_time(query=four_weeks(organization)).lead_time

    values = [3600.0, 7200.0, 10800.0, 14400.0]
    # Even count: median = (7200 + 10800) / 2 = 9000, as statistics.median says.
    assert summary.count == 4
    assert summary.median == 9000.0 == statistics.median(values)
    # p75: position (4 - 1) * 0.75 = 2.25 → 10800 + 0.25 * 3600 = 11700.
    # p90: position 2.7 → 10800 + 0.7 * 3600 = 13320 (statistics.quantiles, inclusive).
    inclusive = statistics.quantiles(values, n=20, method="inclusive")
    assert summary.p75 == 11700.0 == inclusive[14]
    assert summary.p90 == pytest.approx(13320.0) == pytest.approx(inclusive[17])
    # No PRs: a count of zero and no percentiles.
    empty = change_lead_time(query=make_query(organization, "2026-03-02", "2026-03-08"))
    assert (empty.lead_time.count, empty.lead_time.median) == (0, None)


def test_deployment_frequency_is_zero_filled_per_monday_week(organization, world):
    deploy(world, organization, world["ada"], at("2026-01-05", 10))
    deploy(world, organization, world["ada"], at("2026-01-11", 23, 59))
    deploy(world, organization, world["ada"], at("2026-01-19", 0))
    # Outside the range on both sides: not counted.
    deploy(world, organization, world["ada"], at("2026-01-04", 23, 59))
    deploy(world, organization, world["ada"], at("2026-02-02", 0))

    frequency = deployment_frequency(query=four_weeks(organization))

    assert frequency.periods == WEEKS
    # Sunday 01-11 23:59 is still the week of Monday 01-05; the empty weeks are 0, not gaps.
    assert list(frequency.deployments.values()) == [2, 0, 1, 0]
    # 3 deployments / (28 days / 7) = 0.75 per week.
    assert frequency.total == 3
    assert frequency.per_week == 0.75


def test_day_and_month_granularity_are_zero_filled(organization, world):
    deploy(world, organization, world["ada"], at("2026-01-06", 10))
    deploy(world, organization, world["ada"], at("2026-02-03", 10))

    days = deployment_frequency(
        query=make_query(organization, "2026-01-05", "2026-01-07", granularity="day")
    )
    months = deployment_frequency(
        query=make_query(organization, "2026-01-05", "2026-02-28", granularity="month")
    )

    assert days.deployments == {date(2026, 1, 5): 0, date(2026, 1, 6): 1, date(2026, 1, 7): 0}
    assert months.deployments == {date(2026, 1, 1): 1, date(2026, 2, 1): 1}


def test_test_deployments_never_count(organization, world):
    deploy(world, organization, world["ada"], at("2026-01-06", 10))
    deploy(world, organization, world["ada"], at("2026-01-07", 10), is_test=True)

    frequency = deployment_frequency(query=four_weeks(organization))

    assert frequency.total == 1
    assert frequency.status_totals[Status.TEST] == 1


def test_deployments_without_contributor_commits_are_left_out_with_the_reason(organization, world):
    stranger_commit = make_commit(world["web"], contributor=None, at=at("2026-01-06"))
    untracked_commit = make_commit(world["web"], contributor=world["ghost"], at=at("2026-01-06"))
    make_deployment(organization, unknown_shas=["abcdef1"], deployed_at=at("2026-01-06", 1))
    make_deployment(organization, commits=[stranger_commit], deployed_at=at("2026-01-06", 2))
    make_deployment(organization, commits=[untracked_commit], deployed_at=at("2026-01-06", 3))
    deploy(world, organization, world["ada"], at("2026-01-06", 4))

    frequency = deployment_frequency(query=four_weeks(organization))

    assert frequency.total == 1
    assert frequency.status_totals[Status.NO_KNOWN_COMMITS] == 1
    # A commit by nobody we know and one by an untracked person: 2 with no contributor commit.
    assert frequency.status_totals[Status.NO_CONTRIBUTOR_COMMITS] == 2


def test_a_non_contributor_commit_is_ignored_for_team_attribution(organization, world):
    ada_commit = make_commit(world["web"], contributor=world["ada"], at=at("2026-01-06"))
    ghost_commit = make_commit(world["web"], contributor=world["ghost"], at=at("2026-01-06"))
    make_deployment(
        organization, commits=[ghost_commit, ada_commit], deployed_at=at("2026-01-06", 5)
    )
    # The ghost is in Platform but untracked; only Ada's commit attributes the deployment.
    grace_only = four_weeks(organization, teams=("payments",))

    assert deployment_frequency(query=four_weeks(organization)).teams["platform"][WEEKS[0]] == 1
    assert deployment_frequency(query=grace_only).total == 0


def test_bot_only_deployments_count_in_the_organization_line_only(organization, world):
    deploy(world, organization, world["bot"], at("2026-01-06", 10))
    deploy(world, organization, world["ada"], at("2026-01-07", 10))

    everyone = deployment_frequency(query=four_weeks(organization))
    platform = deployment_frequency(query=four_weeks(organization, teams=("platform",)))

    # Organization line: 1 bot + 1 Ada = 2; Platform's bar: Ada's 1 only.
    assert everyone.organization[WEEKS[0]] == 2
    assert everyone.teams["platform"][WEEKS[0]] == 1
    assert everyone.status_totals[Status.BOTS_ONLY] == 1
    assert platform.total == 1
    assert platform.organization[WEEKS[0]] == 2


def test_a_deployment_belongs_to_every_team_of_its_authors(organization, world):
    commits = [
        make_commit(world["web"], contributor=world["ada"], at=at("2026-01-12")),
        make_commit(world["web"], contributor=world["grace"], at=at("2026-01-12")),
        make_commit(world["web"], contributor=world["linus"], at=at("2026-01-12")),
    ]
    make_deployment(organization, commits=commits, deployed_at=at("2026-01-13", 9))

    everyone = deployment_frequency(query=four_weeks(organization))
    platform = deployment_frequency(query=four_weeks(organization, teams=("platform",)))

    # One deployment: once for Platform (Ada and Linus), once for Payments, once overall.
    assert everyone.teams["platform"][WEEKS[1]] == 1
    assert everyone.teams["payments"][WEEKS[1]] == 1
    assert everyone.organization[WEEKS[1]] == 1
    # Per person for Platform: 1 deployment / 2 tracked people (the ghost is untracked) = 0.5.
    assert platform.people == 2
    assert platform.per_person(WEEKS[1]) == 0.5
    # Per person per week, counted from the week of the first deployment (01-12 … 02-01):
    # 1 deployment / 3 weeks = 0.3333, / 2 people = 0.1666 (rounded down at the 4th place).
    assert platform.per_person_per_week == 0.1666
    assert set(platform.teams) == {"platform"}


def test_deploy_moment_is_the_latest_deployment_across_environments(organization, world):
    pr = make_merged_pr(
        world["web"],
        author=world["ada"],
        first_commit_at=at("2026-01-04", 9),
        opened_at=at("2026-01-04", 12),
        first_review_at=at("2026-01-05", 8),
        merged_at=at("2026-01-05", 9),
    )
    make_deployment(
        organization,
        commits=[pr.commit],
        pull_requests=[pr],
        deployed_at=at("2026-01-05", 10),
        environment="staging",
    )
    make_deployment(
        organization,
        commits=[pr.commit],
        pull_requests=[pr],
        deployed_at=at("2026-01-07", 9),
        environment="production",
    )
    # A later test deployment never moves the deploy moment.
    make_deployment(
        organization,
        commits=[pr.commit],
        pull_requests=[pr],
        deployed_at=at("2026-01-09", 9),
        environment="canary",
        is_test=True,
    )

    lead_times = change_lead_time(query=four_weeks(organization))
    staging = change_lead_time(query=four_weeks(organization, environments=("staging",)))

    # Deploy moment = production 01-07 09:00. Deploy time = 01-05 09:00 → 01-07 09:00 = 2 days.
    assert lead_times.deploy_time.median == 2 * DAY
    # Lead time = first commit 01-04 09:00 → 01-07 09:00 = 3 days; coding 3 h, review wait
    # 01-04 12:00 → 01-05 08:00 = 20 h, editing 1 h.
    assert lead_times.lead_time.median == 3 * DAY
    assert lead_times.parts["coding"].median == 3 * HOUR
    assert lead_times.parts["review_wait"].median == 20 * HOUR
    assert lead_times.parts["editing"].median == 1 * HOUR
    assert lead_times.periods[WEEKS[0]].lead_time.count == 1
    # Only staging selected: its deployment at 01-05 10:00 is the deploy moment, 1 h after merge.
    assert staging.deploy_time.median == 1 * HOUR


def test_counted_environments_setting_limits_the_deploy_moment(organization, world):
    organization.counted_environments = ["staging"]
    organization.save()
    pr = make_merged_pr(
        world["web"],
        author=world["ada"],
        first_commit_at=at("2026-01-05"),
        merged_at=at("2026-01-05", 9),
    )
    for when, environment in (
        (at("2026-01-05", 11), "staging"),
        (at("2026-01-06", 9), "production"),
    ):
        make_deployment(
            organization,
            commits=[pr.commit],
            pull_requests=[pr],
            deployed_at=when,
            environment=environment,
        )

    frequency = deployment_frequency(query=four_weeks(organization))
    lead_times = change_lead_time(query=four_weeks(organization))

    # Production is not counted: 1 deployment, deploy time 09:00 → 11:00 = 2 h.
    assert frequency.total == 1
    assert frequency.status_totals[Status.ENVIRONMENT_NOT_COUNTED] == 1
    assert lead_times.deploy_time.median == 2 * HOUR


def test_merged_but_not_deployed_prs_are_listed_not_counted(organization, world):
    shipped = make_merged_pr(
        world["web"],
        author=world["ada"],
        first_commit_at=at("2026-01-05"),
        merged_at=at("2026-01-05", 6),
    )
    make_deployment(
        organization,
        commits=[shipped.commit],
        pull_requests=[shipped],
        deployed_at=at("2026-01-05", 12),
    )
    waiting = make_merged_pr(
        world["web"],
        author=world["ada"],
        first_commit_at=at("2026-01-06"),
        merged_at=at("2026-01-06", 6),
    )
    query = four_weeks(organization)

    lead_times = change_lead_time(query=query)
    quality = data_quality(query=query, frequency=deployment_frequency(query=query))

    # Only the shipped PR: lead time 01-05 00:00 → 12:00 = 12 h.
    assert lead_times.pull_requests == 1
    assert lead_times.lead_time.median == 12 * HOUR
    assert quality.merged_not_deployed == 1
    assert quality.merged_not_deployed_sample == [waiting]


def test_lead_time_ends_at_merge_in_a_repository_that_never_deployed(organization, world):
    make_merged_pr(
        world["docs"],
        author=world["ada"],
        first_commit_at=at("2026-01-12", 8),
        opened_at=at("2026-01-12", 10),
        merged_at=at("2026-01-13", 8),
    )

    lead_times = change_lead_time(query=four_weeks(organization))

    # First commit 01-12 08:00 → merge 01-13 08:00 = 1 day, flagged, in week 01-12.
    assert lead_times.lead_time.median == DAY
    assert lead_times.merge_based == 1
    assert lead_times.periods[WEEKS[1]].lead_time.count == 1
    # No deployment, so no Deploy Time; never reviewed, so no review wait or editing time.
    assert lead_times.deploy_time.count == 0
    assert lead_times.parts["coding"].median == 2 * HOUR
    assert lead_times.parts["review_wait"].count == 0
    assert lead_times.parts["editing"].count == 0


def test_a_part_whose_start_is_unknown_is_null(organization, world):
    # Imported from git: no open time, no review, no first commit known.
    make_merged_pr(
        world["docs"], author=world["ada"], first_commit_at=None, merged_at=at("2026-01-13")
    )

    lead_times = change_lead_time(query=four_weeks(organization))

    assert lead_times.pull_requests == 1
    assert lead_times.lead_time.count == 0
    assert all(summary.count == 0 for summary in lead_times.parts.values())


def test_median_lead_time_of_an_even_count(organization, world):
    for hours in (1, 2, 3, 4):
        make_merged_pr(
            world["docs"],
            author=world["ada"],
            first_commit_at=at("2026-01-20", 0),
            merged_at=at("2026-01-20", hours),
        )

    lead_times = change_lead_time(query=four_weeks(organization))

    # 1, 2, 3, 4 hours: median (2 + 3) / 2 = 2.5 h = 9000 s; p75 position 2.25 → 3.25 h;
    # p90 position 2.7 → 3.7 h.
    assert lead_times.lead_time.count == 4
    assert lead_times.lead_time.median == 9000.0
    assert lead_times.lead_time.p75 == 3.25 * HOUR
    assert lead_times.lead_time.p90 == pytest.approx(3.7 * HOUR)
    assert lead_times.periods[WEEKS[2]].lead_time.median == 9000.0


def test_non_contributor_prs_are_ignored_and_bot_prs_count_for_the_organization_only(
    organization, world
):
    for author in (world["ada"], world["ghost"], None, world["bot"]):
        make_merged_pr(
            world["docs"],
            author=author,
            first_commit_at=at("2026-01-20"),
            merged_at=at("2026-01-20", 6),
        )

    everyone = change_lead_time(query=four_weeks(organization))
    platform = change_lead_time(query=four_weeks(organization, teams=("platform",)))

    # Ada and the bot count overall (2); the ghost and the author-less PR never do.
    assert everyone.pull_requests == 2
    # Platform: Ada only (the ghost is in Platform but untracked).
    assert platform.pull_requests == 1


def test_change_failure_rate_and_recovery_from_tags(organization, world):
    web = world["web"]

    def ship(when, tags=(), environment="production"):
        commit = make_commit(web, contributor=world["ada"], at=when)
        return make_deployment(
            organization, commits=[commit], deployed_at=when, tags=tags, environment=environment
        )

    ship(at("2026-01-05", 9))
    ship(at("2026-01-06", 10), tags=["is_failure", "sev1"])
    ship(at("2026-01-06", 11), environment="staging")  # another environment: no recovery
    ship(at("2026-01-06", 12), tags=["Rollback"])
    ship(at("2026-01-06", 13, 30))
    ship(at("2026-01-20", 9), tags=["is_failure"])  # not recovered yet
    for title in ("Revert checkout", "Add search", "Hotfix login", "Tidy up"):
        make_merged_pr(
            world["docs"],
            author=world["ada"],
            first_commit_at=at("2026-01-07"),
            merged_at=at("2026-01-07", 5),
            title=title,
        )

    failures = change_failure_rate(query=four_weeks(organization))

    # 6 counted deployments, 3 failed: 3 / 6 = 0.5.
    assert (failures.deployments, failures.failed, failures.rate) == (6, 3, 0.5)
    # 10:00 → next good production deployment 13:30 = 3.5 h; 12:00 → 13:30 = 1.5 h.
    # Median of (1.5 h, 3.5 h) = 2.5 h = 9000 s. 01-20 has no good deployment after it.
    assert failures.recovery_time.count == 2
    assert failures.recovery_time.median == 9000.0
    assert failures.unrecovered == 1
    # Title rule: "Revert …" and "Hotfix …" of 4 counted PRs = 0.5.
    assert (failures.title_rule_failed, failures.title_rule_rate) == (2, 0.5)


def test_tag_and_repository_filters_narrow_deployments(organization, world):
    deploy(world, organization, world["ada"], at("2026-01-06"), tags=["payments-launch"])
    deploy(world, organization, world["ada"], at("2026-01-07"), tags=["payments"])
    api = make_repository(organization, "acme/api")
    commit = make_commit(api, contributor=world["ada"], at=at("2026-01-08"))
    make_deployment(organization, commits=[commit], deployed_at=at("2026-01-08"))

    # "payments" matches the whole tag only, not "payments-launch".
    assert deployment_frequency(query=four_weeks(organization, tags=("payments",))).total == 1
    assert (
        deployment_frequency(query=four_weeks(organization, repositories=("acme/api",))).total == 1
    )


@pytest.mark.parametrize("tag", ["Café-Release", 'say "hi"', "back\\slash"])
def test_a_tag_filter_matches_any_characters_whatever_their_case(organization, world, tag):
    deploy(world, organization, world["ada"], at("2026-01-06"), tags=[tag])
    deploy(world, organization, world["ada"], at("2026-01-07"), tags=[f"{tag}-2"])

    for asked in (tag, tag.upper(), tag.lower()):
        assert deployment_frequency(query=four_weeks(organization, tags=(asked,))).total == 1


def test_dora_2024_bands():
    assert performance_band("deployment_frequency", 7.0) == "elite"
    assert performance_band("deployment_frequency", 1.0) == "high"
    assert performance_band("deployment_frequency", 0.25) == "medium"
    assert performance_band("deployment_frequency", 0.1) == "low"
    assert performance_band("change_lead_time", 23 * HOUR) == "elite"
    assert performance_band("change_lead_time", 2 * DAY) == "high"
    assert performance_band("change_lead_time", 40 * DAY) == "low"
    assert performance_band("change_failure_rate", 0.05) == "elite"
    assert performance_band("change_failure_rate", 0.10) == "high"
    assert performance_band("change_failure_rate", 0.15) == "medium"
    # Every band is reachable: the 2024 clusters' unordered rates are not mixed in.
    assert performance_band("change_failure_rate", 0.151) == "low"
    assert performance_band("change_failure_rate", 0.5) == "low"
    assert performance_band("recovery_time", 30 * 60) == "elite"
    assert performance_band("recovery_time", 2 * DAY) == "medium"
    assert performance_band("recovery_time", None) is None
    # DORA publishes no levels for rework rate.
    assert performance_band("deployment_rework_rate", 0.01) is None
