"""A large synthetic organization for benchmarks and tests: deterministic and consistent.

The same seed gives the same rows (SHAs, titles; times relative to `end`). Only what a
source would send is generated: people, commits, PRs with their commits, and deployments
with their sent SHAs. Everything derived (PR first commits, SHA matches, repositories,
default titles, attribution, shipped PRs, deploy moments) is then computed by the same
set-based services the live paths call, over the whole organization at once.

Rows are built as plain tuples and written with PostgreSQL's COPY, so the `large` scale
(600,000 commits) loads in minutes on two cores.
"""

import json
import random
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, models, transaction
from django.utils import timezone

from deployments.keys import deployment_dedupe_key
from deployments.linking import deployments_link
from deployments.locks import link_lock
from deployments.models import (
    Deployment,
    DeploymentCommit,
    DeploymentPullRequest,
    DeploymentReceipt,
    DeploymentTeam,
)
from organizations.models import Contributor, ContributorIdentity, Organization, Team
from organizations.services import organization_create
from repositories.models import Commit, PullRequest, Repository
from repositories.services import pull_requests_refresh_first_commit_at
from sampledata.generation import hours_lognormal, sha_of


@dataclass(frozen=True)
class Scale:
    repositories: int
    contributors: int
    bots: int
    teams: int
    pull_requests: int
    commits: int
    deployments: int
    days: int = 730


SCALES = {
    "large": Scale(200, 400, 10, 40, 100_000, 600_000, 60_000),
    "small": Scale(4, 20, 2, 4, 1_000, 6_000, 600),
}
# Share of the regular deployments each environment receives.
ENVIRONMENTS = {"dev": 0.40, "staging": 0.33, "production": 0.27}
# Median hours from the newest merged PR of a batch to its deployment, and the spread.
DEPLOY_DELAY_HOURS = {"dev": (0.5, 0.8), "staging": (3.0, 1.0), "production": (18.0, 1.3)}
TEST_SHARE, UNKNOWN_ONLY_SHARE, EXTRA_UNKNOWN_SHARE = 0.02, 0.01, 0.02
SQUASH_SHARE, BOT_PR_SHARE, RETRIED_POST_SHARE = 0.35, 0.08, 0.04
MAX_SHAS = 20
# Libraries: the smallest repositories never receive a deployment.
UNDEPLOYED_REPOSITORY_SHARE = 0.05
FIRST = ["ada", "alan", "grace", "edsger", "barbara", "donald", "ken", "radia", "leslie"]
FIRST += ["tony", "niklaus", "adele", "guido", "anita", "sophie", "vint", "hedy", "frances"]
LAST = ["lovelace", "turing", "hopper", "dijkstra", "liskov", "knuth", "thompson", "perlman"]
LAST += ["lamport", "hoare", "wirth", "goldberg", "rossum", "borg", "wilson", "cerf", "allen"]
BOTS = ["dependabot", "renovate", "github-actions", "pre-commit-ci", "snyk-bot", "mergify"]
BOTS += ["imgbot", "allcontributors", "codecov", "stale"]
VERBS = ["Add", "Fix", "Refactor", "Speed up", "Remove", "Test", "Document", "Harden"]
TOPICS = ["checkout", "billing", "search", "login", "invoices", "cache", "webhooks", "export"]
TOPICS += ["settings", "onboarding", "reports", "audit log", "rate limits", "pagination"]
TAGS = [[], [], [], [], ["release"], ["canary"], ["hotfix"], ["release", "canary"]]


@dataclass
class _PullRequest:
    repository: int
    author: int
    first_commit_at: datetime
    opened_at: datetime
    first_review_at: datetime | None
    merged_at: datetime
    title: str
    squash: bool
    number: int = 0
    merge_sha: str = ""
    commit_shas: list[str] = field(default_factory=list)


@dataclass
class _Deployment:
    repository: int | None
    environment: str
    deployed_at: datetime
    shas: list[str]
    pull_requests: list[int]
    is_test: bool = False
    tags: list[str] = field(default_factory=list)
    title: str = ""
    receipts: int = 1


