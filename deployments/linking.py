"""Linking deployments to commits and PRs: the one path, set-based, for one deployment (a
POST) or thousands (commit data arriving later, the synthetic dataset).

Linking is a pure function of a deployment's sent SHAs and deployed_at and of the commit
and PR data known at the time, recomputed whenever either side changes, so the answer is
the same whichever arrives first.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models.functions import Length

from deployments.attribution import deployments_attribute
from deployments.deploy_moments import pull_requests_refresh_deploy_moment
from deployments.keys import FULL_SHA_LENGTH, shas_normalise
from deployments.locks import link_lock
from deployments.models import DeploymentCommit

# Above this many SHAs, commits_link only tries the prefix lengths deployments were sent with.
FEW_SHAS = 100

# SHA matching, the one definition: a sent SHA (40 hex, or a prefix of 7 or more) matches
# the organization's most recently committed commit starting with it; equal times fall to
# the higher SHA, then to the higher repository name (a fork's copy of the same commit), in
# code-point order. `sent.sha` is the SHA as stored on the DeploymentCommit.
_MATCHED_COMMIT_SQL = """
    LEFT JOIN LATERAL (
        SELECT c.id, c.contributor_id
        FROM repositories_commit c
        WHERE c.organization_id = %(organization)s
          AND c.sha >= sent.sha AND c.sha < sent.sha || 'g'
          AND starts_with(c.sha, sent.sha)  -- exact under any collation; the range uses the index
        -- The repository's name only breaks a tie: looked up per candidate, not joined, so
        -- the plan starts from the (organization, sha) index.
        ORDER BY c.committed_at DESC, c.sha COLLATE "C" DESC,
                 (SELECT r.full_name FROM repositories_repository r
                  WHERE r.id = c.repository_id) COLLATE "C" DESC
        LIMIT 1
    ) AS matched ON true
"""

# A new deployment's SHAs, stored in the order sent and matched as they go in.
_SENT_INSERT_SQL = f"""
    INSERT INTO deployments_deploymentcommit (
        organization_id, deployment_id, sha, position, commit_id, contributor_id)
    SELECT %(organization)s, %(deployment)s, sent.sha, sent.position - 1,
           matched.id, matched.contributor_id
    FROM unnest(%(shas)s::text[]) WITH ORDINALITY AS sent(sha, position)
    {_MATCHED_COMMIT_SQL}
"""  # noqa: S608 - only the constant fragment above is interpolated

# Stored SHAs matched again, after commit data arrived.
_MATCH_SQL = f"""
    UPDATE deployments_deploymentcommit dc
    SET commit_id = matched.id, contributor_id = matched.contributor_id
    FROM deployments_deploymentcommit sent
    {_MATCHED_COMMIT_SQL}
    WHERE dc.id = sent.id AND sent.deployment_id = ANY(%(deployments)s)
      AND (dc.commit_id IS DISTINCT FROM matched.id
           OR dc.contributor_id IS DISTINCT FROM matched.contributor_id)
"""  # noqa: S608 - only the constant fragment above is interpolated

# Repository: that of the first sent SHA that matched. Default title: the subject of the
# latest committed match (the first sent among equal times).
_DEPLOYMENT_SQL = """
    UPDATE deployments_deployment d
    SET repository_id = derived.repository_id, default_title = derived.default_title
    FROM (
        SELECT target.id,
               (SELECT c.repository_id
                FROM deployments_deploymentcommit dc
                JOIN repositories_commit c ON c.id = dc.commit_id
                WHERE dc.deployment_id = target.id
                ORDER BY dc.position LIMIT 1) AS repository_id,
               coalesce((SELECT left(split_part(c.message, E'\\n', 1), 500)
                         FROM deployments_deploymentcommit dc
                         JOIN repositories_commit c ON c.id = dc.commit_id
                         WHERE dc.deployment_id = target.id
                         ORDER BY c.committed_at DESC, dc.position LIMIT 1), '') AS default_title
        FROM unnest(%(deployments)s::bigint[]) AS target(id)
    ) AS derived
    WHERE d.id = derived.id AND d.id = ANY(%(deployments)s)
      AND (d.repository_id IS DISTINCT FROM derived.repository_id
           OR d.default_title IS DISTINCT FROM derived.default_title)
