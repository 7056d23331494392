-- A merged PR's deploy moment and shipped tags, the one rule: deploy_moment = the latest
-- deployed_at of the counted deployments that ship the PR (a PR is not fully released
-- until its last counted environment), shipped_tags = the distinct tags of those
-- deployments, sorted by code point. Every path that changes what ships a PR or what
-- counts calls this function.
CREATE OR REPLACE FUNCTION shiplog_pull_requests_refresh_deploy_moment(
    p_organization bigint, p_pull_requests bigint[])
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    -- Read here, inside the caller's transaction and link lock: a change committed since
    -- the caller loaded the organization has refreshed every PR already.
    v_counted text[] := shiplog_counted_environments(p_organization);
BEGIN
    IF cardinality(p_pull_requests) = 0 THEN
        RETURN;
    END IF;
    -- Locked in id order first, as a statement of its own: concurrent refreshes of
    -- overlapping PRs never deadlock, and the UPDATE's snapshot follows the other's commit
    -- instead of computing from rows it was waiting for.
    PERFORM 1 FROM repositories_pullrequest
    WHERE id = ANY(p_pull_requests) ORDER BY id FOR NO KEY UPDATE;

    -- One grouped join, not a subquery per PR: for a recording's few PRs the planner
    -- probes the indexes, for an organization's million it hashes the links once.
    WITH derived AS MATERIALIZED (
        SELECT target.id,
               max(d.deployed_at) AS latest,
               coalesce(jsonb_agg(DISTINCT tag.name COLLATE "C" ORDER BY tag.name COLLATE "C")
                            FILTER (WHERE tag.name IS NOT NULL), '[]'::jsonb) AS tags
        FROM unnest(p_pull_requests) AS target(id)
        LEFT JOIN deployments_deploymentpullrequest l ON l.pull_request_id = target.id
        LEFT JOIN deployments_deployment d
          ON d.id = l.deployment_id
         AND shiplog_deployment_counted(d.is_test, d.environment_name, v_counted)
        LEFT JOIN LATERAL jsonb_array_elements_text(d.tags) AS tag(name) ON true
        GROUP BY target.id
    )
    UPDATE repositories_pullrequest pr
    SET deploy_moment = derived.latest, shipped_tags = derived.tags
    FROM derived
    WHERE pr.id = derived.id AND pr.organization_id = p_organization
      AND (pr.deploy_moment IS DISTINCT FROM derived.latest
           OR pr.shipped_tags IS DISTINCT FROM derived.tags);
END
$fn$;

-- Every PR the organization's deployments ship, after its counted environments changed.
CREATE OR REPLACE FUNCTION shiplog_organization_deploy_moments_refresh(p_organization bigint)
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM shiplog_pull_requests_refresh_deploy_moment(p_organization, array(
        SELECT DISTINCT l.pull_request_id
        FROM deployments_deploymentpullrequest l
        WHERE l.organization_id = p_organization));
END
$fn$;
