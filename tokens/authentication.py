from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from tokens.models import ApiToken
from tokens.selectors import api_token_by_plaintext
from tokens.services import token_mark_used


class ApiTokenUser:
    """Who made an API request: a token, not a person. Enough of a user for DRF."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False

    def __init__(self, token: ApiToken):
        self.token = token
        self.organization = token.organization
        # A stable, non-numeric id so DRF's per-user throttles key on the token.
        self.pk = self.id = f"api-token-{token.pk}"

    def __str__(self) -> str:
        return f"API token {self.token.display_prefix}…"


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` or the bare token.

    Missing, malformed or unknown → 401; revoked → 403 (the reference's split). A malformed
    token is refused before any query. Every view using this class requires a token.
    """

    keyword = "bearer"

    def authenticate(self, request):
        plaintext = self._plaintext_from(request)
        token = api_token_by_plaintext(plaintext=plaintext)
        if token is None:
            raise exceptions.AuthenticationFailed("The API token is not valid.")
        if not token.is_active:
            raise exceptions.PermissionDenied("The API token has been revoked.")
        token_mark_used(token=token)
        return ApiTokenUser(token), token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'

    def _plaintext_from(self, request) -> str:
        parts = get_authorization_header(request).split()
        if not parts:
            raise exceptions.NotAuthenticated(
                "Send the API token in the Authorization header: Bearer <token>."
            )
        if parts[0].lower() == self.keyword.encode():
            parts = parts[1:]
        if len(parts) != 1:
            raise exceptions.AuthenticationFailed("The Authorization header is malformed.")
        try:
            return parts[0].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The API token is not valid.") from None