@dataclass
class _Plan:
    """Everything generated, before writing: indexes instead of database ids."""

    teams: int
    people: list[tuple[str, str, str, bool, list[int]]]
    repositories: list[str]
    pull_requests: list[_PullRequest]
    # sha -> (repository, author, message, authored_at, committed_at)
    commits: dict[str, tuple[int, int, str, datetime, datetime]]
    deployments: list[_Deployment]


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Splits `total` in proportion to `weights` exactly (largest remainders get the rest)."""
    whole = sum(weights)
    shares = [total * weight / whole for weight in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _people(scale: Scale) -> list[tuple[str, str, str, bool, list[int]]]:
    """(display name, login, email, is_bot, team indexes): humans first, then bots."""
    people = []
    for index in range(scale.contributors - scale.bots):
        first, last = FIRST[index % len(FIRST)], LAST[(index // len(FIRST)) % len(LAST)]
        login = f"{first}.{last}{index // (len(FIRST) * len(LAST)) or ''}"
        teams = [index % scale.teams]
        # One person in ten also works in a second team.
        if index % 10 == 3 and scale.teams > 1:
            teams.append((index + 1) % scale.teams)
        name = login.replace(".", " ").title()
        people.append((name, login, f"{login}@example.dev", False, teams))
    for index in range(scale.bots):
        bot = BOTS[index % len(BOTS)] + (str(index // len(BOTS)) if index >= len(BOTS) else "")
        people.append((f"{bot}[bot]", f"{bot}[bot]", f"{bot}@bots.example.dev", True, []))
    return people


def _pull_requests(scale: Scale, rng: random.Random, end: datetime) -> list[_PullRequest]:
    """Merged PRs, skewed across repositories (Zipf) and authors (log-normal activity)."""
    humans = scale.contributors - scale.bots
    repository_weights = [1 / (rank + 2) for rank in range(scale.repositories)]
    activity = [rng.lognormvariate(0, 0.8) for _ in range(humans)]
    # Merges start a few days in, so the earliest PRs' commits still fall inside the range.
    start = end - timedelta(days=scale.days) + timedelta(days=3)
    span = end - start - timedelta(hours=2)
    repositories = rng.choices(
        range(scale.repositories), repository_weights, k=scale.pull_requests
    )
    authors = rng.choices(range(humans), activity, k=scale.pull_requests)
    pull_requests = []
    for repository, author in zip(repositories, authors, strict=True):
        merged_at = start + span * rng.random()
        # Fewer merges at weekends.
        if merged_at.weekday() >= 5 and rng.random() < 0.7:
            merged_at -= timedelta(days=2)
        if rng.random() < BOT_PR_SHARE:
            author = humans + rng.randrange(scale.bots)
            topic = rng.choice(TOPICS).replace(" ", "-")
            title = f"Bump {topic}-lib from 1.{rng.randrange(9)}.0 to 2.0.{rng.randrange(9)}"
            opened_at = merged_at - hours_lognormal(rng, 2, 1.0)
            review_at, first_at = None, opened_at - timedelta(minutes=1)
        else:
            title = f"{rng.choice(VERBS)} {rng.choice(TOPICS)}"
            editing = hours_lognormal(rng, 6, 1.1)
            review_at = merged_at - editing if rng.random() < 0.93 else None
            opened_at = (review_at or merged_at - editing) - hours_lognormal(rng, 4, 1.3)
            first_at = opened_at - hours_lognormal(rng, 10, 1.2)
        squash = author >= humans or rng.random() < SQUASH_SHARE
        pull_requests.append(
            _PullRequest(
                repository, author, first_at, opened_at, review_at, merged_at, title, squash
            )
        )
    pull_requests.sort(key=lambda pr: (pr.merged_at, pr.repository))
    return pull_requests


def _commits(scale: Scale, rng: random.Random, seed: int, pull_requests, people):
    """Each PR's commits and merge commit; the branch commits share the rest of the budget."""
    merged = [pr for pr in pull_requests if not pr.squash]
    budget = scale.commits - len(pull_requests) - len(merged)
    extra = _allocate(budget, [rng.lognormvariate(0, 0.9) for _ in merged])
    branch_sizes = {id(pr): 1 + count for pr, count in zip(merged, extra, strict=True)}
    numbers: dict[int, int] = defaultdict(int)
    for pr in sorted(pull_requests, key=lambda pr: (pr.opened_at, pr.repository)):
        numbers[pr.repository] += 1
        pr.number = numbers[pr.repository]
    commits = {}
    for pr in pull_requests:
        key = (seed, pr.repository, pr.number)
        if pr.squash:
            pr.merge_sha = sha_of(*key, "squash")
            message = f"{pr.title} (#{pr.number})"
            commits[pr.merge_sha] = (
                pr.repository,
                pr.author,
                message,
                pr.first_commit_at,
                pr.merged_at,
            )
            pr.commit_shas = [pr.merge_sha]
            continue
        size = branch_sizes[id(pr)]
        window = (pr.merged_at - pr.first_commit_at) * 0.95
        for position in range(size):
            sha = sha_of(*key, position)
            at = pr.first_commit_at + (window * rng.random() if position else timedelta(0))
            message = f"{pr.title}: step {position + 1}\n\nPart of #{pr.number}."
            commits[sha] = (pr.repository, pr.author, message, at, at)
            pr.commit_shas.append(sha)
        pr.merge_sha = sha_of(*key, "merge")
        branch = f"{people[pr.author][1]}/{pr.title.lower().replace(' ', '-')}-{pr.number}"
        message = f"Merge pull request #{pr.number} from {branch}\n\n{pr.title}"
        commits[pr.merge_sha] = (pr.repository, pr.author, message, pr.merged_at, pr.merged_at)
    return commits


