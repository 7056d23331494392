import django_filters

from deployments.models import Deployment
from organizations.dates import supported_date_validate


class DeploymentFilter(django_filters.FilterSet):
    """GET /api/v1/deployments filters; `since` is inclusive and `until` exclusive."""

    environmentName = django_filters.CharFilter(field_name="environment_name")
    repository = django_filters.CharFilter(field_name="repository__full_name")
    since = django_filters.IsoDateTimeFilter(
        field_name="deployed_at", lookup_expr="gte", validators=[supported_date_validate]
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="deployed_at", lookup_expr="lt", validators=[supported_date_validate]
    )

    class Meta:
        model = Deployment
        fields = []
