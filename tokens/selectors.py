from organizations.models import Organization
from tokens.models import ApiToken
from tokens.plaintext import plaintext_hash, plaintext_is_well_formed


def deployments_api_token(organization: Organization) -> ApiToken | None:
    """The organization's active Deployments API token, if any."""
    return (
        ApiToken.objects.filter(organization=organization, revoked_at__isnull=True)
        .select_related("created_by")
        .order_by("-created_at")
        .first()
    )


def api_token_for_organization(*, organization: Organization, pk: int) -> ApiToken | None:
    """A token of this organization only: another organization's id finds nothing."""
    return ApiToken.objects.filter(organization=organization, pk=pk).first()


def api_token_by_plaintext(*, plaintext: str) -> ApiToken | None:
    """The token with this plaintext; a malformed one is refused before any query."""
    if not plaintext_is_well_formed(plaintext):
        return None
    return (
        ApiToken.objects.filter(token_hash=plaintext_hash(plaintext))
        .select_related("organization")
        .first()
    )


def api_tokens_by_display_prefix(*, display_prefix: str) -> list[ApiToken]:
    return list(
        ApiToken.objects.filter(display_prefix=display_prefix).select_related("organization")
    )
