"""Recording a deployment: a receipt for every accepted POST, the race-safe dedupe, then
the one linking path; all of it the SQL function of deployments/sql/05_recording.sql."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from psycopg.types.json import Jsonb

from deployments.deploy_moments import pull_requests_refresh_deploy_moment
from deployments.keys import deployment_dedupe_key, shas_normalise
from deployments.models import (
    Deployment,
    DeploymentPullRequest,
    DeploymentReceipt,
)
from deployments.signals import deployments_deleted
from organizations.models import Organization
from repositories.models import PullRequest, Repository
from tokens.models import ApiToken


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
    constraint: concurrent identical calls leave one row and one receipt each. One call of
    shiplog_deployment_record (deployments/sql/05_recording.sql), in one transaction.
    """
    received_at = received_at or timezone.now()
    shas = shas_normalise(shas)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT shiplog_deployment_record(%s::bigint, %s::bigint, %s::text, %s::text, "
            "%s::timestamptz, %s::text, %s::timestamptz, %s::text, %s::jsonb, %s::boolean, "
            "%s::text[], %s::text)::text",
            [
                organization.pk,
                token.pk if token else None,
                request_id,
                raw_body,
                received_at,
                environment_name.strip(),
                deployed_at or received_at,
                title,
                Jsonb(list(dict.fromkeys(tags))),
                is_test,
                shas,
                deployment_dedupe_key(shas),
            ],
        )
        outcome = json.loads(cursor.fetchone()[0])
    receipt = DeploymentReceipt(
        pk=outcome["receipt_id"],
        organization=organization,
        token=token,
        request_id=request_id,
        raw_body=raw_body,
        received_at=received_at,
    )
    receipt._state.adding = False
    receipt._state.db = connection.alias
    return _result_of(outcome, receipt=receipt)


def _result_of(outcome: dict, *, receipt: DeploymentReceipt) -> DeploymentResult:
    """The DeploymentResult of what shiplog_deployment_record returned."""
    deployment = _saved(Deployment, outcome["deployment"])
    deployment.organization = receipt.organization
    repository_id = deployment.repository_id
    deployment.repository = repository_id and _repository_ref(repository_id, outcome["repository"])
    receipt.deployment = deployment
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


def _saved(model, row: dict):
    """A model instance of a row the database function returned as JSON."""
    fields = [field for field in model._meta.concrete_fields if field.column in row]
    return model.from_db(
        connection.alias,
        [field.attname for field in fields],
        [field.to_python(row[field.column]) for field in fields],
    )


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


def deployments_delete(*, deployments: QuerySet[Deployment]) -> int:
    """Deletes deployments (an admin's clean-up; their receipts stay) and recomputes the
    deploy moment and shipped tags of the PRs they shipped; announces the deletion
    (incidents attributed to them are attributed again)."""
    with transaction.atomic():
        organization_ids = set(deployments.values_list("organization_id", flat=True))
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
        deployments_deleted.send(sender=Deployment, organization_ids=sorted(organization_ids))
    return count
