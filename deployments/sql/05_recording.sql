-- Recording a deployment, the one path: a receipt for every accepted POST, the race-safe
-- dedupe, then linking. Same organization + environment + set of SHAs is one deployment
-- (the unique constraint on the dedupe key); the latest received wins. Returns the stored
-- deployment (for a losing older receipt, the newer one it kept), the receipt id, whether
-- an existing deployment was replaced, and the match report: the matched SHAs and the
-- shipped PRs.
CREATE OR REPLACE FUNCTION shiplog_deployment_record(
    p_organization bigint, p_token bigint, p_request_id text, p_raw_body text,
    p_received_at timestamptz, p_environment_name text, p_deployed_at timestamptz,
    p_title text, p_tags jsonb, p_is_test boolean, p_shas text[], p_dedupe_key text)
RETURNS jsonb LANGUAGE plpgsql
-- A recording reads a handful of rows that are in memory: at PostgreSQL's default cost of
-- a random page (4, for spinning disks) the planner hashes whole small tables instead of
-- looking the rows up.
SET random_page_cost = 1.1
AS $fn$
DECLARE
    v_deployment deployments_deployment;
    v_replaced boolean;
    v_receipt bigint;
BEGIN
    -- Recordings share the organization's link lock and run side by side; relinking and a
    -- change of what counts take it alone (deployments/locks.py).
    PERFORM pg_advisory_xact_lock_shared({{LINK_LOCK_CLASS}}, p_organization::integer);

    -- Insert or count in one statement: ON CONFLICT waits for a concurrent inserter of the
    -- same key, then counts this receipt and keeps the row locked until commit, which
    -- serialises the updaters; a count of 1 marks the row this call inserted.
    INSERT INTO deployments_deployment AS d (
        organization_id, environment_name, deployed_at, received_at, title, default_title,
        tags, is_test, shas, dedupe_key, receipt_count, contributor_rank)
    VALUES (
        p_organization, p_environment_name, p_deployed_at, p_received_at, p_title, '',
        p_tags, p_is_test, to_jsonb(p_shas), p_dedupe_key, 1, {{ContributorRank.NONE}})
    ON CONFLICT (organization_id, environment_name, dedupe_key)
        DO UPDATE SET receipt_count = d.receipt_count + 1
    RETURNING d.* INTO v_deployment;
    v_replaced := v_deployment.receipt_count > 1;

    INSERT INTO deployments_deploymentreceipt (
        organization_id, token_id, deployment_id, request_id, raw_body, received_at)
    VALUES (p_organization, p_token, v_deployment.id, p_request_id, p_raw_body, p_received_at)
    RETURNING id INTO v_receipt;

    IF NOT v_replaced OR p_received_at >= v_deployment.received_at THEN
        IF v_replaced THEN
            UPDATE deployments_deployment
            SET deployed_at = p_deployed_at, received_at = p_received_at, title = p_title,
                tags = p_tags, is_test = p_is_test, shas = to_jsonb(p_shas)
            WHERE id = v_deployment.id;
        END IF;
        PERFORM shiplog_deployment_link_sent(
            p_organization, v_deployment.id, p_shas, v_replaced);
    END IF;

    RETURN (
        SELECT jsonb_build_object(
            'receipt_id', v_receipt,
            'replaced', v_replaced,
            'deployment', to_jsonb(d) - 'marks_failure',
            'repository', r.full_name,
            'matched_shas', coalesce((
                SELECT jsonb_agg(dc.sha) FROM deployments_deploymentcommit dc
                WHERE dc.deployment_id = d.id AND dc.commit_id IS NOT NULL), '[]'::jsonb),
            'pull_requests', coalesce((
                SELECT jsonb_agg(jsonb_build_array(
                           pr.id, pr.number, pr.title, pr.repository_id, pr_repository.full_name)
                       ORDER BY pr_repository.full_name, pr.number)
                FROM deployments_deploymentpullrequest l
                JOIN repositories_pullrequest pr ON pr.id = l.pull_request_id
                JOIN repositories_repository pr_repository ON pr_repository.id = pr.repository_id
                WHERE l.deployment_id = d.id), '[]'::jsonb))
        FROM deployments_deployment d
        LEFT JOIN repositories_repository r ON r.id = d.repository_id
        WHERE d.id = v_deployment.id);
END
$fn$;
