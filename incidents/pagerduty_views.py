"""The PagerDuty webhook receiver and the Integrations card's Connect / Configure actions."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from incidents import pagerduty
from incidents.selectors import (
    pagerduty_webhook_for_organization,
    pagerduty_webhook_for_path_token,
)
from incidents.services import (
    pagerduty_webhook_connect,
    pagerduty_webhook_disconnect,
    pagerduty_webhook_secret_save,
)
from organizations.decorators import organization_admin_required
from organizations.throttling import management_throttled
from repositories.payload_fields import PayloadError


def _body_within_limit(request: HttpRequest) -> bytes | None:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > pagerduty.MAX_PAYLOAD_BYTES:
        return None
    body = request.read(pagerduty.MAX_PAYLOAD_BYTES + 1)
    return body if len(body) <= pagerduty.MAX_PAYLOAD_BYTES else None


@csrf_exempt
@require_POST
def pagerduty_webhook(request, path_token: str):
    webhook = pagerduty_webhook_for_path_token(path_token=path_token)
    if webhook is None:
        raise Http404("No such webhook.")
    body = _body_within_limit(request)
    if body is None:
        return JsonResponse({"detail": "Payload over the 1 MiB limit."}, status=413)
    header = request.headers.get("X-PagerDuty-Signature", "")
    if not pagerduty.signature_is_valid(secret=webhook.secret, body=body, header=header):
        return JsonResponse({"detail": "X-PagerDuty-Signature is missing or wrong."}, status=401)
    try:
        outcome = pagerduty.pagerduty_delivery_receive(webhook=webhook, body=body)
    except PayloadError as error:
        errors = [{"field": error.field, "message": error.message}]
        return JsonResponse({"detail": "Invalid payload.", "errors": errors}, status=400)
    return JsonResponse(
        {"status": outcome.status, "detail": outcome.detail}, status=outcome.status_code
    )


@require_POST
@organization_admin_required
@management_throttled("pagerduty-webhook")
def pagerduty_connect(request):
    pagerduty_webhook_connect(organization=request.organization, created_by=request.user)
    messages.success(
        request, "PagerDuty webhook URL created: add it in PagerDuty, then save its secret."
    )
    return redirect(reverse("integrations") + "#pagerduty-card")


@never_cache
@require_POST
@organization_admin_required
@management_throttled("pagerduty-webhook")
def pagerduty_secret_save(request):
    webhook = pagerduty_webhook_for_organization(organization=request.organization)
    if webhook is None:
        return HttpResponse("PagerDuty is not connected. Reload the page.", status=409)
    try:
        pagerduty_webhook_secret_save(webhook=webhook, secret=request.POST.get("secret", ""))
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "PagerDuty signing secret saved (encrypted).")
    return redirect(reverse("integrations") + "#pagerduty-card")


@require_POST
@organization_admin_required
@management_throttled("pagerduty-webhook")
def pagerduty_disconnect(request):
    webhook = pagerduty_webhook_for_organization(organization=request.organization)
    if webhook is not None:
        pagerduty_webhook_disconnect(webhook=webhook)
        messages.success(request, "PagerDuty disconnected: its webhook URL refuses deliveries.")
    return redirect("integrations")
