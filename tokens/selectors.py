from organizations.models import Organization
from tokens.models import ApiToken


def deployments_api_token(organization: Organization) -> ApiToken | None:
    """The organization's active Deployments API token, if any."""
    return (
        ApiToken.objects.filter(organization=organization, revoked_at__isnull=True)
        .select_related("created_by")
        .order_by("-created_at")
        .first()
    )
