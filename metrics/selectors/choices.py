"""What the filter form offers: the environments and recent tags of an organization."""

from datetime import datetime

from django.db import connection

from deployments.models import Deployment
from organizations.models import Organization


def environment_names(*, organization: Organization) -> list[str]:
    """The environment names the organization's deployments use, in one query that probes
    the (organization, environment_name, …) index once per name instead of reading every
    deployment: a recursive "next name after this one"."""
    sql = """
        WITH RECURSIVE names(name) AS (
            SELECT MIN(environment_name) FROM deployments_deployment WHERE organization_id = %s
            UNION ALL
            SELECT (
                SELECT MIN(environment_name) FROM deployments_deployment
                WHERE organization_id = %s AND environment_name > names.name
            )
            FROM names WHERE names.name IS NOT NULL
        )
        SELECT name FROM names WHERE name IS NOT NULL
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization.pk, organization.pk])
        return [name for (name,) in cursor.fetchall()]


def environment_choices(*, organization: Organization) -> dict[str, bool]:
    """The environments a user can pick or count, by name, each with whether a deployment
    used it: those deployments used, and any the organization counts that none has yet."""
    seen = set(environment_names(organization=organization))
    names = sorted(seen | set(organization.counted_environments or []))
    return {name: name in seen for name in names}


def recent_tag_names(*, organization: Organization, since: datetime) -> list[str]:
    """Tags carried by the organization's deployments since `since`."""
    tag_lists = (
        Deployment.objects.filter(organization=organization, deployed_at__gte=since)
        .exclude(tags=[])
        .order_by()
        .values_list("tags", flat=True)
        .distinct()
    )
    return sorted({tag for tags in tag_lists for tag in tags if isinstance(tag, str)})