"""

# Shipped PRs: a deployment ships a PR when it carries the PR's merge commit (a matched
# commit, or a sent full SHA), or carries one of the PR's commits and was deployed at or
# after the PR's merge (an earlier deployment of a commit that later joined a PR did not
# ship that PR). Stale links are removed, new ones added; the result is every PR whose
# deploy moment may have changed.
_SHIPPED_SQL = """
    WITH carried AS (
        SELECT dc.deployment_id, c.id AS commit_id, c.sha
        FROM deployments_deploymentcommit dc
        JOIN repositories_commit c ON c.id = dc.commit_id
        WHERE dc.deployment_id = ANY(%(deployments)s)
    ), carried_shas AS (
        SELECT deployment_id, sha FROM carried
        UNION
        SELECT deployment_id, sha FROM deployments_deploymentcommit
        WHERE deployment_id = ANY(%(deployments)s) AND length(sha) = 40
    ), shipped AS (
        SELECT carried_shas.deployment_id, pr.id AS pull_request_id
        FROM carried_shas
        JOIN repositories_pullrequest pr
          ON pr.organization_id = %(organization)s AND pr.merge_commit_sha = carried_shas.sha
        UNION
        SELECT carried.deployment_id, pr.id
        FROM carried
        JOIN repositories_pullrequest_commits member ON member.commit_id = carried.commit_id
        JOIN repositories_pullrequest pr ON pr.id = member.pullrequest_id
        JOIN deployments_deployment d ON d.id = carried.deployment_id
        WHERE pr.merged_at IS NOT NULL AND d.deployed_at >= pr.merged_at
    ), removed AS (
        DELETE FROM deployments_deploymentpullrequest link
        WHERE link.deployment_id = ANY(%(deployments)s)
          AND NOT EXISTS (SELECT 1 FROM shipped
                          WHERE shipped.deployment_id = link.deployment_id
                            AND shipped.pull_request_id = link.pull_request_id)
        RETURNING link.pull_request_id
    ), added AS (
        INSERT INTO deployments_deploymentpullrequest (
            organization_id, deployment_id, pull_request_id)
        SELECT %(organization)s, deployment_id, pull_request_id FROM shipped
        ON CONFLICT (deployment_id, pull_request_id) DO NOTHING
    )
    SELECT pull_request_id FROM removed UNION SELECT pull_request_id FROM shipped
"""


def deployments_link(*, organization_id: int, deployment_ids: Sequence[int]) -> None:
    """Links these deployments of the organization from their sent SHAs: matched commits
    and their contributors, repository, default title, attribution, shipped PRs, and the
    deploy moments of every PR they ship or stopped shipping. Runs in the caller's
    transaction, which holds the link lock."""
    ids = sorted(set(deployment_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_MATCH_SQL, {"organization": organization_id, "deployments": ids})
    _deployments_derive(organization_id=organization_id, deployment_ids=ids, new=False)


def deployment_link_sent(
    *, organization_id: int, deployment_id: int, shas: Sequence[str], replaced: bool
) -> None:
    """Stores and links the SHAs a deployment was sent with (`replaced`: a newer receipt
    replaces the stored ones): deployments_link's rules, matching as the SHAs go in."""
    with connection.cursor() as cursor:
        if replaced:
            cursor.execute(
                "DELETE FROM deployments_deploymentcommit WHERE deployment_id = %s",
                [deployment_id],
            )
        cursor.execute(
            _SENT_INSERT_SQL,
            {"organization": organization_id, "deployment": deployment_id, "shas": list(shas)},
        )
    _deployments_derive(
        organization_id=organization_id, deployment_ids=[deployment_id], new=not replaced
    )


def _deployments_derive(*, organization_id: int, deployment_ids: list[int], new: bool) -> None:
    """Everything that follows from the matched SHAs. `new`: no team rows exist yet."""
    params = {"organization": organization_id, "deployments": deployment_ids}
    with connection.cursor() as cursor:
        cursor.execute(_DEPLOYMENT_SQL, params)
        deployments_attribute(deployment_ids=deployment_ids, new=new)
        cursor.execute(_SHIPPED_SQL, params)
        affected = [pull_request_id for (pull_request_id,) in cursor.fetchall()]
    pull_requests_refresh_deploy_moment(organization_id=organization_id, pull_request_ids=affected)


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