def _batches(rng, pull_requests, indexes, repository, environment, count, end):
    """`count` deployments of one repository to one environment, each shipping the PRs
    merged since the previous one (the newest MAX_SHAS merge commits of a long batch)."""
    if not count:
        return []
    median, sigma = DEPLOY_DELAY_HOURS[environment]
    cuts = sorted(rng.sample(range(1, len(indexes) + 1), count))
    deployments, previous, last_at = [], 0, None
    for cut in cuts:
        # One slot is kept free for the stray unknown SHA a few deployments carry.
        batch = indexes[previous:cut][1 - MAX_SHAS :]
        previous = cut
        newest = pull_requests[batch[-1]].merged_at
        deployed_at = newest + hours_lognormal(rng, median, sigma)
        if last_at and deployed_at <= last_at:
            deployed_at = last_at + timedelta(minutes=rng.randint(1, 30))
        if deployed_at >= end:
            deployed_at = newest + (end - newest) * rng.random()
        last_at = deployed_at
        tags = list(rng.choice(TAGS))
        if environment == "production" and rng.random() < 0.055:
            tags = ["rollback"] if rng.random() < 0.3 else ["is_failure"]
        deployments.append(
            _Deployment(
                repository=repository,
                environment=environment,
                deployed_at=deployed_at,
                shas=[pull_requests[index].merge_sha for index in batch],
                pull_requests=batch,
                tags=tags,
                receipts=2 if rng.random() < RETRIED_POST_SHARE else 1,
            )
        )
    return deployments


def _test_deployment(rng, pull_requests, indexes, repository, end, taken) -> _Deployment:
    """A CI dry run: one or two recently merged PRs, isTest, never counted."""
    for _ in range(100):
        batch = sorted(rng.sample(indexes, min(len(indexes), rng.randint(1, 2))))
        environment = rng.choice(list(ENVIRONMENTS))
        shas = [pull_requests[index].merge_sha for index in batch]
        if (environment, frozenset(shas)) not in taken:
            break
    newest = max(pull_requests[index].merged_at for index in batch)
    deployed_at = min(newest + hours_lognormal(rng, 1, 1.0), end - timedelta(minutes=1))
    taken.add((environment, frozenset(shas)))
    return _Deployment(repository, environment, deployed_at, shas, batch, True, ["ci"])


