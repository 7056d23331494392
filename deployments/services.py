"""Recording deployments (receipt + race-safe dedupe) and linking them to commits and PRs.

Linking is a pure function of a deployment's SHAs and deployed_at and of the commit/PR data
known at the time, recomputed whenever either side changes: so the answer is the same
whichever arrives first.

On PostgreSQL, deployment_record hands the whole write to the database function
shiplog_deployment_record (migration deployments 0008), which applies these same rules
set-based; tests/deployments/test_record_parity.py holds the two to the same rows.
"""

import hashlib
import json
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from deployments.attribution import (
    attribution_of_rows,
    deployment_teams_store,
    deployments_attribute,
)
from deployments.models import (
    Deployment,
    DeploymentCommit,
    DeploymentPullRequest,
    DeploymentReceipt,
)
from organizations.models import Organization
from repositories.models import Commit, PullRequest, Repository
from tokens.models import ApiToken

FULL_SHA_LENGTH = 40
# Relinking after a large import is done in batches of this many deployments.
LINK_BATCH_SIZE = 200
# PRs locked and recomputed together when a whole organization's deploy moments are
# (the Python path; PostgreSQL does the organization in set-based statements).
REFRESH_BATCH_SIZE = 2000
# Above this many SHAs, commits_link only tries the prefix lengths deployments were sent with.
FEW_SHAS = 100
# pg_advisory_xact_lock key space for "linking deployments of organization N".
_LINK_LOCK_CLASS = 7242


@dataclass(frozen=True)
class DeploymentResult:
    deployment: Deployment
    receipt: DeploymentReceipt
    matched_shas: list[str]
    unknown_shas: list[str]
    pull_requests: list[PullRequest]
    replaced_existing: bool


@dataclass
class _Link:
    """What linking decided for one deployment."""

    repository_id: int | None
    default_title: str
    pull_request_ids: set[int]


def shas_normalise(shas: Iterable[str]) -> list[str]:
    """Lowercase, trimmed, first occurrence kept: the SHAs as the deployment stores them."""
    return list(dict.fromkeys(sha.strip().lower() for sha in shas))


def deployment_dedupe_key(shas: Iterable[str]) -> str:
    """The same set of SHAs, in any order or case, gives the same key."""
    return hashlib.sha256("\n".join(sorted(set(shas_normalise(shas)))).encode()).hexdigest()


def deployment_record(
    *,
    organization: Organization,
    token: ApiToken | None = None,
    request_id: str,
    raw_body: str,
    shas: Sequence[str],
    environment_name: str,
    deployed_at: datetime | None = None,
    title: str = "",
    tags: Sequence[str] = (),
    is_test: bool = False,
    received_at: datetime | None = None,
) -> DeploymentResult:
    """Appends a receipt and upserts the deduplicated deployment; the latest received wins.

    Same organization + environment + set of SHAs is one Deployment, enforced by the unique
    constraint: concurrent identical calls leave one row and one receipt each.
    """
    received_at = received_at or timezone.now()
    shas = shas_normalise(shas)
    candidate = Deployment(
        organization=organization,
        environment_name=environment_name.strip(),
        deployed_at=deployed_at or received_at,
        received_at=received_at,
        title=title,
        tags=list(dict.fromkeys(tags)),
        is_test=is_test,
        shas=shas,
        dedupe_key=deployment_dedupe_key(shas),
    )
    if links_in_database():
        return _deployment_record_in_database(
            candidate=candidate, token=token, request_id=request_id, raw_body=raw_body
        )
    with transaction.atomic():
        _link_lock(organization=organization, shared=True)
        deployment, replaced_existing, wins = _deployment_upsert(candidate=candidate)
        receipt = DeploymentReceipt.objects.create(
            organization=organization,
            token=token,
            deployment=deployment,
            request_id=request_id,
            raw_body=raw_body,
            received_at=received_at,
        )
        if not wins:
            return _result_read(deployment=deployment, receipt=receipt)
        deployment_commits, pull_request_ids = _deployment_commits_replace(
            deployment=deployment, replaced=replaced_existing
        )
    matched = {row.sha for row in deployment_commits if row.commit_id}
    return DeploymentResult(
        deployment=deployment,
        receipt=receipt,
        matched_shas=[sha for sha in deployment.shas if sha in matched],
        unknown_shas=[sha for sha in deployment.shas if sha not in matched],
        pull_requests=list(
            PullRequest.objects.filter(id__in=pull_request_ids)
            .select_related("repository")
            .order_by("repository__full_name", "number")
        ),
        replaced_existing=replaced_existing,
    )


