"""The demo organization: deterministic, realistic (skewed) history that tells a story.

Every row is keyed by a natural unique constraint and inserted with ignore_conflicts, so
running the seed again adds nothing.
"""

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from deployments.recording import deployment_record
from organizations.models import Contributor, ContributorIdentity, Membership, Organization, Team
from organizations.services import (
    membership_set,
    organization_counting_update,
    organization_create,
    user_ensure,
)
from repositories.models import Commit, PullRequest, Repository
from sampledata.demo_incidents import demo_incidents_seed
from sampledata.generation import hours_lognormal, sha_of

DEMO_SLUG = "demo"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "shiplog-demo"  # noqa: S105 - printed for the local demo on purpose
REPOSITORIES = ["acme/web", "acme/api", "acme/mobile", "acme/infra", "acme/docs"]
# Busy repositories get most of the work: realistic skew.
REPOSITORY_WEIGHTS = [40, 30, 15, 10, 5]
TEAMS = {"platform": "Platform", "payments": "Payments", "growth": "Growth", "mobile": "Mobile"}
PEOPLE = [
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Donald Knuth",
    "Margaret Hamilton",
    "Ken Thompson",
    "Dennis Ritchie",
    "Frances Allen",
    "John Backus",
    "Radia Perlman",
    "Leslie Lamport",
    "Tony Hoare",
    "Niklaus Wirth",
    "Adele Goldberg",
    "Guido van Rossum",
    "Anita Borg",
    "Jean Sammet",
    "Bjarne Stroustrup",
    "Sophie Wilson",
    "Butler Lampson",
    "Shafi Goldwasser",
    "Vint Cerf",
    "Hedy Lamarr",
    "Fran Bilas",
    "Jim Gray",
    "Karen Jones",
]
BOTS = ["dependabot[bot]", "renovate[bot]"]
WEEKS = 26
MERGED_PRS = 600
SUBJECTS = [
    "Add {} endpoint",
    "Fix {} edge case",
    "Refactor {} module",
    "Speed up {} query",
    "Improve {} error messages",
    "Remove dead code in {}",
    "Add tests for {}",
    "Update {} copy",
]
TOPICS = [
    "checkout",
    "billing",
    "search",
    "login",
    "onboarding",
    "invoices",
    "settings",
    "notifications",
    "reports",
    "export",
    "cache",
    "webhooks",
]


@dataclass
class DemoResult:
    organization: Organization
    username: str
    password: str


def _people(organization: Organization) -> list[Contributor]:
    teams = [
        Team.objects.get_or_create(organization=organization, slug=slug, defaults={"name": name})[
            0
        ]
        for slug, name in TEAMS.items()
    ]
    contributors = []
    for index, name in enumerate(PEOPLE + BOTS):
        login = name.split()[0].lower() if name not in BOTS else name
        identity = ContributorIdentity.objects.filter(
            organization=organization, kind="login", value=login
        ).first()
        if identity:
            contributors.append(identity.contributor)
            continue
        contributor = Contributor.objects.create(
            organization=organization, display_name=name, is_bot=name in BOTS
        )
        email = f"{login.replace('[bot]', '')}@{'bots.' if name in BOTS else ''}acme.dev"
        ContributorIdentity.objects.create(
            organization=organization, contributor=contributor, kind="login", value=login
        )
        ContributorIdentity.objects.create(
            organization=organization, contributor=contributor, kind="email", value=email
        )
        if name not in BOTS:
            contributor.teams.add(
                teams[index % len(teams)], through_defaults={"organization": organization}
            )
        contributors.append(contributor)
    return contributors


def _commit(repository, contributor, sha, message, at: datetime) -> Commit:
    identity = contributor.identities.all()
    login = next(i.value for i in identity if i.kind == "login")
    email = next(i.value for i in identity if i.kind == "email")
    return Commit(
        organization=repository.organization,
        repository=repository,
        sha=sha,
        author_name=contributor.display_name,
        author_email=email,
        author_login=login,
        contributor=contributor,
        message=message,
        authored_at=at,
        committed_at=at,
    )


def _history(organization, repositories, contributors, rng, now):
    """Builds commits and merged PRs; returns (commits, prs, pr_commit_shas)."""
    start = now - timedelta(weeks=WEEKS)
    people, bots = contributors[: len(PEOPLE)], contributors[len(PEOPLE) :]
    commits, pull_requests, pr_commit_shas = [], [], {}
    numbers = dict.fromkeys(repositories, 0)
    for index in range(MERGED_PRS):
        repository = rng.choices(repositories, weights=REPOSITORY_WEIGHTS)[0]
        numbers[repository] += 1
        number = numbers[repository]
        is_bot = rng.random() < 0.08
        author = rng.choice(bots if is_bot else people)
        first_commit_at = start + timedelta(seconds=rng.uniform(0, WEEKS * 7 * 86400 * 0.97))
        opened_at = first_commit_at + hours_lognormal(rng, 0.2 if is_bot else 10)
        first_review_at = None if is_bot else opened_at + hours_lognormal(rng, 4, 1.2)
        merged_at = (first_review_at or opened_at) + hours_lognormal(
            rng, 0.5 if is_bot else 6, 1.1
        )
        if merged_at >= now - timedelta(hours=1):
            continue
        title = rng.choice(SUBJECTS).format(rng.choice(TOPICS))
        if is_bot:
            title = f"Bump {rng.choice(TOPICS)}-lib from 1.{index % 9}.0 to 1.{index % 9 + 1}.0"
        shas = []
        for position in range(1 if is_bot else rng.randint(1, 5)):
            sha = sha_of(repository.full_name, number, position)
            at = first_commit_at + (opened_at - first_commit_at) * position / 5
            commits.append(_commit(repository, author, sha, f"{title} (part {position + 1})", at))
            shas.append(sha)
        merge_sha = sha_of(repository.full_name, number, "merge")
        merge_message = f"Merge pull request #{number} from acme/{title.lower().replace(' ', '-')}"
        commits.append(_commit(repository, author, merge_sha, merge_message, merged_at))
        pull_requests.append(
            PullRequest(
                organization=organization,
                repository=repository,
                number=number,
                title=title,
                state=PullRequest.State.MERGED,
                author=author,
                author_login=author.display_name,
                opened_at=opened_at,
                first_review_at=first_review_at,
                merged_at=merged_at,
                merge_commit_sha=merge_sha,
                first_commit_at=first_commit_at,
            )
        )
        pr_commit_shas[(repository.id, number)] = shas + [merge_sha]
    return commits, pull_requests, pr_commit_shas


