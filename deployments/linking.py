"""Linking deployments to commits and PRs: the one path, set-based, for one deployment (a
POST) or thousands (commit data arriving later, the synthetic dataset). The rules (SHA
matching, repository and default title, shipped PRs) are the SQL functions of
deployments/sql/04_linking.sql; this module is how Python calls them.

Linking is a pure function of a deployment's sent SHAs and deployed_at and of the commit
and PR data known at the time, recomputed whenever either side changes, so the answer is
the same whichever arrives first.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models.functions import Length

from deployments.keys import FULL_SHA_LENGTH, shas_normalise
from deployments.locks import link_lock
from deployments.models import DeploymentCommit

# Above this many SHAs, commits_link only tries the prefix lengths deployments were sent with.
FEW_SHAS = 100


def deployments_link(*, organization_id: int, deployment_ids: Sequence[int]) -> None:
    """Links these deployments of the organization from their sent SHAs: matched commits
    and their contributors, repository, default title, attribution, shipped PRs, and the
    deploy moments of every PR they ship or stopped shipping. Runs in the caller's
    transaction, which holds the link lock."""
    ids = sorted(set(deployment_ids))
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT shiplog_deployments_link(%s, %s::bigint[])", [organization_id, ids]
            )


def deployment_link_sent(
    *, organization_id: int, deployment_id: int, shas: Sequence[str], replaced: bool
) -> None:
    """Stores and links the SHAs a deployment was sent with (`replaced`: a newer receipt
    replaces the stored ones): deployments_link's rules, in one call."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shiplog_deployment_link_sent(%s, %s, %s::text[], %s)",
            [organization_id, deployment_id, list(shas), replaced],
        )


def commits_link(*, organization_id: int, shas: Sequence[str]) -> None:
    """Relinks the deployments carrying any of these SHAs (or a 7+ prefix of one).

    Called after commits or PR data were written (repositories' commit_data_changed
    signal): pending deployments get their commits, repository, default title and PRs.
    """
    shas = shas_normalise(shas)
    if not shas:
        return
    with transaction.atomic():
        link_lock(organization_id=organization_id, shared=False)
        forms = _sent_forms(organization_id=organization_id, shas=shas)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT deployment_id FROM deployments_deploymentcommit "
                "WHERE organization_id = %s AND sha = ANY(%s)",
                [organization_id, forms],
            )
            deployment_ids = [deployment_id for (deployment_id,) in cursor.fetchall()]
        deployments_link(organization_id=organization_id, deployment_ids=deployment_ids)


def deployments_relink(*, organization_id: int, deployment_ids: Iterable[int]) -> None:
    """Relinks these deployments (a commit's contributor was edited, a repair)."""
    with transaction.atomic():
        link_lock(organization_id=organization_id, shared=False)
        deployments_link(organization_id=organization_id, deployment_ids=list(deployment_ids))


def _sent_forms(*, organization_id: int, shas: list[str]) -> list[str]:
    """Every value a sent DeploymentCommit.sha could hold to match one of `shas`.

    A few SHAs (a push) try every prefix length; many (an import) only the lengths this
    organization's deployments were sent with, so 50,000 SHAs stay 50,000 values instead
    of 1.7 million.
    """
    lengths = range(7, FULL_SHA_LENGTH + 1)
    if len(shas) > FEW_SHAS:
        lengths = set(
            DeploymentCommit.objects.filter(organization_id=organization_id)
            .annotate(length=Length("sha"))
            .values_list("length", flat=True)
            .distinct()
        )
    return sorted({sha[:length] for sha in shas for length in lengths if length <= len(sha)})
