"""Which deployments count: the one definition of "counted" that the deploy moments, the
metrics and the team rows all filter by."""

from django.db.models import Q

from organizations.models import Organization


def environment_counted_q(organization: Organization, *, prefix: str = "") -> Q:
    """Deployments (or rows copying a deployment's `environment_name`, such as
    DeploymentTeam) in an environment the organization counts: those of its
    `counted_environments`, or every environment when that list is empty."""
    if not organization.counted_environments:
        return Q()
    return Q(**{f"{prefix}environment_name__in": organization.counted_environments})


def deployment_counted_q(organization: Organization, *, prefix: str = "") -> Q:
    """Counted: not a test, and in a counted environment (the reference's rule: a PR is not
    fully released until its last counted environment)."""
    return Q(**{f"{prefix}is_test": False}) & environment_counted_q(organization, prefix=prefix)