def links_in_database() -> bool:
    """PostgreSQL records a deployment with one call of shiplog_deployment_record (migration
    deployments 0008) and refreshes a whole organization's deploy moments with set-based
    statements: the same rules as the Python here, which other databases use."""
    return connection.vendor == "postgresql"


def _deployment_record_in_database(
    *, candidate: Deployment, token: ApiToken | None, request_id: str, raw_body: str
) -> DeploymentResult:
    # One transaction with the report of a losing (older) receipt, read under the same locks
    # as in the Python path.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT shiplog_deployment_record(%s::bigint, %s::bigint, %s::text, %s::text, "
            "%s::timestamptz, %s::text, %s::timestamptz, %s::text, %s::text[], %s::boolean, "
            "%s::text[], %s::text)",
            [
                candidate.organization_id,
                token.pk if token else None,
                request_id,
                raw_body,
                candidate.received_at,
                candidate.environment_name,
                candidate.deployed_at,
                candidate.title,
                candidate.tags,
                candidate.is_test,
                candidate.shas,
                candidate.dedupe_key,
            ],
        )
        (outcome,) = cursor.fetchone()
        if isinstance(outcome, str):  # Django loads jsonb as text, for JSONField to parse.
            outcome = json.loads(outcome)
        # The function stored the candidate as it is, plus what linking derived.
        deployment = candidate
        deployment.pk = outcome["deployment_id"]
        receipt = DeploymentReceipt(
            pk=outcome["receipt_id"],
            organization=deployment.organization,
            token=token,
            deployment=deployment,
            request_id=request_id,
            raw_body=raw_body,
            received_at=deployment.received_at,
        )
        _mark_saved(receipt)
        if not outcome["wins"]:
            return _result_read(deployment=deployment, receipt=receipt)
    deployment.receipt_count = outcome["receipt_count"]
    deployment.default_title = outcome["default_title"]
    deployment.contributor_rank = outcome["contributor_rank"]
    deployment.repository = None
    if outcome["repository_id"]:
        deployment.repository = _repository_ref(outcome["repository_id"], outcome["repository"])
    _mark_saved(deployment)
    matched = set(outcome["matched_shas"])
    return DeploymentResult(
        deployment=deployment,
        receipt=receipt,
        matched_shas=[sha for sha in deployment.shas if sha in matched],
        unknown_shas=[sha for sha in deployment.shas if sha not in matched],
        pull_requests=[
            _pull_request_ref(pk, number, title, _repository_ref(repository_id, full_name))
            for pk, number, title, repository_id, full_name in outcome["pull_requests"]
        ],
        replaced_existing=outcome["replaced"],
    )


def _mark_saved(instance) -> None:
    """A complete instance of a row the database function wrote."""
    instance._state.adding = False
    instance._state.db = connection.alias


def _repository_ref(pk: int, full_name: str) -> Repository:
    # from_db: the fields not given are deferred, so a save() could not blank them.
    return Repository.from_db(connection.alias, ["id", "full_name"], [pk, full_name])


def _pull_request_ref(pk: int, number: int, title: str, repository: Repository) -> PullRequest:
    pull_request = PullRequest.from_db(
        connection.alias,
        ["id", "repository_id", "number", "title"],
        [pk, repository.pk, number, title],
    )
    pull_request.repository = repository
    return pull_request


