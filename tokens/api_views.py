"""The base of every token-authenticated API view: bearer token, the scope each method
needs (`required_scopes`), the per-token throttle."""

from rest_framework.views import APIView

from tokens.authentication import ApiTokenAuthentication
from tokens.permissions import HasScope
from tokens.throttling import ApiTokenRateThrottle


class TokenApiView(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ApiTokenRateThrottle]
    required_scopes: dict[str, str] = {}

    def check_permissions(self, request):
        # A method this endpoint lacks is a 405, not a missing-scope 403.
        if request.method not in self.required_scopes and request.method != "HEAD":
            self.http_method_not_allowed(request)
        super().check_permissions(request)
