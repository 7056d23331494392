-- Which deployment an incident is attributed to: the one rule, named by
-- incidents/attribution.py and called by every path that writes an incident or changes what
-- it can be attributed to (a deployment recorded, relinked or deleted, the counted
-- environments or the window changed). The attribution values are
-- incidents.models.Incident.Attribution's.
--
-- 1. An admin's correction (attribution_pinned) is kept as it is.
-- 2. The source named a SHA of the deployment that caused it (deploymentSha): the latest
--    counted deployment carrying that SHA deployed before started_at, `explicit`; while no
--    such deployment is known, `unattributed` (never another deployment guessed instead).
-- 3. Otherwise the latest counted deployment of the incident's repository (and of its
--    environment, when it has one) deployed before started_at and at most the
--    organization's incident_attribution_window before it, `rule`.
-- 4. Otherwise `unattributed`.
-- Equal deployed_at fall to the later recorded deployment (the higher id). Beside the
-- deployment, the incident keeps that deployment's repository (attributed_repository_id).

-- The deployments carrying a SHA (7 to 40 hex): one of its sent SHAs, or the commit one
-- matched, starts with it. Read from the SHA's side, by the (organization, sha) indexes.
CREATE OR REPLACE FUNCTION shiplog_deployments_carrying_sha(p_organization bigint, p_sha text)
RETURNS SETOF bigint LANGUAGE sql STABLE
AS $$
    SELECT dc.deployment_id FROM deployments_deploymentcommit dc
    WHERE dc.organization_id = p_organization
      AND dc.sha >= p_sha AND dc.sha < p_sha || 'g' AND starts_with(dc.sha, p_sha)
    UNION
    SELECT dc.deployment_id FROM repositories_commit c
    JOIN deployments_deploymentcommit dc ON dc.commit_id = c.id
    WHERE c.organization_id = p_organization
      AND c.sha >= p_sha AND c.sha < p_sha || 'g' AND starts_with(c.sha, p_sha)
$$;

CREATE OR REPLACE FUNCTION shiplog_incident_deployment_by_sha(
    p_organization bigint, p_sha text, p_before timestamptz, p_counted text[])
RETURNS bigint LANGUAGE sql STABLE
AS $$
    SELECT d.id
    FROM deployments_deployment d
    WHERE d.id IN (SELECT shiplog_deployments_carrying_sha(p_organization, p_sha))
      AND d.deployed_at < p_before
      AND shiplog_deployment_counted(d.is_test, d.environment_name, p_counted)
    ORDER BY d.deployed_at DESC, d.id DESC
    LIMIT 1
$$;

CREATE OR REPLACE FUNCTION shiplog_incident_deployment_by_rule(
    p_organization bigint, p_repository bigint, p_environment_name text,
    p_before timestamptz, p_window interval, p_counted text[])
RETURNS bigint LANGUAGE sql STABLE
AS $$
    SELECT d.id
    FROM deployments_deployment d
    WHERE d.organization_id = p_organization AND d.repository_id = p_repository
      AND d.deployed_at < p_before AND d.deployed_at >= p_before - p_window
      AND (p_environment_name = '' OR d.environment_name = p_environment_name)
      AND shiplog_deployment_counted(d.is_test, d.environment_name, p_counted)
    ORDER BY d.deployed_at DESC, d.id DESC
    LIMIT 1
$$;

-- Attributes these incidents of the organization by the rule above.
CREATE OR REPLACE FUNCTION shiplog_incidents_attribute(
    p_organization bigint, p_incidents bigint[])
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    -- Read here, inside the caller's transaction: a setting committed since the caller
    -- loaded the organization is the one applied.
    v_counted text[] := shiplog_counted_environments(p_organization);
    v_window interval := (SELECT o.incident_attribution_window
                          FROM organizations_organization o WHERE o.id = p_organization);
