"""On PostgreSQL a deployment is recorded by one database function (migration deployments
0008); elsewhere, and when commit data arrives later, by the Python in deployments.services.
Both must leave the same rows. One scenario - prefixes shared across repositories, a fork's
equal SHA, PRs merged before and after the deployment, unknown SHAs that arrive later,
tests, tags, counted environments, repeats that replace and older repeats that do not - is
recorded twice, once each way, and every derived row and every match report compared;
then the counted environments change, which refreshes every deploy moment (set-based on
PostgreSQL too), and the PRs are compared again.

CI runs the suite on PostgreSQL, where both paths exist; SQLite has only the Python one.
"""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from deployments import services
from deployments.models import Deployment, DeploymentReceipt
from repositories.models import PullRequest
from tests.factories import (
    make_commit,
    make_contributor,
    make_organization,
    make_pull_request,
    make_repository,
    make_team,
)

START = datetime(2026, 3, 2, tzinfo=UTC)
REPOSITORIES = ("acme/Web", "acme/api", "Acme/zeta")


@pytest.fixture(autouse=True)
def postgresql_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL has a second (in-database) recording path to compare")


def _hex(rng: random.Random, length: int = 40) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def _history(organization, rng: random.Random) -> dict:
    """Repositories, people, commits and PRs, the same for the same seed."""
    platform, mobile = make_team(organization, "Platform"), make_team(organization, "Mobile")
    people = [
        make_contributor(organization, "Ada", teams=[platform]),
        make_contributor(organization, "Grace", teams=[platform, mobile]),
        make_contributor(organization, "Deploy Bot", is_bot=True, teams=[mobile]),
        make_contributor(organization, "Former", is_tracked=False, teams=[platform]),
        None,
    ]
    repositories = [make_repository(organization, name) for name in REPOSITORIES]
    shared_prefix = _hex(rng, 8)
    fork_sha = _hex(rng)
    commits = []
    for n in range(45):
        repository = repositories[n % len(repositories)]
        # Every tenth commit shares a prefix, across all three repositories.
        sha = shared_prefix + _hex(rng, 32) if n % 10 == 0 else _hex(rng)
        # Whole days: deployments often carry two commits committed at the same moment.
        at = START + timedelta(days=rng.randrange(0, 12))
        commits.append(
            make_commit(
                repository,
                sha,
                contributor=rng.choice(people),
                at=at,
                message=f"Change {n}\n\nBody of change {n}",
            )
        )
    # A fork: the same SHA in two repositories, committed at the same moment.
    fork_at = START + timedelta(days=3)
    for repository in repositories[:2]:
        commits.append(make_commit(repository, fork_sha, contributor=people[0], at=fork_at))
    pull_requests = []
    for number in range(1, 16):
        repository = repositories[number % len(repositories)]
        members = rng.sample(commits[:45], rng.randint(1, 3))
        merge = make_commit(repository, _hex(rng), contributor=rng.choice(people), at=START)
        merged_at = None if number % 5 == 0 else START + timedelta(hours=rng.randrange(0, 24 * 20))
        pull_requests.append(
            make_pull_request(
                repository,
                number,
                commits=members,
                merged_at=merged_at,
                merge_commit_sha=merge.sha if merged_at else "",
                title=f"PR {number}",
            )
        )
    # Merged by a commit nobody has pushed to us: only a deployment's full SHA finds it.
    pull_requests.append(
        make_pull_request(
            repositories[0], 99, merged_at=START, merge_commit_sha=(unseen := _hex(rng))
        )
    )
    return {
        "commits": [commit.sha for commit in commits]
        + [pr.merge_commit_sha for pr in pull_requests if pr.merge_commit_sha],
        "shared_prefix": shared_prefix,
        "fork": fork_sha,
        "by_bot": [commit.sha for commit in commits if commit.contributor == people[2]],
        "unseen_merge": unseen,
        "late": [_hex(rng) for _ in range(4)],
        "repository": repositories[1],
    }