def _deployment_upsert(*, candidate: Deployment) -> tuple[Deployment, bool, bool]:
    """Insert-or-count in one statement; returns (deployment, replaced_existing, wins).

    ON CONFLICT DO UPDATE waits for a concurrent inserter of the same key, then counts this
    receipt and keeps the row locked (FOR NO KEY UPDATE: receipt_count is in no key) until
    commit, which serialises the updaters; a count of 1 marks the row this call inserted. The
    replacement is made in memory: the caller saves it once, still holding the lock.
    """
    candidate.receipt_count = 1
    deployment = next(iter(Deployment.objects.raw(_upsert_sql(), _upsert_params(candidate))))
    deployment.organization = candidate.organization
    replaced_existing = deployment.receipt_count > 1
    wins = not replaced_existing or candidate.received_at >= deployment.received_at
    if replaced_existing and wins:
        for field in _REPLACED_FIELDS:
            setattr(deployment, field, getattr(candidate, field))
    return deployment, replaced_existing, wins


def _upsert_fields() -> list:
    return [
        field
        for field in Deployment._meta.concrete_fields
        if not field.primary_key and not field.generated
    ]


def _upsert_sql() -> str:
    """INSERT … ON CONFLICT (the unique key) DO UPDATE … RETURNING: PostgreSQL, SQLite 3.35+."""
    quote = connection.ops.quote_name
    table = quote(Deployment._meta.db_table)
    fields = _upsert_fields()
    key = ", ".join(
        quote(Deployment._meta.get_field(name).column)
        for name in ("organization", "environment_name", "dedupe_key")
    )
    count = quote("receipt_count")
    # Only quoted names from the model's metadata are interpolated; values are parameters.
    return (
        f"INSERT INTO {table} ({', '.join(quote(field.column) for field in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {count} = {table}.{count} + 1 RETURNING *"
    )


def _upsert_params(candidate: Deployment) -> list:
    return [
        field.get_db_prep_save(getattr(candidate, field.attname), connection)
        for field in _upsert_fields()
    ]


_REPLACED_FIELDS = ("deployed_at", "received_at", "title", "tags", "is_test", "shas")


def _deployment_commits_replace(
    *, deployment: Deployment, replaced: bool
) -> tuple[list[DeploymentCommit], set[int]]:
    """Stores the SHAs in the order sent, already linked, and the PRs the deployment ships."""
    if replaced:
        DeploymentCommit.objects.filter(deployment=deployment).delete()
    deployment_commits = [
        DeploymentCommit(
            organization_id=deployment.organization_id,
            deployment=deployment,
            sha=sha,
            position=position,
        )
        for position, sha in enumerate(deployment.shas)
    ]
    links = _links_compute(
        organization=deployment.organization,
        deployments=[deployment],
        deployment_commits={deployment.id: deployment_commits},
    )
    DeploymentCommit.objects.bulk_create(deployment_commits, batch_size=1000)
    link = links[deployment.id]
    first_matched = next((row.commit for row in deployment_commits if row.commit), None)
    deployment.repository = first_matched.repository if first_matched else None
    deployment.default_title = link.default_title
    attribution = attribution_of_rows(deployment_commits)
    deployment.contributor_rank = attribution.rank
    deployment.save(
        update_fields=["repository", "default_title", "contributor_rank", *_REPLACED_FIELDS]
    )
    deployment_teams_store(deployment, attribution, known_empty=not replaced)
    affected = _pull_request_links_save(
        deployments=[deployment], links=links, known_empty=not replaced
    )
    if replaced:
        pull_requests_refresh_deploy_moment(pull_request_ids=affected)
    else:
        _deploy_moments_raise(deployment=deployment, pull_request_ids=link.pull_request_ids)
    return deployment_commits, link.pull_request_ids


