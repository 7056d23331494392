-- Who a deployment is attributed to, the one rule. Its contributor_rank is the best author
-- among its matched commits: a tracked person beats a tracked bot beats any other matched
-- commit (an untracked or unknown author) beats no matched commit at all
-- (the double-braced ranks are deployments.models.ContributorRank's values, filled in when
-- the file is installed). Its DeploymentTeam rows are the teams of the tracked people (not
-- bots) among those authors, with the deployment's UTC day, environment, test flag and
-- failure mark copied, so a range of team lines is one index scan. `p_new`: no team rows
-- exist yet.
CREATE OR REPLACE FUNCTION shiplog_deployments_attribute(p_deployments bigint[], p_new boolean)
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    WITH derived AS MATERIALIZED (
        SELECT target.id, coalesce(max(CASE
                   WHEN p.is_tracked AND NOT p.is_bot THEN {{ContributorRank.HUMAN}}
                   WHEN p.is_tracked THEN {{ContributorRank.BOT}}
                   ELSE {{ContributorRank.UNTRACKED}} END)
               FILTER (WHERE dc.commit_id IS NOT NULL), {{ContributorRank.NONE}}) AS rank
        FROM unnest(p_deployments) AS target(id)
        LEFT JOIN deployments_deploymentcommit dc ON dc.deployment_id = target.id
        LEFT JOIN organizations_contributor p ON p.id = dc.contributor_id
        GROUP BY target.id
    )
    UPDATE deployments_deployment d SET contributor_rank = derived.rank
    FROM derived
    WHERE d.id = derived.id AND d.contributor_rank <> derived.rank;

    IF NOT p_new THEN
        DELETE FROM deployments_deploymentteam WHERE deployment_id = ANY(p_deployments);
    END IF;
    INSERT INTO deployments_deploymentteam (
        organization_id, deployment_id, team_id, deployed_on, environment_name, is_test,
        marks_failure)
    SELECT DISTINCT d.organization_id, d.id, member.team_id,
           (d.deployed_at AT TIME ZONE 'UTC')::date, d.environment_name, d.is_test,
           d.marks_failure
    FROM deployments_deployment d
    JOIN deployments_deploymentcommit dc ON dc.deployment_id = d.id
    JOIN organizations_contributor p ON p.id = dc.contributor_id
    JOIN organizations_contributor_teams member ON member.contributor_id = p.id
    WHERE d.id = ANY(p_deployments) AND dc.commit_id IS NOT NULL
      AND p.is_tracked AND NOT p.is_bot;
END
$fn$;