def _deployments(organization, history: dict, rng: random.Random) -> list[tuple]:
    """Sends 70 deployments; halfway, commits for some unknown SHAs arrive (relinking).
    After each: its match report and every PR's deploy moment and tags."""
    results, sent = [], []
    for n in range(70):
        if n == 35:
            for index, sha in enumerate(history["late"][:2]):
                make_commit(history["repository"], sha, at=START + timedelta(days=index + 1))
            services.commits_link(organization=organization, shas=history["late"][:2])
        received_at = START + timedelta(days=25, minutes=n)
        if sent and rng.random() < 0.25:
            shas, environment = rng.choice(sent)
            shas = [sha.upper() for sha in reversed(shas)]
            if rng.random() < 0.3:
                received_at -= timedelta(days=1)  # an older receipt than the stored one
        else:
            known = [
                rng.choice(history["commits"])[: rng.choice((40, 40, 40, 7, 12))]
                for _ in range(rng.randint(1, 6))
            ]
            extra = rng.choice(
                [[], [], [history["shared_prefix"][:7]], [history["unseen_merge"]]]
                + [[history["fork"]], [rng.choice(history["late"])], [_hex(rng)]]
            )
            shas = list(dict.fromkeys(known + extra))
            if n % 10 == 7:  # now and then only SHAs nobody has pushed (yet)
                shas = [_hex(rng)]
            elif n % 10 == 3:  # or only a bot's work
                shas = [rng.choice(history["by_bot"])]
            environment = rng.choice(["production", "staging", "qa"])
            sent.append((shas, environment))
        result = services.deployment_record(
            organization=organization,
            request_id=f"request-{n}",
            raw_body=f"body {n}",
            shas=shas,
            environment_name=environment,
            deployed_at=START + timedelta(hours=rng.randrange(0, 24 * 24)),
            title=rng.choice(["", "", "Release"]),
            tags=rng.choice([[], [], ["is_failure"], ["b", "a", "b"], ["Zeta", "alpha"]]),
            is_test=rng.random() < 0.1,
            received_at=received_at,
        )
        results.append((_report(result), _pull_request_rows(organization)))
    return results


def _report(result: services.DeploymentResult) -> tuple:
    deployment = result.deployment
    return (
        deployment.environment_name,
        deployment.dedupe_key,
        deployment.display_title,
        deployment.repository.full_name if deployment.repository else None,
        deployment.deployed_at,
        tuple(deployment.tags),
        result.matched_shas,
        result.unknown_shas,
        [(pr.repository.full_name, pr.number, pr.title) for pr in result.pull_requests],
        result.replaced_existing,
        result.receipt.request_id,
    )


def _rows(organization) -> dict:
    """Every row recording derives, by natural keys (ids differ between the two runs)."""
    deployments = {}
    for deployment in Deployment.objects.filter(organization=organization).select_related(
        "repository"
    ):
        deployments[(deployment.environment_name, deployment.dedupe_key)] = {
            "fields": (
                deployment.shas,
                deployment.deployed_at,
                deployment.received_at,
                deployment.title,
                deployment.default_title,
                deployment.tags,
                deployment.is_test,
                deployment.receipt_count,
                deployment.contributor_rank,
                deployment.marks_failure,
                deployment.repository.full_name if deployment.repository else None,
            ),
            "commits": [
                (
                    row.sha,
                    row.position,
                    (row.commit.sha, row.commit.repository.full_name) if row.commit else None,
                    row.contributor.display_name if row.contributor else None,
                )
                for row in deployment.deployment_commits.select_related(
                    "commit__repository", "contributor"
                ).order_by("position")
            ],
            "pull_requests": sorted(
                deployment.pull_requests.values_list("repository__full_name", "number")
            ),
            "teams": sorted(
                deployment.team_attributions.values_list(
                    "team__name", "deployed_on", "environment_name", "is_test"
                )
            ),
            "receipts": sorted(
                deployment.receipts.values_list("request_id", "received_at", "raw_body")
            ),
        }
    pull_requests = _pull_request_rows(organization)
    receipts = DeploymentReceipt.objects.filter(organization=organization).count()
    return {"deployments": deployments, "pull_requests": pull_requests, "receipts": receipts}