def _deploy_moments_raise(*, deployment: Deployment, pull_request_ids: set[int]) -> None:
    """A new deployment can only raise the deploy moment of the PRs it ships (the maximum of
    the counted deployed_at) and add its tags to theirs: conditional updates instead of
    recomputing from every deployment that ships them."""
    if not pull_request_ids or deployment.is_test:
        return
    # Read under the link lock, not from the token's organization: a change of the setting
    # committed since then has refreshed every PR, and this must follow the same rule.
    counted = Organization.objects.values_list("counted_environments", flat=True).get(
        pk=deployment.organization_id
    )
    if counted and deployment.environment_name not in counted:
        return
    # Every PR it ships is locked first, in id order, as in _deploy_moments_update, so
    # concurrent writers never deadlock: locking only the PRs `later` at that moment would
    # let the UPDATE below take one lowered since (by a replacement) out of order.
    current_tags = dict(
        PullRequest.objects.select_for_update(no_key=True)
        .filter(id__in=pull_request_ids)
        .order_by("id")
        .values_list("id", "shipped_tags")
    )
    if deployment.tags:
        _shipped_tags_save(
            {pk: [*tags, *deployment.tags] for pk, tags in current_tags.items()},
            current=current_tags,
        )
    later = Q(deploy_moment__isnull=True) | Q(deploy_moment__lt=deployment.deployed_at)
    PullRequest.objects.filter(later, id__in=pull_request_ids).update(
        deploy_moment=deployment.deployed_at
    )


def _shipped_tags_save(tags_by_pr: dict[int, list], *, current: dict[int, list]) -> None:
    """Stores each PR's tags sorted and distinct, writing only those that changed."""
    changed = [
        PullRequest(pk=pk, shipped_tags=tags)
        for pk, tags in ((pk, sorted(set(tags))) for pk, tags in tags_by_pr.items())
        if tags != current.get(pk)
    ]
    PullRequest.objects.bulk_update(changed, ["shipped_tags"], batch_size=1000)


def _result_read(*, deployment: Deployment, receipt: DeploymentReceipt) -> DeploymentResult:
    """For a receipt older than the stored deployment: report the stored (newer) one."""
    linked = dict(
        DeploymentCommit.objects.filter(deployment=deployment).values_list("sha", "commit_id")
    )
    deployment = Deployment.objects.select_related("repository").get(pk=deployment.pk)
    return DeploymentResult(
        deployment=deployment,
        receipt=receipt,
        matched_shas=[sha for sha in deployment.shas if linked.get(sha)],
        unknown_shas=[sha for sha in deployment.shas if not linked.get(sha)],
        pull_requests=list(
            PullRequest.objects.filter(deployments=deployment)
            .select_related("repository")
            .order_by("repository__full_name", "number")
        ),
        replaced_existing=True,
    )


def commits_link(*, organization: Organization, shas: Sequence[str]) -> None:
    """Relinks the deployments carrying any of these SHAs (or a 7+ prefix of one).

    Called after commits or PR data were written (repositories' commit_data_changed signal):
    pending deployments get their commits, repository, default title and PRs.
    """
    shas = shas_normalise(shas)
    if not shas:
        return
    with transaction.atomic():
        # Exclusive: waits for in-flight deployment_record calls of this organization, so a
        # deployment being recorded while these commits were written is seen here.
        _link_lock(organization=organization, shared=False)
        prefixes = _sent_forms(organization=organization, shas=shas)
        deployment_ids: set[int] = set()
        for start in range(0, len(prefixes), 5000):
            deployment_ids.update(
                DeploymentCommit.objects.filter(
                    organization=organization, sha__in=prefixes[start : start + 5000]
                ).values_list("deployment_id", flat=True)
            )
        ordered = sorted(deployment_ids)
        for start in range(0, len(ordered), LINK_BATCH_SIZE):
            _deployments_relink(
                organization=organization, deployment_ids=ordered[start : start + LINK_BATCH_SIZE]
            )


