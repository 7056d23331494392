"""A merged PR's deploy moment and shipped tags: the one rule, in
deployments/sql/02_deploy_moments.sql.

deploy_moment = the latest `deployed_at` of the counted deployments that ship the PR (the
reference's rule: a PR is not fully released until its last counted environment), and
shipped_tags = the distinct tags of those deployments, sorted by code point. Every path
that changes what ships a PR or what counts (recording, relinking, deletion, a change of
the counted environments, the synthetic dataset) calls one of the two functions below.
"""

from collections.abc import Iterable

from django.db import connection, transaction

from deployments.locks import link_lock


def pull_requests_refresh_deploy_moment(
    *, organization_id: int, pull_request_ids: Iterable[int]
) -> None:
    """Recomputes the deploy moment and shipped tags of these PRs of the organization."""
    ids = sorted(set(pull_request_ids))
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT shiplog_pull_requests_refresh_deploy_moment(%s, %s::bigint[])",
                [organization_id, ids],
            )


def organization_deploy_moments_refresh(*, organization_id: int) -> None:
    """Every PR the organization's deployments ship, after its counted environments
    changed. Exclusive: in-flight recordings finish first, and later ones follow the new
    setting."""
    with transaction.atomic(), connection.cursor() as cursor:
        link_lock(organization_id=organization_id, shared=False)
        cursor.execute("SELECT shiplog_organization_deploy_moments_refresh(%s)", [organization_id])