def _pull_request_rows(organization) -> dict:
    return {
        (pr.repository.full_name, pr.number): (pr.deploy_moment, pr.shipped_tags)
        for pr in PullRequest.objects.filter(organization=organization).select_related(
            "repository"
        )
    }


def _recorded(monkeypatch, slug: str, *, in_database: bool, counted: list[str], seed: int):
    monkeypatch.setattr(services, "links_in_database", lambda: in_database)
    organization = make_organization(slug, counted_environments=counted)
    history = _history(organization, random.Random(seed))
    results = _deployments(organization, history, random.Random(seed + 1))
    recorded = _rows(organization)
    # Then an admin changes which environments count: every deploy moment is refreshed.
    organization.counted_environments = ["staging"] if not counted else []
    organization.save(update_fields=["counted_environments"])
    return {
        "history": history,
        "results": results,
        "rows": recorded,
        "refreshed": _rows(organization),
    }


@pytest.mark.parametrize("counted", [[], ["production", "qa"]])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_database_function_records_what_the_python_path_records(monkeypatch, counted, seed):
    python = _recorded(monkeypatch, "python", in_database=False, counted=counted, seed=seed)
    database = _recorded(monkeypatch, "database", in_database=True, counted=counted, seed=seed)

    for number, (expected, actual) in enumerate(
        zip(python["results"], database["results"], strict=True)
    ):
        assert actual[0] == expected[0], f"match report of deployment {number}"
        assert actual[1] == expected[1], f"PR deploy moments and tags after deployment {number}"
    assert database["rows"]["receipts"] == python["rows"]["receipts"] == 70
    assert database["rows"]["pull_requests"] == python["rows"]["pull_requests"]
    assert database["rows"]["deployments"].keys() == python["rows"]["deployments"].keys()
    for key, expected in python["rows"]["deployments"].items():
        assert database["rows"]["deployments"][key] == expected, key
    assert database["refreshed"]["pull_requests"] == python["refreshed"]["pull_requests"]
    assert database["refreshed"]["pull_requests"] != database["rows"]["pull_requests"]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_scenario_exercises_every_rule(monkeypatch, seed):
    """Guards the comparison above against a scenario that no longer reaches the rules."""
    recorded = _recorded(monkeypatch, "coverage", in_database=True, counted=["qa"], seed=seed)
    history, rows = recorded["history"], recorded["rows"]
    reports = [report for report, _ in recorded["results"]]
    deployments = rows["deployments"].values()
    commits = [row for d in deployments for row in d["commits"]]
    assert any(report[9] for report in reports), "a repeat replaced a deployment"
    assert any(
        received < d["fields"][2] for d in deployments for _, received, _ in d["receipts"]
    ), "an older receipt did not replace the stored deployment"
    assert any(report[7] for report in reports), "a SHA was unknown"
    assert any(report[8] for report in reports), "a deployment shipped PRs"
    assert any(("acme/Web", 99, "A pull request") in report[8] for report in reports), (
        "a sent full SHA nobody pushed shipped the PR it merged"
    )
    assert {d["fields"][8] for d in deployments} >= {0, 1, 2, 3}, "every contributor rank"
    assert any(d["teams"] for d in deployments), "a deployment was attributed to a team"
    assert any(d["fields"][6] for d in deployments), "a test deployment"
    assert {d_key[0] for d_key in rows["deployments"]} >= {"qa", "production"}, (
        "counted and uncounted environments"
    )
    assert any(tags for _, tags in rows["pull_requests"].values()), "a PR got shipped tags"
    assert any(len(sha) < 40 for d in deployments for sha in d["fields"][0]), "a prefix"
    assert {row[2][1] for row in commits if row[2] and row[0] == history["shared_prefix"][:7]}, (
        "the shared prefix matched"
    )
    assert any(row[0] == history["fork"] and row[2] for row in commits), "the fork's SHA"
    assert any(row[0] in history["late"][:2] and row[2] for row in commits), (
        "a SHA unknown when sent was linked when its commit arrived"
    )
