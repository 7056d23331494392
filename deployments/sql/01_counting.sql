-- Which deployments count: the one definition of "counted", used by the deploy moments
-- below and, through deployments/counting.py, by every metric and team line. `counted` is
-- the organization's counted_environments; empty means every environment counts. Plain
-- SQL functions, so the planner inlines them and the filters still use the indexes.

CREATE OR REPLACE FUNCTION shiplog_environment_counted(environment_name text, counted text[])
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT cardinality(counted) = 0 OR environment_name = ANY(counted) $$;

CREATE OR REPLACE FUNCTION shiplog_deployment_counted(
    is_test boolean, environment_name text, counted text[])
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT NOT is_test AND shiplog_environment_counted(environment_name, counted) $$;

-- The organization's counted environments as text[], for the functions above.
CREATE OR REPLACE FUNCTION shiplog_counted_environments(organization bigint)
RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(array(SELECT jsonb_array_elements_text(o.counted_environments)), '{}')
    FROM organizations_organization o WHERE o.id = organization
$$;
