"""The product's URLs plus POST /bench/bare: the floor an ingest endpoint is compared with."""

import json

from django.conf import settings
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as product_urlpatterns
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


urlpatterns = [path("bench/bare", bare), *product_urlpatterns]