def _sent_forms(*, organization: Organization, shas: list[str]) -> list[str]:
    """Every value a sent DeploymentCommit.sha could hold to match one of `shas`.

    A few SHAs (a push) try every prefix length; many (an import) only the lengths this
    organization's deployments were sent with, so 50,000 SHAs stay 50,000 values instead
    of 1.7 million.
    """
    lengths = range(7, FULL_SHA_LENGTH + 1)
    if len(shas) > FEW_SHAS:
        lengths = set(
            DeploymentCommit.objects.filter(organization=organization)
            .annotate(length=Length("sha"))
            .values_list("length", flat=True)
            .distinct()
        )
    return sorted({sha[:length] for sha in shas for length in lengths if length <= len(sha)})


def _deployments_relink(*, organization: Organization, deployment_ids: list[int]) -> None:
    deployments = list(
        Deployment.objects.select_for_update(no_key=True)
        .filter(organization=organization, id__in=deployment_ids)
        .order_by("id")
    )
    deployment_commits: dict[int, list[DeploymentCommit]] = defaultdict(list)
    for deployment_commit in DeploymentCommit.objects.filter(
        deployment_id__in=deployment_ids
    ).order_by("deployment_id", "position"):
        deployment_commits[deployment_commit.deployment_id].append(deployment_commit)
    before = {
        deployment_commit.pk: (deployment_commit.commit_id, deployment_commit.contributor_id)
        for rows in deployment_commits.values()
        for deployment_commit in rows
    }
    links = _links_compute(
        organization=organization, deployments=deployments, deployment_commits=deployment_commits
    )
    changed_commits = [
        deployment_commit
        for rows in deployment_commits.values()
        for deployment_commit in rows
        if (deployment_commit.commit_id, deployment_commit.contributor_id)
        != before[deployment_commit.pk]
    ]
    affected = _links_save(deployments=deployments, links=links, changed_commits=changed_commits)
    deployments_attribute(deployment_ids={row.deployment_id for row in changed_commits})
    pull_requests_refresh_deploy_moment(pull_request_ids=affected)


def _commits_match(*, organization: Organization, shas: Iterable[str]) -> dict[str, Commit]:
    """Matches each SHA (40 hex, or a 7+ prefix) to a commit of the organization, in one query.

    Prefixes are range conditions on the (organization, sha) index. A SHA matching several
    commits resolves to the most recently committed one: deterministic in any arrival order.
    """
    shas = set(shas)
    full = [sha for sha in shas if len(sha) == FULL_SHA_LENGTH]
    prefixes = sorted(sha for sha in shas if len(sha) < FULL_SHA_LENGTH)
    if not shas:
        return {}
    condition = Q(sha__in=full) if full else Q()
    for prefix in prefixes:
        condition |= Q(sha__gte=prefix, sha__lt=prefix + "g")
    candidates = sorted(
        Commit.objects.filter(condition, organization=organization)
        .select_related("repository")
        .only("id", "sha", "message", "committed_at", "contributor_id", "repository__full_name"),
        key=lambda commit: commit.sha,
    )
    keys = [commit.sha for commit in candidates]
    matches = {}
    for sha in shas:
        index = bisect_left(keys, sha)
        found = []
        while index < len(keys) and keys[index].startswith(sha):
            found.append(candidates[index])
            index += 1
        if found:
            matches[sha] = max(
                found, key=lambda c: (c.committed_at, c.sha, c.repository.full_name)
            )
    return matches