BEGIN
    IF cardinality(p_incidents) = 0 THEN
        RETURN;
    END IF;
    -- Locked in id order first, as a statement of its own: two recordings re-attributing
    -- the same incidents never deadlock, and the UPDATE's snapshot sees the deployment the
    -- other one committed while this one waited.
    PERFORM 1 FROM incidents_incident
    WHERE id = ANY(p_incidents) ORDER BY id FOR NO KEY UPDATE;

    WITH chosen AS MATERIALIZED (
        SELECT i.id, i.deployment_sha <> '' AS by_sha,
               CASE WHEN i.deployment_sha <> '' THEN
                        shiplog_incident_deployment_by_sha(
                            p_organization, i.deployment_sha, i.started_at, v_counted)
                    WHEN i.repository_id IS NOT NULL THEN
                        shiplog_incident_deployment_by_rule(
                            p_organization, i.repository_id, i.environment_name,
                            i.started_at, v_window, v_counted)
               END AS deployment_id
        FROM incidents_incident i
        WHERE i.id = ANY(p_incidents) AND i.organization_id = p_organization
          AND NOT i.attribution_pinned
    ), derived AS (
        SELECT id, deployment_id,
               CASE WHEN deployment_id IS NULL THEN 'unattributed'
                    WHEN by_sha THEN 'explicit' ELSE 'rule' END AS attribution
        FROM chosen
    )
    UPDATE incidents_incident i
    SET attributed_deployment_id = derived.deployment_id, attribution = derived.attribution
    FROM derived
    WHERE i.id = derived.id
      AND (i.attributed_deployment_id IS DISTINCT FROM derived.deployment_id
           OR i.attribution <> derived.attribution);

    -- Each of them (an admin's pinned ones too) carries its deployment's repository, which
    -- a relinked deployment may have changed.
    UPDATE incidents_incident i
    SET attributed_repository_id = (SELECT d.repository_id FROM deployments_deployment d
                                    WHERE d.id = i.attributed_deployment_id)
    WHERE i.id = ANY(p_incidents) AND i.organization_id = p_organization
      AND i.attributed_repository_id IS DISTINCT FROM
          (SELECT d.repository_id FROM deployments_deployment d
           WHERE d.id = i.attributed_deployment_id);
END
$fn$;

-- After these deployments were recorded or relinked (deployments/sql/04_linking.sql calls
-- this at the end of shiplog_deployments_derive), or any deployment of the organization
-- was deleted (then `p_deployments` is empty): re-attributes every incident whose answer
-- may have changed. Those are the incidents attributed to one of them, those whose
-- deployment was deleted (attributed, yet without a deployment), those of their
-- repositories started after them, and those naming a SHA one of them carries. One index
-- probe when the organization has no incidents, so ingest pays nothing for it then.
CREATE OR REPLACE FUNCTION shiplog_incidents_follow_deployments(
    p_organization bigint, p_deployments bigint[])
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    v_window interval;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM incidents_incident WHERE organization_id = p_organization)
    THEN
        RETURN;
    END IF;
    v_window := (SELECT o.incident_attribution_window
                 FROM organizations_organization o WHERE o.id = p_organization);
    PERFORM shiplog_incidents_attribute(p_organization, array(
        SELECT i.id FROM incidents_incident i
        WHERE i.attributed_deployment_id = ANY(p_deployments)
        UNION
        SELECT i.id FROM incidents_incident i
        WHERE i.organization_id = p_organization AND i.attributed_deployment_id IS NULL
          AND i.attribution <> 'unattributed'
        UNION
        SELECT i.id FROM deployments_deployment d
        JOIN incidents_incident i
          ON i.organization_id = p_organization AND i.repository_id = d.repository_id
         AND i.started_at > d.deployed_at AND i.started_at <= d.deployed_at + v_window
        WHERE d.id = ANY(p_deployments)
        UNION
        SELECT i.id FROM incidents_incident i
        WHERE i.organization_id = p_organization AND i.deployment_sha <> ''
          AND EXISTS (
              SELECT 1 FROM shiplog_deployments_carrying_sha(p_organization, i.deployment_sha)
                  AS carrying (deployment_id)
              WHERE carrying.deployment_id = ANY(p_deployments))
        ORDER BY 1));
END
$fn$;

-- Every incident of the organization, after its counted environments or window changed.
CREATE OR REPLACE FUNCTION shiplog_organization_incidents_attribute(p_organization bigint)
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM shiplog_incidents_attribute(p_organization, array(
        SELECT i.id FROM incidents_incident i WHERE i.organization_id = p_organization
        ORDER BY i.id));
END
$fn$;