def _deployments(scale: Scale, rng, seed, pull_requests, end) -> list[_Deployment]:
    tests = round(scale.deployments * TEST_SHARE)
    unknown_only = round(scale.deployments * UNKNOWN_ONLY_SHARE)
    by_repository: dict[int, list[int]] = defaultdict(list)
    for index, pr in enumerate(pull_requests):
        by_repository[pr.repository].append(index)
    # Repositories are ranked busiest first, so the undeployed libraries are the small ones.
    deployed = range(round(scale.repositories * (1 - UNDEPLOYED_REPOSITORY_SHARE)))
    slots = [(repository, env) for repository in deployed for env in ENVIRONMENTS]
    weights = [len(by_repository[repository]) * ENVIRONMENTS[env] for repository, env in slots]
    counts = _allocate(scale.deployments - tests - unknown_only, weights)
    deployments = []
    for (repository, env), count in zip(slots, counts, strict=True):
        indexes = by_repository[repository]
        deployments += _batches(rng, pull_requests, indexes, repository, env, count, end)
    for number, deployment in enumerate(
        rng.sample(deployments, round(len(deployments) * EXTRA_UNKNOWN_SHARE))
    ):
        deployment.shas.insert(
            rng.randrange(len(deployment.shas) + 1), sha_of(seed, "unknown", number)
        )
    taken = {(d.environment, frozenset(d.shas)) for d in deployments}
    for repository in rng.choices(deployed, [len(by_repository[r]) for r in deployed], k=tests):
        indexes = by_repository[repository]
        deployments.append(_test_deployment(rng, pull_requests, indexes, repository, end, taken))
    start = end - timedelta(days=scale.days)
    for number in range(unknown_only):
        shas = [sha_of(seed, "unknown-only", number, n) for n in range(rng.randint(1, 3))]
        deployed_at = start + (end - start) * rng.random()
        environment = rng.choice(list(ENVIRONMENTS))
        deployments.append(
            _Deployment(None, environment, deployed_at, shas, [], title="Manual deploy")
        )
    for number, deployment in enumerate(deployments):
        if deployment.shas and not deployment.title and rng.random() < 0.5:
            deployment.title = f"Deploy #{number + 1} to {deployment.environment}"
    return deployments


def _plan(scale: Scale, seed: int, end: datetime, slug: str) -> _Plan:
    rng = random.Random(seed)
    repositories = [f"{slug}/service-{index + 1:03d}" for index in range(scale.repositories)]
    pull_requests = _pull_requests(scale, rng, end)
    people = _people(scale)
    commits = _commits(scale, rng, seed, pull_requests, people)
    deployments = _deployments(scale, rng, seed, pull_requests, end)
    return _Plan(scale.teams, people, repositories, pull_requests, commits, deployments)


class _Writer:
    """Inserts rows given as tuples with COPY; times each table."""

    def __init__(self):
        self.timings: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def write(self, model: type[models.Model], columns: list[str], rows) -> None:
        started = time.perf_counter()
        fields = [model._meta.get_field(column) for column in columns]
        count = self._copy(model, fields, rows)
        self.timings[model._meta.db_table] += time.perf_counter() - started
        self.counts[model._meta.db_table] += count

    @contextmanager
    def timed(self, label: str):
        started = time.perf_counter()
        yield
        self.timings[label] += time.perf_counter() - started

    def create(self, model: type[models.Model], objects) -> list:
        """bulk_create, for the few small tables whose new ids are needed at once."""
        started = time.perf_counter()
        created = model.objects.bulk_create(objects)
        self.timings[model._meta.db_table] += time.perf_counter() - started
        self.counts[model._meta.db_table] += len(created)
        return created

    def _copy(self, model, fields, rows) -> int:
        # COPY bypasses Django's defaults: every other column gets its default explicitly.
        now = timezone.now()
        rest = [
            f
            for f in model._meta.concrete_fields
            if f not in fields and not f.primary_key and not f.generated
        ]
        defaults = [now if getattr(f, "auto_now_add", False) else f.get_default() for f in rest]
        fields = fields + rest
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        is_json = [isinstance(f, models.JSONField) for f in fields]
        count = 0
        with connection.cursor() as cursor:
            sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    row = (*row, *defaults)
                    copy.write_row(
                        [json.dumps(v) if j else v for v, j in zip(row, is_json, strict=True)]
                    )
                    count += 1
        return count