def _link_pull_request_commits(organization, pr_commit_shas):
    commit_ids = dict(Commit.objects.filter(organization=organization).values_list("sha", "id"))
    pr_ids = {
        (repository_id, number): pk
        for pk, repository_id, number in PullRequest.objects.filter(
            organization=organization
        ).values_list("id", "repository_id", "number")
    }
    through = PullRequest.commits.through
    rows = [
        through(organization=organization, pullrequest_id=pr_ids[key], commit_id=commit_ids[sha])
        for key, shas in pr_commit_shas.items()
        for sha in shas
    ]
    through.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


# (environment, UTC hours of the deploy slots, weekdays): staging ships more often, and
# production not on Fridays.
DEPLOY_SLOTS = [("staging", [10, 15], range(5)), ("production", [12], range(4))]
FAILED_PRODUCTION_DEPLOYS = 2


def _deploy_plan(merged, rng, start, now):
    """(environment, deployed_at, merge SHAs) per slot that has merges since the last one."""
    plan = []
    for environment, hours, weekdays in DEPLOY_SLOTS:
        pending, index = [], 0
        day = start.replace(hour=0)
        while day < now:
            for hour in hours if day.weekday() in weekdays else []:
                at = day + timedelta(hours=hour, minutes=rng.randint(0, 40))
                while index < len(merged) and merged[index][1] <= at:
                    pending.append(merged[index][0])
                    index += 1
                if pending and at < now:
                    plan.append((environment, at, pending))
                    pending = []
            day += timedelta(days=1)
    return plan


def _deployments_seed(organization, rng, now):
    """Each repository deploys its merged PRs' merge commits, through the live service."""
    merged = defaultdict(list)
    for repository_id, sha, merged_at in (
        PullRequest.objects.filter(organization=organization, merged_at__isnull=False)
        .order_by("merged_at")
        .values_list("repository_id", "merge_commit_sha", "merged_at")
    ):
        merged[repository_id].append((sha, merged_at))
    start = now - timedelta(weeks=WEEKS)
    bodies = []
    for repository_id in sorted(merged):
        for environment, at, shas in _deploy_plan(merged[repository_id], rng, start, now):
            bodies.append({"commitSha": shas, "environmentName": environment, "deployedAt": at})
    production = [body for body in bodies if body["environmentName"] == "production"]
    for body in rng.sample(production, FAILED_PRODUCTION_DEPLOYS):
        body["tags"] = ["is_failure"]
    for body in rng.sample(production, FAILED_PRODUCTION_DEPLOYS):
        body.setdefault("tags", []).append("rollback")
    for body in rng.sample(production, 3):
        bodies.append({**body, "environmentName": "production-smoke", "isTest": True})
    for number, body in enumerate(bodies):
        _deployment_send(organization, body, number, rng)


def _deployment_send(organization, body, number, rng):
    deployed_at = body["deployedAt"]
    deployment_record(
        organization=organization,
        request_id=f"demo-{number}",
        raw_body=json.dumps({**body, "deployedAt": deployed_at.isoformat()}),
        shas=body["commitSha"],
        environment_name=body["environmentName"],
        deployed_at=deployed_at,
        tags=body.get("tags", []),
        is_test=body.get("isTest", False),
        received_at=deployed_at + timedelta(seconds=rng.randint(1, 90)),
    )


@transaction.atomic
def demo_seed(*, seed: int = 7) -> DemoResult:
    rng = random.Random(seed)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    organization = organization_create(slug=DEMO_SLUG, name="Acme Demo")
    user, _ = user_ensure(username=DEMO_USERNAME, password=DEMO_PASSWORD)
    membership_set(organization=organization, user=user, role=Membership.Role.ADMIN)
    if not organization.repositories.exists():
        contributors = _people(organization)
        repositories = [
            Repository.objects.get_or_create(organization=organization, full_name=name)[0]
            for name in REPOSITORIES
        ]
        commits, pull_requests, pr_commit_shas = _history(
            organization, repositories, contributors, rng, now
        )
        Commit.objects.bulk_create(commits, ignore_conflicts=True, batch_size=1000)
        PullRequest.objects.bulk_create(pull_requests, ignore_conflicts=True, batch_size=1000)
        _link_pull_request_commits(organization, pr_commit_shas)
    if not organization.deployments.exists():
        # Good DORA practice: only production counts (staging shows on /settings/ to add).
        organization_counting_update(
            organization=organization, counted_environments=["production"]
        )
        _deployments_seed(organization, random.Random(seed + 1), now)
    if not organization.incidents.exists():
        demo_incidents_seed(organization=organization, now=now)
    return DemoResult(organization=organization, username=DEMO_USERNAME, password=DEMO_PASSWORD)
