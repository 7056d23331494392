"""Recording a deployment: a receipt for every accepted POST, the race-safe dedupe, then
the one linking path (deployments.linking)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Value
from django.utils import timezone

from deployments.deploy_moments import pull_requests_refresh_deploy_moment
from deployments.keys import deployment_dedupe_key, shas_normalise
from deployments.linking import deployment_link_sent
from deployments.locks import link_lock
from deployments.models import (
    Deployment,
    DeploymentPullRequest,
    DeploymentReceipt,
)
from organizations.models import Organization
from repositories.models import PullRequest
from tokens.models import ApiToken

# What a newer receipt of the same deployment replaces.
_REPLACED_FIELDS = ("deployed_at", "received_at", "title", "tags", "is_test", "shas")


@dataclass(frozen=True)
class DeploymentResult:
    deployment: Deployment
    receipt: DeploymentReceipt
    matched_shas: list[str]
    unknown_shas: list[str]
    pull_requests: list[PullRequest]
    replaced_existing: bool


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
    with transaction.atomic():
        link_lock(organization_id=organization.pk, shared=True)
        deployment, replaced_existing, wins = _deployment_upsert(candidate=candidate)
        receipt = DeploymentReceipt.objects.create(
            organization=organization,
            token=token,
            deployment=deployment,
            request_id=request_id,
            raw_body=raw_body,
            received_at=received_at,
        )
        if wins:
            deployment_link_sent(
                organization_id=organization.pk,
                deployment_id=deployment.pk,
                shas=shas,
                replaced=replaced_existing,
            )
        return _result_read(
            deployment_id=deployment.pk, receipt=receipt, replaced_existing=replaced_existing
        )


def _deployment_upsert(*, candidate: Deployment) -> tuple[Deployment, bool, bool]:
    """Insert-or-count in one statement; returns (deployment, replaced_existing, wins).

    ON CONFLICT DO UPDATE waits for a concurrent inserter of the same key, then counts this
    receipt and keeps the row locked (FOR NO KEY UPDATE: receipt_count is in no key) until
    commit, which serialises the updaters; a count of 1 marks the row this call inserted.
    """
    candidate.receipt_count = 1
    deployment = next(iter(Deployment.objects.raw(_upsert_sql(), _upsert_params(candidate))))
    deployment.organization = candidate.organization
    replaced_existing = deployment.receipt_count > 1
    wins = not replaced_existing or candidate.received_at >= deployment.received_at
    if replaced_existing and wins:
        for field in _REPLACED_FIELDS:
            setattr(deployment, field, getattr(candidate, field))
        deployment.save(update_fields=_REPLACED_FIELDS)
    return deployment, replaced_existing, wins


def _upsert_fields() -> list:
    return [
        field
        for field in Deployment._meta.concrete_fields
        if not field.primary_key and not field.generated
    ]


def _upsert_sql() -> str:
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


def _result_read(
    *, deployment_id: int, receipt: DeploymentReceipt, replaced_existing: bool
) -> DeploymentResult:
    """The match report of the stored deployment (for a losing older receipt, the newer
    one it kept), read in the recording transaction."""
    deployment = (
        Deployment.objects.select_related("repository")
        .annotate(
            matched=ArrayAgg(
                "deployment_commits__sha",
                filter=Q(deployment_commits__commit__isnull=False),
                default=Value([]),
            )
        )
        .get(pk=deployment_id)
    )
    deployment.organization = receipt.organization
    receipt.deployment = deployment
    matched = set(deployment.matched)
    return DeploymentResult(
        deployment=deployment,
        receipt=receipt,
        matched_shas=[sha for sha in deployment.shas if sha in matched],
        unknown_shas=[sha for sha in deployment.shas if sha not in matched],
        pull_requests=list(
            PullRequest.objects.filter(deployments=deployment)
            .select_related("repository")
            .order_by("repository__full_name", "number")
        ),
        replaced_existing=replaced_existing,
    )


def deployments_delete(*, deployments: QuerySet[Deployment]) -> int:
    """Deletes deployments (an admin's clean-up; their receipts stay) and recomputes the
    deploy moment and shipped tags of the PRs they shipped."""
    with transaction.atomic():
        shipped_by_organization: dict[int, set[int]] = {}
        for organization_id, pull_request_id in DeploymentPullRequest.objects.filter(
            deployment__in=deployments
        ).values_list("deployment__organization_id", "pull_request_id"):
            shipped_by_organization.setdefault(organization_id, set()).add(pull_request_id)
        count = deployments.delete()[1].get(Deployment._meta.label, 0)
        for organization_id, pull_request_ids in shipped_by_organization.items():
            pull_requests_refresh_deploy_moment(
                organization_id=organization_id, pull_request_ids=pull_request_ids
            )
    return count
