"""A large synthetic organization for benchmarks and tests: deterministic and consistent.

The same seed gives the same rows (SHAs, titles; times relative to `end`). Only what a
source would send is generated: people, commits, PRs with their commits, deployments
with their sent SHAs, and incidents. Everything derived (PR first commits, SHA matches,
repositories, default titles, attribution, shipped PRs, deploy moments, incident
attribution) is then computed by the same set-based services the live paths call, over
the whole organization at once.

Rows are built as plain tuples and written with PostgreSQL's COPY: no model instances and
no per-row round trips, whatever the scale.
"""

import json
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
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
from incidents.attribution import organization_incidents_attribute
from incidents.models import Incident
from incidents.services import repository_for_name
from organizations.models import Contributor, ContributorIdentity, Organization, Team
from organizations.services import organization_create
from repositories.models import Commit, PullRequest, Repository
from repositories.services import pull_requests_refresh_first_commit_at
from sampledata.generation import sha_of
from sampledata.synthetic_plan import (
    SCALES,
    PlannedDeployment,
    PlannedPullRequest,
    Scale,
    plan_build,
)

__all__ = ["SCALES", "Scale", "dataset_generate"]


class _Writer:
    """Inserts rows given as tuples with COPY; times each table and reports each step."""

    def __init__(self, progress: Callable[[str], None] | None = None):
        self.timings: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self.progress = progress or (lambda line: None)

    def write(self, model: type[models.Model], columns: list[str], rows) -> None:
        started = time.perf_counter()
        fields = [model._meta.get_field(column) for column in columns]
        count = self._copy(model, fields, rows)
        seconds = time.perf_counter() - started
        self.timings[model._meta.db_table] += seconds
        self.counts[model._meta.db_table] += count
        self.progress(f"{model._meta.db_table}: {count} rows in {seconds:.1f} s")

    @contextmanager
    def timed(self, label: str):
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        self.timings[label] += seconds
        self.progress(f"{label} in {seconds:.1f} s")

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
        defaults = [now if _stamped(f) else f.get_default() for f in rest]
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


def _stamped(field: models.Field) -> bool:
    return getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False)


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
    def row(pr: PlannedPullRequest) -> tuple:
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


def _deployment_row(organization, deployment: PlannedDeployment) -> tuple:
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


def _write_incidents(writer, organization, plan) -> None:
    """The incidents as an incidents source sends them, through the incidents API's fields:
    a repository's name (resolved by the API's rule), a SHA for some, no deployment."""
    repositories = {
        name: repository_for_name(organization=organization, name=name)
        for name in {
            plan.repositories[i.repository] for i in plan.incidents if i.repository is not None
        }
    }
    rows = []
    for number, incident in enumerate(plan.incidents, start=1):
        name = plan.repositories[incident.repository] if incident.repository is not None else ""
        repository = repositories.get(name)
        rows.append(
            (organization.pk, Incident.Source.API, f"INC-{number}", incident.title)
            + (incident.severity, name, repository.pk if repository else None, "production")
            + (incident.started_at, incident.resolved_at, incident.deployment_sha)
        )
    columns = ["organization_id", "source", "external_id", "title", "severity"]
    columns += ["repository_name", "repository_id", "environment_name", "started_at"]
    columns += ["resolved_at", "deployment_sha"]
    writer.write(Incident, columns, rows)


@dataclass
class DatasetResult:
    organization: Organization
    created: bool
    timings: dict[str, float]
    counts: dict[str, int]


@transaction.atomic
def dataset_generate(
    *, slug: str, scale: Scale, seed: int = 1, end: datetime, progress=None
) -> DatasetResult:
    """Creates organization `slug` filled at `scale`; does nothing when it has repositories.
    `progress` is called with a line after each step."""
    organization = organization_create(slug=slug)
    if organization.repositories.exists():
        return DatasetResult(organization, False, {}, {})
    writer = _Writer(progress)
    with writer.timed("(generate in memory)"):
        plan = plan_build(scale, seed, end, slug)
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
    # After the deployments, as a source's incidents arrive: each attributed once, when
    # written (following every linked deployment's incidents would repeat that work).
    _write_incidents(writer, organization, plan)
    with writer.timed("(incident attribution)"):
        organization_incidents_attribute(organization_id=organization.pk)
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