def _links_compute(
    *,
    organization: Organization,
    deployments: list[Deployment],
    deployment_commits: dict[int, list[DeploymentCommit]],
) -> dict[int, _Link]:
    """Sets each DeploymentCommit.commit (and its contributor) and decides repository,
    default title and PRs.

    A deployment ships a PR when it carries the PR's merge commit, or carries one of the PR's
    commits and was deployed at or after the PR's merge.
    """
    all_rows = [row for rows in deployment_commits.values() for row in rows]
    matches = _commits_match(organization=organization, shas={row.sha for row in all_rows})
    for row in all_rows:
        row.commit = matches.get(row.sha)
        row.contributor_id = row.commit.contributor_id if row.commit else None
    full_shas = {commit.sha for commit in matches.values()} | {
        row.sha for row in all_rows if len(row.sha) == FULL_SHA_LENGTH
    }
    merged_by_sha, members_by_commit = _pull_requests_for(
        organization=organization,
        full_shas=full_shas,
        commit_ids={commit.id for commit in matches.values()},
    )
    links = {}
    for deployment in deployments:
        rows = deployment_commits.get(deployment.id, [])
        commits = [row.commit for row in rows if row.commit]
        carried = {commit.sha for commit in commits} | {
            row.sha for row in rows if len(row.sha) == FULL_SHA_LENGTH
        }
        pull_request_ids = {pr_id for sha in carried for pr_id in merged_by_sha.get(sha, ())}
        pull_request_ids |= {
            pr_id
            for commit in commits
            for pr_id, merged_at in members_by_commit.get(commit.id, ())
            if merged_at is not None and deployment.deployed_at >= merged_at
        }
        latest = max(commits, key=lambda commit: commit.committed_at, default=None)
        links[deployment.id] = _Link(
            repository_id=commits[0].repository_id if commits else None,
            default_title=latest.subject[:500] if latest else "",
            pull_request_ids=pull_request_ids,
        )
    return links


def _pull_requests_for(
    *, organization: Organization, full_shas: set[str], commit_ids: set[int]
) -> tuple[dict[str, list[int]], dict[int, list[tuple[int, datetime | None]]]]:
    """PR ids by merge commit SHA, and (PR id, merged_at) by member commit id."""
    merged_by_sha: dict[str, list[int]] = defaultdict(list)
    members_by_commit: dict[int, list[tuple[int, datetime | None]]] = defaultdict(list)
    if full_shas:
        for pr_id, sha in PullRequest.objects.filter(
            organization=organization, merge_commit_sha__in=full_shas
        ).values_list("id", "merge_commit_sha"):
            merged_by_sha[sha].append(pr_id)
    if commit_ids:
        memberships = PullRequest.commits.through.objects.filter(commit_id__in=commit_ids)
        for commit_id, pr_id, merged_at in memberships.values_list(
            "commit_id", "pullrequest_id", "pullrequest__merged_at"
        ):
            members_by_commit[commit_id].append((pr_id, merged_at))
    return merged_by_sha, members_by_commit


def _links_save(
    *,
    deployments: list[Deployment],
    links: dict[int, _Link],
    changed_commits: list[DeploymentCommit],
) -> set[int]:
    """Writes the differences; returns the PRs whose deploy moment may have changed."""
    if changed_commits:
        DeploymentCommit.objects.bulk_update(
            changed_commits, ["commit", "contributor"], batch_size=1000
        )
    changed_deployments = []
    for deployment in deployments:
        link = links[deployment.id]
        if (deployment.repository_id, deployment.default_title) != (
            link.repository_id,
            link.default_title,
        ):
            deployment.repository_id = link.repository_id
            deployment.default_title = link.default_title
            changed_deployments.append(deployment)
    if changed_deployments:
        Deployment.objects.bulk_update(changed_deployments, ["repository", "default_title"])
    return _pull_request_links_save(deployments=deployments, links=links, known_empty=False)


