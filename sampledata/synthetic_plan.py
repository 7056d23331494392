"""The synthetic dataset's plan: everything generated in memory, deterministically, before
any row is written (sampledata.synthetic writes it)."""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
    incidents: int = 0


SCALES = {
    # An enterprise's five years: ten times `large`, with incidents.
    "xlarge": Scale(1000, 4000, 50, 300, 1_000_000, 6_000_000, 600_000, 1826, 3000),
    # Without incidents, so its figures stay comparable with the earlier rounds'.
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
# Of the incidents: naming a deployment's SHA, naming no repository at all.
EXPLICIT_INCIDENT_SHARE, UNATTRIBUTABLE_INCIDENT_SHARE, OPEN_INCIDENT_SHARE = 0.2, 0.1, 0.02
SEVERITIES = ["sev1", "sev2", "sev2", "sev3", "sev3", "sev3"]


@dataclass
class PlannedPullRequest:
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
class PlannedDeployment:
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
class PlannedIncident:
    """What an incident source sends; the deployment it belongs to is the rule's to find."""

    repository: int | None
    started_at: datetime
    resolved_at: datetime | None
    title: str
    severity: str
    deployment_sha: str = ""


@dataclass
class Plan:
    """Everything generated, before writing: indexes instead of database ids."""

    teams: int
    people: list[tuple[str, str, str, bool, list[int]]]
    repositories: list[str]
    pull_requests: list[PlannedPullRequest]
    # sha -> (repository, author, message, authored_at, committed_at)
    commits: dict[str, tuple[int, int, str, datetime, datetime]]
    deployments: list[PlannedDeployment]
    incidents: list[PlannedIncident] = field(default_factory=list)


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


def _pull_requests(scale: Scale, rng: random.Random, end: datetime) -> list[PlannedPullRequest]:
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
            PlannedPullRequest(
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
            PlannedDeployment(
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


def _test_deployment(rng, pull_requests, indexes, repository, end, taken) -> PlannedDeployment:
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
    return PlannedDeployment(repository, environment, deployed_at, shas, batch, True, ["ci"])


def _deployments(scale: Scale, rng, seed, pull_requests, end) -> list[PlannedDeployment]:
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
            PlannedDeployment(None, environment, deployed_at, shas, [], title="Manual deploy")
        )
    for number, deployment in enumerate(deployments):
        if deployment.shas and not deployment.title and rng.random() < 0.5:
            deployment.title = f"Deploy #{number + 1} to {deployment.environment}"
    return deployments


def _incidents(scale: Scale, seed: int, deployments, end: datetime) -> list[PlannedIncident]:
    """Production incidents, each started a few hours after a deployment of a repository.
    Its own random stream, so the rest of the plan is the same with or without them."""
    rng = random.Random(f"incidents:{seed}")
    candidates = [
        d for d in deployments if d.environment == "production" and d.repository is not None
    ]
    if not candidates or not scale.incidents:
        return []
    incidents = []
    for deployment in sorted(rng.sample(candidates, scale.incidents), key=lambda d: d.deployed_at):
        started_at = deployment.deployed_at + hours_lognormal(rng, 2, 1.0)
        if started_at >= end:
            started_at = deployment.deployed_at + (end - deployment.deployed_at) * rng.random()
        resolved_at = started_at + hours_lognormal(rng, 1.5, 1.2)
        if resolved_at >= end or rng.random() < OPEN_INCIDENT_SHARE:
            resolved_at = None
        kind = rng.random()
        incidents.append(
            PlannedIncident(
                repository=None if kind < UNATTRIBUTABLE_INCIDENT_SHARE else deployment.repository,
                started_at=started_at,
                resolved_at=resolved_at,
                title=f"{rng.choice(TOPICS).capitalize()} degraded",
                severity=rng.choice(SEVERITIES),
                deployment_sha=deployment.shas[0][:12]
                if kind > 1 - EXPLICIT_INCIDENT_SHARE
                else "",
            )
        )
    return incidents


def plan_build(scale: Scale, seed: int, end: datetime, slug: str) -> Plan:
    rng = random.Random(seed)
    repositories = [f"{slug}/service-{index + 1:03d}" for index in range(scale.repositories)]
    pull_requests = _pull_requests(scale, rng, end)
    people = _people(scale)
    commits = _commits(scale, rng, seed, pull_requests, people)
    deployments = _deployments(scale, rng, seed, pull_requests, end)
    incidents = _incidents(scale, seed, deployments, end)
    return Plan(scale.teams, people, repositories, pull_requests, commits, deployments, incidents)
