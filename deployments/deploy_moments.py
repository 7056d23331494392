"""A merged PR's deploy moment and shipped tags: the one rule, set-based.

deploy_moment = the latest `deployed_at` of the counted deployments that ship the PR (the
reference's rule: a PR is not fully released until its last counted environment), and
shipped_tags = the distinct tags of those deployments, sorted by code point. Every path
that changes what ships a PR or what counts (recording, relinking, deletion, a change of
the counted environments, the synthetic dataset) calls one of the two functions below.
"""

from collections.abc import Iterable

from django.db import connection, transaction

from deployments.counting import deployment_counted_q
from deployments.locks import link_lock
from deployments.models import Deployment
from organizations.models import Organization

# The PRs shipped by any deployment of the organization.
_ORGANIZATION_SHIPPED_SQL = """
    SELECT DISTINCT l.pull_request_id
    FROM deployments_deploymentpullrequest l
    JOIN deployments_deployment d ON d.id = l.deployment_id
    WHERE d.organization_id = %s
"""

# `counted` is the SQL of deployment_counted_q, so the rule has no second spelling here;
# NOT MATERIALIZED lets each PR's lookup reach the deployment by its primary key.
_REFRESH_SQL = """
    WITH counted AS NOT MATERIALIZED ({counted}),
    derived AS (
        SELECT target.id,
               (SELECT max(c.deployed_at)
                FROM deployments_deploymentpullrequest l
                JOIN counted c ON c.id = l.deployment_id
                WHERE l.pull_request_id = target.id) AS latest,
               (SELECT coalesce(jsonb_agg(tag ORDER BY tag COLLATE "C"), '[]'::jsonb)
                FROM (SELECT DISTINCT jsonb_array_elements_text(c.tags) AS tag
                      FROM deployments_deploymentpullrequest l
                      JOIN counted c ON c.id = l.deployment_id
                      WHERE l.pull_request_id = target.id) AS distinct_tags) AS tags
        FROM ({targets}) AS target(id)
    )
    UPDATE repositories_pullrequest pr
    SET deploy_moment = derived.latest, shipped_tags = derived.tags
    FROM derived
    WHERE pr.id = derived.id AND pr.id = ANY(ARRAY({targets}))
      AND (pr.deploy_moment IS DISTINCT FROM derived.latest
           OR pr.shipped_tags IS DISTINCT FROM derived.tags)
"""


def pull_requests_refresh_deploy_moment(
    *, organization_id: int, pull_request_ids: Iterable[int]
) -> None:
    """Recomputes the deploy moment and shipped tags of these PRs of the organization."""
    ids = sorted(set(pull_request_ids))
    if ids:
        _refresh(organization_id, "SELECT unnest(%s::bigint[])", [ids])


def organization_deploy_moments_refresh(*, organization_id: int) -> None:
    """Every PR the organization's deployments ship, after its counted environments
    changed. Exclusive: in-flight recordings finish first, and later ones follow the new
    setting."""
    with transaction.atomic():
        link_lock(organization_id=organization_id, shared=False)
        _refresh(organization_id, _ORGANIZATION_SHIPPED_SQL, [organization_id])


def _refresh(organization_id: int, targets: str, target_params: list) -> None:
    # The setting is read here, inside the caller's transaction and link lock: a change
    # committed since the caller loaded the organization has refreshed every PR already.
    organization = Organization.objects.only("id", "counted_environments").get(pk=organization_id)
    counted = Deployment.objects.filter(
        deployment_counted_q(organization), organization_id=organization_id
    ).values("id", "deployed_at", "tags")
    counted_sql, counted_params = counted.query.sql_with_params()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # Locked in id order first, as a statement of its own: concurrent refreshes of
        # overlapping PRs never deadlock, and the UPDATE's snapshot follows the other's
        # commit instead of computing from rows it was waiting for.
        cursor.execute(
            f"SELECT count(*) FROM (SELECT id FROM repositories_pullrequest "  # noqa: S608
            f"WHERE id IN ({targets}) ORDER BY id FOR NO KEY UPDATE) AS locked",
            target_params,
        )
        cursor.execute(
            # The ORM's SQL of the counted rule and a constant target list; values are bound.
            _REFRESH_SQL.format(counted=counted_sql, targets=targets),
            [*counted_params, *target_params, *target_params],
        )
