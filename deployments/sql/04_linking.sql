-- Linking deployments to commits and PRs, the one path, set-based, for one deployment (a
-- POST) or thousands (commit data arriving later, the synthetic dataset). Linking is a pure
-- function of a deployment's sent SHAs and deployed_at and of the commit and PR data known
-- at the time, recomputed whenever either side changes, so the answer is the same whichever
-- arrives first. The callers (deployments/linking.py) hold the link lock.

-- SHA matching, the one definition: a sent SHA (40 hex, or a prefix of 7 or more) matches
-- the organization's most recently committed commit starting with it; equal times fall to
-- the higher SHA, then to the higher repository name (a fork's copy of the same commit), in
-- code-point order. A plain SQL function, so the planner inlines it into the two
-- statements below that match (new SHAs as they are stored, stored ones again).
CREATE OR REPLACE FUNCTION shiplog_commit_match(p_organization bigint, p_sha text)
RETURNS TABLE (id bigint, contributor_id bigint) LANGUAGE sql STABLE
AS $$
    SELECT c.id, c.contributor_id
    FROM repositories_commit c
    WHERE c.organization_id = p_organization
      AND c.sha >= p_sha AND c.sha < p_sha || 'g'
      AND starts_with(c.sha, p_sha)  -- exact under any collation; the range uses the index
    -- The repository's name only breaks a tie: looked up per candidate, not joined, so the
    -- plan starts from the (organization, sha) index.
    ORDER BY c.committed_at DESC, c.sha COLLATE "C" DESC,
             (SELECT r.full_name FROM repositories_repository r
              WHERE r.id = c.repository_id) COLLATE "C" DESC
    LIMIT 1
$$;

-- The stored SHAs of these deployments matched again, after commit data arrived.
CREATE OR REPLACE FUNCTION shiplog_deployment_commits_match(
    p_organization bigint, p_deployments bigint[])
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    UPDATE deployments_deploymentcommit dc
    SET commit_id = matched.id, contributor_id = matched.contributor_id
    FROM deployments_deploymentcommit sent
    LEFT JOIN LATERAL shiplog_commit_match(p_organization, sent.sha) AS matched ON true
    WHERE dc.id = sent.id AND sent.deployment_id = ANY(p_deployments)
      AND (dc.commit_id IS DISTINCT FROM matched.id
           OR dc.contributor_id IS DISTINCT FROM matched.contributor_id);
END
$fn$;

-- Everything that follows from the matched SHAs: repository and default title,
-- attribution, shipped PRs, and the deploy moments of every PR they ship or stopped
-- shipping. `p_new`: the deployments have no team rows or PR links yet.
CREATE OR REPLACE FUNCTION shiplog_deployments_derive(
    p_organization bigint, p_deployments bigint[], p_new boolean)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    v_affected bigint[];
BEGIN
    -- Repository: that of the first sent SHA that matched. Default title: the subject of
    -- the latest committed match (the first sent among equal times).
    WITH derived AS MATERIALIZED (
        SELECT target.id,
               (SELECT c.repository_id
                FROM deployments_deploymentcommit dc
                JOIN repositories_commit c ON c.id = dc.commit_id
                WHERE dc.deployment_id = target.id
                ORDER BY dc.position LIMIT 1) AS repository_id,
               coalesce((SELECT left(split_part(c.message, E'\n', 1), 500)
                         FROM deployments_deploymentcommit dc
                         JOIN repositories_commit c ON c.id = dc.commit_id
                         WHERE dc.deployment_id = target.id
                         ORDER BY c.committed_at DESC, dc.position LIMIT 1), '') AS default_title
        FROM unnest(p_deployments) AS target(id)
    )
    UPDATE deployments_deployment d
    SET repository_id = derived.repository_id, default_title = derived.default_title
    FROM derived
    WHERE d.id = derived.id
      AND (d.repository_id IS DISTINCT FROM derived.repository_id
           OR d.default_title IS DISTINCT FROM derived.default_title);

    PERFORM shiplog_deployments_attribute(p_deployments, p_new);

    -- Shipped PRs: a deployment ships a PR when it carries the PR's merge commit (a matched
    -- commit, or a sent full SHA), or carries one of the PR's commits and was deployed at
    -- or after the PR's merge (an earlier deployment of a commit that later joined a PR did
    -- not ship that PR). Stale links are removed, new ones added; `v_affected` is every PR
    -- whose deploy moment may have changed.
    WITH carried AS (
        SELECT dc.deployment_id, c.id AS commit_id, c.sha
        FROM deployments_deploymentcommit dc
        JOIN repositories_commit c ON c.id = dc.commit_id
        WHERE dc.deployment_id = ANY(p_deployments)
    ), carried_shas AS (
        SELECT deployment_id, sha FROM carried
        UNION
        SELECT deployment_id, sha FROM deployments_deploymentcommit
        WHERE deployment_id = ANY(p_deployments) AND length(sha) = 40
    ), shipped AS (
        SELECT carried_shas.deployment_id, pr.id AS pull_request_id
        FROM carried_shas
        JOIN repositories_pullrequest pr
          ON pr.organization_id = p_organization AND pr.merge_commit_sha = carried_shas.sha
        UNION
        SELECT carried.deployment_id, pr.id
        FROM carried
        JOIN repositories_pullrequest_commits member ON member.commit_id = carried.commit_id
        JOIN repositories_pullrequest pr ON pr.id = member.pullrequest_id
        JOIN deployments_deployment d ON d.id = carried.deployment_id
        WHERE pr.merged_at IS NOT NULL AND d.deployed_at >= pr.merged_at
    ), removed AS (
        DELETE FROM deployments_deploymentpullrequest link
        WHERE NOT p_new AND link.deployment_id = ANY(p_deployments)
          AND NOT EXISTS (SELECT 1 FROM shipped
                          WHERE shipped.deployment_id = link.deployment_id
                            AND shipped.pull_request_id = link.pull_request_id)
        RETURNING link.pull_request_id
    ), added AS (
        INSERT INTO deployments_deploymentpullrequest (
            organization_id, deployment_id, pull_request_id)
        SELECT p_organization, deployment_id, pull_request_id FROM shipped
        ON CONFLICT (deployment_id, pull_request_id) DO NOTHING
    )
    SELECT array(SELECT pull_request_id FROM removed UNION SELECT pull_request_id FROM shipped)
    INTO v_affected;

    PERFORM shiplog_pull_requests_refresh_deploy_moment(p_organization, v_affected);

    -- Incidents attributed by rule follow their candidate deployments (incidents/sql/,
    -- installed by the incidents app on the same migrate): resolved when called, so this
    -- file needs nothing of that app but the function's name.
    PERFORM shiplog_incidents_follow_deployments(p_organization, p_deployments);
