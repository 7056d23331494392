"""shiplog_deployment_record(): a POST's whole write in one statement, on PostgreSQL.

The same rules as deployments.services (the Python path, which SQLite uses and which
relinking after commit data arrives uses everywhere), written set-based so a deployment is
recorded and linked in one round trip instead of fifteen. tests/deployments/
test_record_parity.py holds the two to the same rows.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION shiplog_deployment_record(
    p_organization_id bigint,
    p_token_id bigint,
    p_request_id text,
    p_raw_body text,
    p_received_at timestamptz,
    p_environment_name text,
    p_deployed_at timestamptz,
    p_title text,
    p_tags text[],
    p_is_test boolean,
    p_shas text[],
    p_dedupe_key text
) RETURNS jsonb
LANGUAGE plpgsql
AS $function$
DECLARE
    v_deployment_id bigint;
    v_receipt_count integer;
    v_stored_received_at timestamptz;
    v_replaced boolean;
    v_receipt_id bigint;
    v_counted jsonb;
    v_every_environment boolean;
    v_counts boolean;
    v_repository_id bigint;
    v_default_title text;
    v_rank smallint;
    v_old_pull_request_ids bigint[] := '{}';
    v_pull_request_ids bigint[];
    v_tags jsonb := to_jsonb(p_tags);
BEGIN
    -- Shared: recordings run side by side; relinking (exclusive) waits for them.
    PERFORM pg_advisory_xact_lock_shared(7242, p_organization_id::integer);

    -- Insert-or-count: a concurrent identical POST waits here, then counts itself.
    INSERT INTO deployments_deployment AS d (
        organization_id, repository_id, environment_name, deployed_at, received_at, title,
        default_title, tags, is_test, shas, dedupe_key, receipt_count, contributor_rank)
    VALUES (
        p_organization_id, NULL, p_environment_name, p_deployed_at, p_received_at, p_title,
        '', v_tags, p_is_test, to_jsonb(p_shas), p_dedupe_key, 1, 0)
    ON CONFLICT (organization_id, environment_name, dedupe_key)
        DO UPDATE SET receipt_count = d.receipt_count + 1
    RETURNING d.id, d.receipt_count, d.received_at
        INTO v_deployment_id, v_receipt_count, v_stored_received_at;
    v_replaced := v_receipt_count > 1;

    INSERT INTO deployments_deploymentreceipt (
        organization_id, token_id, deployment_id, request_id, raw_body, received_at)
    VALUES (
        p_organization_id, p_token_id, v_deployment_id, p_request_id, p_raw_body, p_received_at)
    RETURNING id INTO v_receipt_id;

    IF v_replaced AND p_received_at < v_stored_received_at THEN
        -- An older receipt than the stored deployment: logged, nothing else changes.
        RETURN jsonb_build_object(
            'deployment_id', v_deployment_id, 'receipt_id', v_receipt_id,
            'replaced', true, 'wins', false);
    END IF;

    IF v_replaced THEN
        SELECT coalesce(array_agg(pull_request_id), '{}') INTO v_old_pull_request_ids
        FROM deployments_deploymentpullrequest WHERE deployment_id = v_deployment_id;
        DELETE FROM deployments_deploymentpullrequest WHERE deployment_id = v_deployment_id;
        DELETE FROM deployments_deploymentteam WHERE deployment_id = v_deployment_id;
        DELETE FROM deployments_deploymentcommit WHERE deployment_id = v_deployment_id;
    END IF;

    -- Each sent SHA (or 7+ prefix) matches the organization's most recently committed
    -- commit starting with it; ties as Python breaks them (code-point order).
    INSERT INTO deployments_deploymentcommit (
        organization_id, deployment_id, sha, position, commit_id, contributor_id)
    SELECT p_organization_id, v_deployment_id, sent.sha, sent.ordinality - 1, m.id,
           m.contributor_id
    FROM unnest(p_shas) WITH ORDINALITY AS sent(sha, ordinality)
    LEFT JOIN LATERAL (
        SELECT c.id, c.contributor_id
        FROM repositories_commit c
        WHERE c.organization_id = p_organization_id
          AND c.sha >= sent.sha AND c.sha < sent.sha || 'g'
          AND starts_with(c.sha, sent.sha)  -- exact under any collation; the range uses the index
        -- The repository's name only breaks a tie (a fork's equal SHA): looked up per
        -- candidate, not joined, so the plan starts from the (organization, sha) index.
        ORDER BY c.committed_at DESC, c.sha COLLATE "C" DESC,
                 (SELECT r.full_name FROM repositories_repository r
                  WHERE r.id = c.repository_id) COLLATE "C" DESC
        LIMIT 1
    ) m ON true;

    -- Repository: of the first matched SHA. Default title: the subject of the latest
    -- committed match (the first sent among equals).
    SELECT c.repository_id INTO v_repository_id
    FROM deployments_deploymentcommit dc JOIN repositories_commit c ON c.id = dc.commit_id
    WHERE dc.deployment_id = v_deployment_id ORDER BY dc.position LIMIT 1;
    SELECT left(split_part(c.message, E'\n', 1), 500) INTO v_default_title
    FROM deployments_deploymentcommit dc JOIN repositories_commit c ON c.id = dc.commit_id
    WHERE dc.deployment_id = v_deployment_id
    ORDER BY c.committed_at DESC, dc.position LIMIT 1;

    -- Attribution (deployments.attribution.attribution_of): a tracked person beats a
    -- tracked bot beats any other matched commit beats none.
    SELECT coalesce(max(CASE
               WHEN p.is_tracked AND NOT p.is_bot THEN 3
               WHEN p.is_tracked THEN 2
               ELSE 1 END), 0)
    INTO v_rank
    FROM deployments_deploymentcommit dc
    LEFT JOIN organizations_contributor p ON p.id = dc.contributor_id
    WHERE dc.deployment_id = v_deployment_id AND dc.commit_id IS NOT NULL;

    UPDATE deployments_deployment SET
        repository_id = v_repository_id, default_title = coalesce(v_default_title, ''),
        contributor_rank = v_rank, deployed_at = p_deployed_at, received_at = p_received_at,
        title = p_title, tags = v_tags, is_test = p_is_test, shas = to_jsonb(p_shas)
    WHERE id = v_deployment_id;

    INSERT INTO deployments_deploymentteam (
        organization_id, deployment_id, team_id, deployed_on, environment_name, is_test)
    SELECT DISTINCT p_organization_id, v_deployment_id, ct.team_id,
           (p_deployed_at AT TIME ZONE 'UTC')::date, p_environment_name, p_is_test
    FROM deployments_deploymentcommit dc
    JOIN organizations_contributor p ON p.id = dc.contributor_id
    JOIN organizations_contributor_teams ct ON ct.contributor_id = p.id
    WHERE dc.deployment_id = v_deployment_id AND dc.commit_id IS NOT NULL
      AND p.is_tracked AND NOT p.is_bot;

    -- Ships a PR: carries its merge commit (a matched commit or a sent full SHA), or one of
    -- its commits and was deployed at or after its merge.
    WITH carried AS (
        SELECT c.id AS commit_id, c.sha
        FROM deployments_deploymentcommit dc JOIN repositories_commit c ON c.id = dc.commit_id
        WHERE dc.deployment_id = v_deployment_id
    ), shipped AS (
        SELECT pr.id FROM repositories_pullrequest pr
        WHERE pr.organization_id = p_organization_id
          AND pr.merge_commit_sha IN (
              SELECT sha FROM carried
              UNION SELECT sha FROM unnest(p_shas) AS sent(sha) WHERE length(sha) = 40)
        UNION
        SELECT pr.id FROM repositories_pullrequest_commits member
        JOIN repositories_pullrequest pr ON pr.id = member.pullrequest_id
        WHERE member.commit_id IN (SELECT commit_id FROM carried)
          AND pr.merged_at IS NOT NULL AND p_deployed_at >= pr.merged_at
    ), inserted AS (
        INSERT INTO deployments_deploymentpullrequest (deployment_id, pull_request_id)
        SELECT v_deployment_id, id FROM shipped
        RETURNING pull_request_id
    )
    SELECT coalesce(array_agg(pull_request_id ORDER BY pull_request_id), '{}')
    INTO v_pull_request_ids FROM inserted;

    -- Read under the link lock: a change of the setting committed since the token was
    -- read has refreshed every PR, and this must follow the same rule.
    SELECT counted_environments INTO v_counted
    FROM organizations_organization WHERE id = p_organization_id;
    v_every_environment := v_counted IS NULL OR v_counted = '[]'::jsonb;
    v_counts := NOT p_is_test AND (
        v_every_environment OR v_counted @> jsonb_build_array(p_environment_name));

    IF v_replaced THEN
        -- The replacement may lower a deploy moment or drop tags: recompute every PR it
        -- shipped before or ships now from all the deployments that ship it.
        PERFORM pr.id FROM repositories_pullrequest pr
        WHERE pr.id = ANY(v_old_pull_request_ids || v_pull_request_ids)
        ORDER BY pr.id FOR NO KEY UPDATE;
        UPDATE repositories_pullrequest pr
        SET deploy_moment = derived.latest, shipped_tags = derived.tags
        FROM (
            SELECT target.id,
                   (SELECT max(d.deployed_at)
                    FROM deployments_deploymentpullrequest l
                    JOIN deployments_deployment d ON d.id = l.deployment_id
                    WHERE l.pull_request_id = target.id AND NOT d.is_test
                      AND (v_every_environment
                           OR v_counted @> jsonb_build_array(d.environment_name))) AS latest,
                   (SELECT coalesce(jsonb_agg(tag ORDER BY tag COLLATE "C"), '[]'::jsonb)
                    FROM (SELECT DISTINCT jsonb_array_elements_text(d.tags) AS tag
                          FROM deployments_deploymentpullrequest l
                          JOIN deployments_deployment d ON d.id = l.deployment_id
                          WHERE l.pull_request_id = target.id AND NOT d.is_test
                            AND (v_every_environment
                                 OR v_counted @> jsonb_build_array(d.environment_name))
                         ) AS distinct_tags) AS tags
            FROM unnest(v_old_pull_request_ids || v_pull_request_ids) AS target(id)
            GROUP BY target.id
        ) AS derived
        WHERE pr.id = derived.id
          AND (pr.deploy_moment IS DISTINCT FROM derived.latest
               OR pr.shipped_tags IS DISTINCT FROM derived.tags);
    ELSIF v_counts AND cardinality(v_pull_request_ids) > 0 THEN
        -- A new deployment can only raise a deploy moment and add tags. Every PR it ships
        -- is locked first, in id order, as everywhere, so concurrent writers never
        -- deadlock (locking only those `later` now would let the UPDATE below take one a
        -- replacement lowered since, out of order).
        PERFORM pr.id FROM repositories_pullrequest pr
        WHERE pr.id = ANY(v_pull_request_ids) ORDER BY pr.id FOR NO KEY UPDATE;
        IF cardinality(p_tags) > 0 THEN
            UPDATE repositories_pullrequest pr SET shipped_tags = merged.tags
            FROM (
                SELECT target.id,
                       (SELECT jsonb_agg(tag ORDER BY tag COLLATE "C")
                        FROM (SELECT jsonb_array_elements_text(target.shipped_tags)
                              UNION SELECT unnest(p_tags)) AS union_tags(tag)) AS tags
                FROM repositories_pullrequest target
                WHERE target.id = ANY(v_pull_request_ids)
            ) AS merged
            WHERE pr.id = merged.id AND pr.shipped_tags IS DISTINCT FROM merged.tags;
        END IF;
        UPDATE repositories_pullrequest pr SET deploy_moment = p_deployed_at
        WHERE pr.id = ANY(v_pull_request_ids)
          AND (pr.deploy_moment IS NULL OR pr.deploy_moment < p_deployed_at);
    END IF;

    RETURN jsonb_build_object(
        'deployment_id', v_deployment_id,
        'receipt_id', v_receipt_id,
        'replaced', v_replaced,
        'wins', true,
        'receipt_count', v_receipt_count,
        'repository_id', v_repository_id,
        'repository', (SELECT full_name FROM repositories_repository WHERE id = v_repository_id),
        'default_title', coalesce(v_default_title, ''),
        'contributor_rank', v_rank,
        'matched_shas', (
            SELECT coalesce(jsonb_agg(sha), '[]'::jsonb)
            FROM deployments_deploymentcommit
            WHERE deployment_id = v_deployment_id AND commit_id IS NOT NULL),
        'pull_requests', (
            SELECT coalesce(jsonb_agg(jsonb_build_array(
                       pr.id, pr.number, pr.title, r.id, r.full_name)
                       ORDER BY r.full_name, pr.number), '[]'::jsonb)
            FROM repositories_pullrequest pr
            JOIN repositories_repository r ON r.id = pr.repository_id
            WHERE pr.id = ANY(v_pull_request_ids)));
END;
$function$;
"""


def function_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def function_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS shiplog_deployment_record")


class Migration(migrations.Migration):
    dependencies = [
        ("deployments", "0007_deployment_tagged_index"),
        ("organizations", "0001_initial"),
        ("repositories", "0005_pull_request_dashboard_indexes"),
    ]

    operations = [migrations.RunPython(function_create, function_drop)]
