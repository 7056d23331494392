from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from organizations.decorators import organization_admin_required
from organizations.throttling import management_throttled
from repositories import github
from repositories.selectors import github_webhook_for_organization, github_webhook_for_path_token
from repositories.webhook_secrets import (
    github_webhook_connect,
    github_webhook_disconnect,
    github_webhook_regenerate_secret,
)
from repositories.webhooks import github_delivery_receive


def body_within_limit(request: HttpRequest) -> bytes | None:
    """The raw body, or None when it is over GitHub's limit (checked before reading it all,
    and without Django's 2.5 MB DATA_UPLOAD_MAX_MEMORY_SIZE, which would reject big pushes)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > github.MAX_PAYLOAD_BYTES:
        return None
    body = request.read(github.MAX_PAYLOAD_BYTES + 1)
    return body if len(body) <= github.MAX_PAYLOAD_BYTES else None


@csrf_exempt
@require_POST
def github_webhook(request, path_token: str):
    webhook = github_webhook_for_path_token(path_token=path_token)
    if webhook is None:
        raise Http404("No such webhook.")
    body = body_within_limit(request)
    if body is None:
        return JsonResponse({"detail": "Payload over GitHub's 25 MB limit."}, status=413)
    signature = request.headers.get("X-Hub-Signature-256", "")
    if not github.signature_is_valid(secret=webhook.secret, body=body, signature=signature):
        return JsonResponse({"detail": "X-Hub-Signature-256 is missing or wrong."}, status=401)
    try:
        outcome = github_delivery_receive(
            webhook=webhook,
            delivery_id=request.headers.get("X-GitHub-Delivery", ""),
            event=request.headers.get("X-GitHub-Event", ""),
            body=body,
        )
    except github.PayloadError as error:
        errors = [{"field": error.field, "message": error.message}]
        return JsonResponse({"detail": "Invalid payload.", "errors": errors}, status=400)
    return JsonResponse(
        {"status": outcome.status, "detail": outcome.detail}, status=outcome.status_code
    )


def _secret_reveal(request, webhook, *, regenerated: bool) -> HttpResponse:
    """The only response that ever carries the secret: a fragment for the modal's fetch(),
    or a full page when the form was posted without JavaScript."""
    payload_url = request.build_absolute_uri(reverse("github_webhook", args=[webhook.path_token]))
    context = {"webhook": webhook, "payload_url": payload_url, "regenerated": regenerated}
    is_fetch = request.headers.get("X-Requested-With") == "fetch"
    template = (
        "repositories/_github_secret.html" if is_fetch else "repositories/github_secret.html"
    )
    return render(request, template, context)


def _conflict(message: str) -> HttpResponse:
    return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")


@never_cache
@require_POST
@organization_admin_required
@management_throttled("github-webhook")
def github_connect(request):
    if github_webhook_for_organization(organization=request.organization):
        return _conflict("GitHub is already connected. Reload the page and use Configure.")
    webhook, _ = github_webhook_connect(organization=request.organization, created_by=request.user)
    return _secret_reveal(request, webhook, regenerated=False)


@never_cache
@require_POST
@organization_admin_required
@management_throttled("github-webhook")
def github_regenerate(request):
    webhook = github_webhook_for_organization(organization=request.organization)
    if webhook is None:
        return _conflict("GitHub is not connected any more. Reload the page.")
    webhook = github_webhook_regenerate_secret(webhook=webhook)
    return _secret_reveal(request, webhook, regenerated=True)


@require_POST
@organization_admin_required
@management_throttled("github-webhook")
def github_disconnect(request):
    webhook = github_webhook_for_organization(organization=request.organization)
    if webhook is not None:
        github_webhook_disconnect(webhook=webhook)
        messages.success(
            request, "GitHub disconnected: its webhook URL no longer accepts deliveries."
        )
    return redirect("integrations")