def _subject(message: str) -> str:
    return message.split("\n", 1)[0][:500]


def _write_people(writer, organization, plan) -> list[int]:
    teams = writer.create(
        Team,
        [
            Team(organization=organization, name=f"Team {n + 1:02d}", slug=f"team-{n + 1:02d}")
            for n in range(plan.teams)
        ],
    )
    contributors = writer.create(
        Contributor,
        [
            Contributor(organization=organization, display_name=name, is_bot=is_bot)
            for name, _, _, is_bot, _ in plan.people
        ],
    )
    ids = [contributor.pk for contributor in contributors]
    memberships = [
        (organization.pk, ids[i], teams[t].pk) for i, p in enumerate(plan.people) for t in p[4]
    ]
    columns = ["organization_id", "contributor_id", "team_id"]
    writer.write(Contributor.teams.through, columns, memberships)
    identities = [
        (organization.pk, ids[index], kind, value)
        for index, (_, login, email, _, _) in enumerate(plan.people)
        for kind, value in (("login", login.lower()), ("email", email.lower()))
    ]
    columns = ["organization_id", "contributor_id", "kind", "value"]
    writer.write(ContributorIdentity, columns, identities)
    return ids


def _write_commits(writer, organization, plan, repository_ids, people_ids) -> dict[str, int]:
    rows = (
        (organization.pk, repository_ids[repository], sha, plan.people[author][0])
        + (plan.people[author][2], plan.people[author][1], people_ids[author], message, at, com)
        for sha, (repository, author, message, at, com) in plan.commits.items()
    )
    columns = ["organization_id", "repository_id", "sha", "author_name", "author_email"]
    columns += ["author_login", "contributor_id", "message", "authored_at", "committed_at"]
    writer.write(Commit, columns, rows)
    return dict(Commit.objects.filter(organization=organization).values_list("sha", "id"))


def _write_pull_requests(writer, organization, plan, repository_ids, people_ids, commit_ids):
    def row(pr: _PullRequest) -> tuple:
        login = plan.people[pr.author][1]
        branch = f"{pr.title.lower().replace(' ', '-')}-{pr.number}"
        return (organization.pk, repository_ids[pr.repository], pr.number, pr.title, "merged") + (
            branch,
            people_ids[pr.author],
            login,
            pr.opened_at,
            pr.first_review_at,
            pr.merged_at,
            pr.merge_sha,
        )

    columns = ["organization_id", "repository_id", "number", "title", "state", "head_branch"]
    columns += ["author_id", "author_login", "opened_at", "first_review_at", "merged_at"]
    columns.append("merge_commit_sha")
    writer.write(PullRequest, columns, (row(pr) for pr in plan.pull_requests))
    pr_ids = {
        (repository_id, number): pk
        for pk, repository_id, number in PullRequest.objects.filter(
            organization=organization
        ).values_list("id", "repository_id", "number")
    }
    ids = [pr_ids[repository_ids[pr.repository], pr.number] for pr in plan.pull_requests]
    links = (
        (organization.pk, pr_id, commit_ids[sha])
        for pr_id, pr in zip(ids, plan.pull_requests, strict=True)
        for sha in pr.commit_shas
    )
    columns = ["organization_id", "pullrequest_id", "commit_id"]
    writer.write(PullRequest.commits.through, columns, links)
    return ids


def _deployment_row(organization, deployment: _Deployment) -> tuple:
    received_at = deployment.deployed_at + timedelta(seconds=5 + len(deployment.shas))
    return (
        organization.pk,
        deployment.environment,
        deployment.deployed_at,
        received_at,
        deployment.title,
        deployment.tags,
        deployment.is_test,
        deployment.shas,
        deployment_dedupe_key(deployment.shas),
        deployment.receipts,
    )


