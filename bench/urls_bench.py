"""The product's URLs plus two bench endpoints.

POST /bench/bare: what the issue compares ingest with (parse the JSON, insert one row).
POST /bench/checked: the real endpoint's token authentication, scope check, throttle and
validation, then the same one-row insert: what any endpoint with the API's contract costs
before it records anything, so the bench can say how much of the gap is recording.
"""

import json

from django.conf import settings
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework.response import Response

from config.urls import urlpatterns as product_urlpatterns
from deployments.api import DeploymentsApi, post_body_validate
from deployments.models import DeploymentReceipt


@csrf_exempt
@require_POST
def bare(request):
    """Only what any ingest must do: parse the JSON body and insert one row."""
    body = request.body.decode()
    json.loads(body)
    receipt = DeploymentReceipt.objects.create(
        organization_id=settings.BENCH_BARE_ORGANIZATION_ID,
        request_id=request.request_id,
        raw_body=body,
        received_at=timezone.now(),
    )
    return JsonResponse({"id": receipt.id}, status=201)


class CheckedApi(DeploymentsApi):
    def post(self, request):
        received_at, raw_body, _ = post_body_validate(request)
        receipt = DeploymentReceipt.objects.create(
            organization=request.auth.organization,
            token=request.auth,
            request_id=request.request_id,
            raw_body=raw_body,
            received_at=received_at,
        )
        return Response({"id": receipt.id}, status=201)


urlpatterns = [
    path("bench/bare", bare),
    path("bench/checked", CheckedApi.as_view()),
    *product_urlpatterns,
]
