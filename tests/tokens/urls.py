"""Test-only URLs: a tiny API view guarded like the real API, before/without its endpoints."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from tokens.authentication import ApiTokenAuthentication
from tokens.permissions import HasScope


class WhoAmI(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasScope]
    required_scopes = {"GET": "deployments:read", "POST": "deployments:write"}

    def get(self, request):
        return Response(
            {"organization": request.auth.organization.slug, "user": str(request.user)}
        )

    def post(self, request):
        return Response({"organization": request.auth.organization.slug}, status=201)


class MetricsOnly(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasScope]
    required_scope = "metrics:read"

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("whoami", WhoAmI.as_view()),
    path("metrics-only", MetricsOnly.as_view()),
]