def _write_deployments(writer, organization, plan) -> list[int]:
    """The deployments as recorded, with their sent SHAs and receipts, not linked yet."""
    rows = [_deployment_row(organization, deployment) for deployment in plan.deployments]
    columns = ["organization_id", "environment_name", "deployed_at", "received_at", "title"]
    columns += ["tags", "is_test", "shas", "dedupe_key", "receipt_count"]
    writer.write(Deployment, columns, rows)
    by_key = {
        (environment, key): pk
        for pk, environment, key in Deployment.objects.filter(
            organization=organization
        ).values_list("id", "environment_name", "dedupe_key")
    }
    ids = [by_key[row[1], row[8]] for row in rows]
    pairs = list(zip(ids, plan.deployments, strict=True))
    sent = (
        (organization.pk, pk, sha, position)
        for pk, deployment in pairs
        for position, sha in enumerate(deployment.shas)
    )
    writer.write(DeploymentCommit, ["organization_id", "deployment_id", "sha", "position"], sent)
    columns = ["organization_id", "deployment_id", "request_id", "raw_body", "received_at"]
    writer.write(DeploymentReceipt, columns, _receipts(organization, pairs, rows))
    return ids


def _receipts(organization, pairs, rows):
    """One receipt per accepted POST (a retried POST left two), with the body as sent."""
    for (pk, deployment), row in zip(pairs, rows, strict=True):
        body = {
            "commitSha": deployment.shas,
            "environmentName": deployment.environment,
            "deployedAt": deployment.deployed_at.isoformat(),
            "title": deployment.title,
            "tags": deployment.tags,
            "isTest": deployment.is_test,
        }
        raw_body = json.dumps({key: value for key, value in body.items() if value != ""})
        for attempt in range(deployment.receipts):
            received_at = row[3] - timedelta(seconds=30 * (deployment.receipts - 1 - attempt))
            request_id = sha_of(pk, attempt)[:32]
            yield (organization.pk, pk, request_id, raw_body, received_at)


@dataclass
class DatasetResult:
    organization: Organization
    created: bool
    timings: dict[str, float]
    counts: dict[str, int]


@transaction.atomic
def dataset_generate(*, slug: str, scale: Scale, seed: int = 1, end: datetime) -> DatasetResult:
    """Creates organization `slug` filled at `scale`; does nothing when it has repositories."""
    organization = organization_create(slug=slug)
    if organization.repositories.exists():
        return DatasetResult(organization, False, {}, {})
    writer = _Writer()
    started = time.perf_counter()
    plan = _plan(scale, seed, end, slug)
    writer.timings["(generate in memory)"] = time.perf_counter() - started
    people_ids = _write_people(writer, organization, plan)
    repositories = writer.create(
        Repository,
        [Repository(organization=organization, full_name=name) for name in plan.repositories],
    )
    repository_ids = [repository.pk for repository in repositories]
    commit_ids = _write_commits(writer, organization, plan, repository_ids, people_ids)
    pr_ids = _write_pull_requests(
        writer, organization, plan, repository_ids, people_ids, commit_ids
    )
    deployment_ids = _write_deployments(writer, organization, plan)
    _analyze(writer)
    # Derived rows, by the services every live path uses, set-based.
    with writer.timed("(first commits)"):
        pull_requests_refresh_first_commit_at(pull_request_ids=pr_ids)
    with writer.timed("(linking)"), transaction.atomic():
        link_lock(organization_id=organization.pk, shared=False)
        deployments_link(organization_id=organization.pk, deployment_ids=deployment_ids)
    for model in (DeploymentPullRequest, DeploymentTeam):
        writer.counts[model._meta.db_table] = model.objects.filter(
            **{"deployment__organization": organization}
        ).count()
    _analyze(writer)
    return DatasetResult(organization, True, dict(writer.timings), dict(writer.counts))


def _analyze(writer: _Writer) -> None:
    """Fresh statistics, so the planner sees the real table sizes at once."""
    with writer.timed("(analyze)"), connection.cursor() as cursor:
        for table in writer.counts:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
