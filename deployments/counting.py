"""Which deployments count: the ORM side of the one definition of "counted", the SQL
functions of deployments/sql/01_counting.sql, which the deploy moments call too."""

from django.contrib.postgres.fields import ArrayField
from django.db.models import BooleanField, F, Func, Q, TextField, Value
from django.db.models.functions import Cast

from organizations.models import Organization


def _counted_environments(organization: Organization):
    return Cast(Value(list(organization.counted_environments or [])), ArrayField(TextField()))


def environment_counted_q(organization: Organization, *, prefix: str = "") -> Q:
    """Deployments (or rows copying a deployment's `environment_name`, such as
    DeploymentTeam) in an environment the organization counts: those of its
    `counted_environments`, or every environment when that list is empty."""
    return Q(
        Func(
            F(f"{prefix}environment_name"),
            _counted_environments(organization),
            function="shiplog_environment_counted",
            output_field=BooleanField(),
        )
    )


def deployment_counted_q(organization: Organization, *, prefix: str = "") -> Q:
    """Counted: not a test, and in a counted environment (the reference's rule: a PR is not
    fully released until its last counted environment)."""
    return Q(
        Func(
            F(f"{prefix}is_test"),
            F(f"{prefix}environment_name"),
            _counted_environments(organization),
            function="shiplog_deployment_counted",
            output_field=BooleanField(),
        )
    )