def _pull_request_links_save(
    *, deployments: list[Deployment], links: dict[int, _Link], known_empty: bool
) -> set[int]:
    """Adds and removes DeploymentPullRequest rows; returns every PR id touched before or now."""
    existing = []
    if not known_empty:
        existing = list(
            DeploymentPullRequest.objects.filter(deployment__in=deployments).values_list(
                "id", "deployment_id", "pull_request_id"
            )
        )
    stale = [pk for pk, d_id, pr_id in existing if pr_id not in links[d_id].pull_request_ids]
    have = {(d_id, pr_id) for _, d_id, pr_id in existing}
    new = [
        DeploymentPullRequest(deployment_id=d_id, pull_request_id=pr_id)
        for d_id, link in links.items()
        for pr_id in sorted(link.pull_request_ids)
        if (d_id, pr_id) not in have
    ]
    if stale:
        DeploymentPullRequest.objects.filter(id__in=stale).delete()
    if new:
        DeploymentPullRequest.objects.bulk_create(new, ignore_conflicts=True)
    return {pr_id for _, _, pr_id in existing} | {
        pr_id for link in links.values() for pr_id in link.pull_request_ids
    }


def pull_requests_refresh_deploy_moment(*, pull_request_ids: Iterable[int]) -> None:
    """deploy_moment = latest deployed_at of the counted deployments shipping the PR, and
    shipped_tags = their tags.

    Counted: not a test, and in the organization's counted_environments when that list is set
    (the reference's rule: a PR is not fully released until its last environment).
    """
    ids = sorted(set(pull_request_ids))
    if not ids:
        return
    with transaction.atomic(savepoint=False):
        _deploy_moments_update(pull_request_ids=ids)


def deployments_delete(*, deployments: QuerySet[Deployment]) -> int:
    """Deletes deployments (an admin's clean-up; their receipts stay) and recomputes the
    deploy moment and shipped tags of the PRs they shipped."""
    with transaction.atomic():
        shipped = set(
            DeploymentPullRequest.objects.filter(deployment__in=deployments).values_list(
                "pull_request_id", flat=True
            )
        )
        count = deployments.delete()[1].get(Deployment._meta.label, 0)
        pull_requests_refresh_deploy_moment(pull_request_ids=shipped)
    return count


def organization_deploy_moments_refresh(*, organization: Organization) -> None:
    """After the organization's counted environments changed: the deploy moment and shipped
    tags of every PR its deployments ship follow the new setting."""
    with transaction.atomic():
        # Exclusive, as in commits_link: in-flight recordings finish first.
        _link_lock(organization=organization, shared=False)
        if links_in_database():
            _organization_deploy_moments_refresh_in_database(organization=organization)
            return
        shipped = sorted(
            set(
                DeploymentPullRequest.objects.filter(
                    deployment__organization=organization
                ).values_list("pull_request_id", flat=True)
            )
        )
        for start in range(0, len(shipped), REFRESH_BATCH_SIZE):
            _deploy_moments_update(pull_request_ids=shipped[start : start + REFRESH_BATCH_SIZE])


# The rule of _deploy_moments_update over a whole organization, set-based: 100,000 PRs in
# about 3 s instead of 25 s of batches (bench/bench_counted_refresh.py), while the
# organization's POSTs wait on the link lock.
_ORGANIZATION_SHIPPED_SQL = """
    SELECT DISTINCT l.pull_request_id
    FROM deployments_deploymentpullrequest l
    JOIN deployments_deployment d ON d.id = l.deployment_id
    WHERE d.organization_id = %(organization)s
"""
_ORGANIZATION_REFRESH_SQL = f"""
    WITH setting AS (
        SELECT coalesce(counted_environments, '[]'::jsonb) AS counted
        FROM organizations_organization WHERE id = %(organization)s
    ), counted_shipments AS (
        SELECT l.pull_request_id AS id, d.deployed_at, d.tags
        FROM deployments_deploymentpullrequest l
        JOIN deployments_deployment d ON d.id = l.deployment_id
        CROSS JOIN setting
        WHERE d.organization_id = %(organization)s AND NOT d.is_test
          AND (setting.counted = '[]'::jsonb
               OR setting.counted @> jsonb_build_array(d.environment_name))
    ), latest AS (
        SELECT id, max(deployed_at) AS latest FROM counted_shipments GROUP BY id
    ), tags AS (
        SELECT id, jsonb_agg(tag ORDER BY tag COLLATE "C") AS tags
        FROM (
            SELECT DISTINCT shipment.id, tag.value AS tag
            FROM counted_shipments shipment,
                 jsonb_array_elements_text(shipment.tags) AS tag(value)
        ) AS distinct_tags
        GROUP BY id
    ), derived AS (
        SELECT shipped.pull_request_id AS id, latest.latest,
               coalesce(tags.tags, '[]'::jsonb) AS tags
        FROM ({_ORGANIZATION_SHIPPED_SQL}) AS shipped
        LEFT JOIN latest ON latest.id = shipped.pull_request_id
        LEFT JOIN tags ON tags.id = shipped.pull_request_id
    )
    UPDATE repositories_pullrequest pr
    SET deploy_moment = derived.latest, shipped_tags = derived.tags
    FROM derived
    WHERE pr.id = derived.id
      AND (pr.deploy_moment IS DISTINCT FROM derived.latest
           OR pr.shipped_tags IS DISTINCT FROM derived.tags)
"""  # noqa: S608 - only the constant subquery above is interpolated