END
$fn$;

-- Links these deployments of the organization from their stored sent SHAs.
CREATE OR REPLACE FUNCTION shiplog_deployments_link(p_organization bigint, p_deployments bigint[])
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM shiplog_deployment_commits_match(p_organization, p_deployments);
    PERFORM shiplog_deployments_derive(p_organization, p_deployments, false);
END
$fn$;

-- Stores the SHAs a deployment was sent with, in the order sent and matched as they go in,
-- and links it (`p_replaced`: a newer receipt replaces the stored ones).
CREATE OR REPLACE FUNCTION shiplog_deployment_link_sent(
    p_organization bigint, p_deployment bigint, p_shas text[], p_replaced boolean)
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    IF p_replaced THEN
        DELETE FROM deployments_deploymentcommit WHERE deployment_id = p_deployment;
    END IF;
    INSERT INTO deployments_deploymentcommit (
        organization_id, deployment_id, sha, position, commit_id, contributor_id)
    SELECT p_organization, p_deployment, sent.sha, sent.position - 1,
           matched.id, matched.contributor_id
    FROM unnest(p_shas) WITH ORDINALITY AS sent(sha, position)
    LEFT JOIN LATERAL shiplog_commit_match(p_organization, sent.sha) AS matched ON true;
    PERFORM shiplog_deployments_derive(p_organization, ARRAY[p_deployment], NOT p_replaced);
END
$fn$;
