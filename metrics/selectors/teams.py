"""The selected teams: their deployments (attributed at write time, see
deployments.attribution) and their people."""

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Collate

from deployments.models import DeploymentTeam
from metrics.query import MetricsQuery
from organizations.models import Contributor, Organization


def in_teams(query: MetricsQuery) -> Q:
    """Deployments in the query's range attributed to any of its teams: the team rows of
    the range, by the (team, deployed_on) index, not every row the teams ever had."""
    attributed = DeploymentTeam.objects.filter(
        organization=query.organization,
        team__slug__in=query.teams,
        deployed_on__gte=query.start,
        deployed_on__lte=query.end,
    )
    return Q(pk__in=attributed.values("deployment_id"))


def team_people_count(*, organization: Organization, team_slugs) -> int:
    """Tracked people (not bots) in any of these teams: the per-person denominator."""
    return (
        Contributor.objects.filter(
            organization=organization, is_tracked=True, is_bot=False, teams__slug__in=team_slugs
        )
        .distinct()
        .count()
    )


def deployment_team_names(*, query: MetricsQuery, deployment_ids) -> list[tuple[int, str]]:
    """(deployment id, team name) for the attributed teams of these deployments of the
    query's range: bounded by the range too, so a CSV's thousands of deployments read the
    range of the (organization, deployed_on) index instead of every team row."""
    return list(
        DeploymentTeam.objects.filter(
            organization=query.organization,
            deployed_on__gte=query.start,
            deployed_on__lte=query.end,
            deployment_id__in=deployment_ids,
        )
        .order_by()
        .values_list("deployment_id", "team__name")
    )


def team_names_joined() -> Subquery:
    """A deployment's attributed team names joined by ";", sorted as Python sorts text (code
    points, not the database's collation): the CSV's teams cell, written by PostgreSQL."""
    return Subquery(
        DeploymentTeam.objects.filter(deployment=OuterRef("pk"))
        .order_by()
        .values("deployment")
        .annotate(names=StringAgg("team__name", ";", order_by=Collate("team__name", "C")))
        .values("names")
    )


def organization_teams(*, organization: Organization) -> tuple[dict[int, str], dict[str, str]]:
    """The organization's teams in one read: id -> slug (`team_slugs`, for rows grouped by
    team id) and slug -> name, by name (for what a page writes)."""
    teams = list(organization.teams.values_list("pk", "slug", "name"))
    return {pk: slug for pk, slug, _name in teams}, {slug: name for _pk, slug, name in teams}