def _organization_deploy_moments_refresh_in_database(*, organization: Organization) -> None:
    with connection.cursor() as cursor:
        # Locked in id order first, as everywhere, so a concurrent refresh of some of these
        # PRs (an admin deleting deployments) cannot deadlock with this one; counted in the
        # database rather than sending 100,000 ids to Python.
        cursor.execute(
            "SELECT count(*) FROM (SELECT id FROM repositories_pullrequest "  # noqa: S608
            f"WHERE id IN ({_ORGANIZATION_SHIPPED_SQL}) ORDER BY id FOR NO KEY UPDATE) locked",
            {"organization": organization.pk},
        )
        cursor.execute(_ORGANIZATION_REFRESH_SQL, {"organization": organization.pk})


def _deploy_moments_update(*, pull_request_ids: list[int]) -> None:
    # Locked in id order, as a separate statement, so concurrent refreshes neither deadlock
    # nor compute from a snapshot older than the other's commit.
    rows = (
        PullRequest.objects.select_for_update(no_key=True, of=("self",))
        .filter(id__in=pull_request_ids)
        .order_by("id")
        .values_list("id", "deploy_moment", "shipped_tags", "organization__counted_environments")
    )
    by_environments: dict[tuple[str, ...], list[int]] = defaultdict(list)
    stored = {}
    for pr_id, deploy_moment, shipped_tags, counted_environments in rows:
        by_environments[tuple(counted_environments or ())].append(pr_id)
        stored[pr_id] = (deploy_moment, shipped_tags)
    derived: dict[int, tuple[datetime | None, set[str]]] = {}
    for environments, pr_ids in by_environments.items():
        shipping = DeploymentPullRequest.objects.filter(
            pull_request_id__in=pr_ids, deployment__is_test=False
        )
        if environments:
            shipping = shipping.filter(deployment__environment_name__in=environments)
        derived.update({pr_id: (None, set()) for pr_id in pr_ids})
        for pr_id, deployed_at, tags in shipping.values_list(
            "pull_request_id", "deployment__deployed_at", "deployment__tags"
        ):
            latest, tags_so_far = derived[pr_id]
            derived[pr_id] = (max(latest or deployed_at, deployed_at), tags_so_far | set(tags))
    # Only the rows that change are written: a relink or a setting change touches many PRs
    # whose values stay the same.
    changed = [
        PullRequest(pk=pr_id, deploy_moment=latest, shipped_tags=sorted(tags))
        for pr_id, (latest, tags) in derived.items()
        if (latest, sorted(tags)) != stored[pr_id]
    ]
    PullRequest.objects.bulk_update(changed, ["deploy_moment", "shipped_tags"], batch_size=1000)


def _link_lock(*, organization: Organization, shared: bool) -> None:
    """Orders linking against recording on PostgreSQL (SQLite already serialises writers)."""
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [_LINK_LOCK_CLASS, organization.pk])
