from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from organizations.decorators import organization_admin_required
from organizations.throttling import management_throttled
from repositories import gitlab
from repositories.gitlab_connection import (
    gitlab_deployments_set,
    gitlab_webhook_connect,
    gitlab_webhook_disconnect,
    gitlab_webhook_regenerate_secret,
)
from repositories.gitlab_sync import (
    GitLabProjectInvalid,
    gitlab_project_track,
    gitlab_project_untrack,
    gitlab_token_connect,
    gitlab_token_disconnect,
)
from repositories.gitlab_webhooks import delivery_id_of, gitlab_delivery_receive
from repositories.payload_fields import PayloadError
from repositories.rest_client import ApiError, TokenRefused
from repositories.selectors import gitlab_webhook_for_organization, gitlab_webhook_for_path_token
from repositories.views import body_within_limit


def _bad_payload(error: PayloadError) -> JsonResponse:
    errors = [{"field": error.field, "message": error.message}]
    return JsonResponse({"detail": "Invalid payload.", "errors": errors}, status=400)


@csrf_exempt
@require_POST
def gitlab_webhook(request, path_token: str):
    webhook = gitlab_webhook_for_path_token(path_token=path_token)
    if webhook is None:
        raise Http404("No such webhook.")
    token = request.headers.get("X-Gitlab-Token", "")
    if not gitlab.token_is_valid(secret=webhook.secret, token=token):
        return JsonResponse({"detail": "X-Gitlab-Token is missing or wrong."}, status=401)
    body = body_within_limit(request)
    if body is None:
        return JsonResponse({"detail": "Payload over the 25 MB limit."}, status=413)
    try:
        outcome = gitlab_delivery_receive(
            webhook=webhook,
            delivery_id=delivery_id_of(
                idempotency_key=request.headers.get("Idempotency-Key", ""),
                event_uuid=request.headers.get("X-Gitlab-Event-UUID", ""),
                body=body,
            ),
            event=request.headers.get("X-Gitlab-Event", ""),
            body=body,
        )
    except PayloadError as error:
        return _bad_payload(error)
    body = {"status": outcome.status, "detail": outcome.detail}
    return JsonResponse(body, status=outcome.status_code)


def _secret_reveal(request, webhook, *, regenerated: bool) -> HttpResponse:
    """The only response that ever carries the secret token: a fragment for the modal's
    fetch(), or a full page when the form was posted without JavaScript."""
    payload_url = request.build_absolute_uri(reverse("gitlab_webhook", args=[webhook.path_token]))
    context = {"webhook": webhook, "payload_url": payload_url, "regenerated": regenerated}
    is_fetch = request.headers.get("X-Requested-With") == "fetch"
    template = "repositories/" + ("_gitlab_secret.html" if is_fetch else "gitlab_secret.html")
    return render(request, template, context)


def _conflict(message: str) -> HttpResponse:
    return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")


@never_cache
@require_POST
@organization_admin_required
@management_throttled("gitlab-webhook")
def gitlab_connect(request):
    if gitlab_webhook_for_organization(organization=request.organization):
        return _conflict("GitLab is already connected. Reload the page and use Configure.")
    webhook, _ = gitlab_webhook_connect(organization=request.organization, created_by=request.user)
    return _secret_reveal(request, webhook, regenerated=False)


@never_cache
@require_POST
@organization_admin_required
@management_throttled("gitlab-webhook")
def gitlab_regenerate(request):
    webhook = gitlab_webhook_for_organization(organization=request.organization)
    if webhook is None:
        return _conflict("GitLab is not connected any more. Reload the page.")
    webhook = gitlab_webhook_regenerate_secret(webhook=webhook)
    return _secret_reveal(request, webhook, regenerated=True)


@require_POST
@organization_admin_required
def gitlab_deployments(request):
    webhook = gitlab_webhook_for_organization(organization=request.organization)
    if webhook is not None:
        enabled = request.POST.get("enabled") == "on"
        gitlab_deployments_set(webhook=webhook, enabled=enabled)
        state = "recorded" if enabled else "no longer recorded"
        messages.success(request, f"GitLab deployments are {state} as deployments.")
    return redirect("integrations")


@require_POST
@organization_admin_required
@management_throttled("gitlab-webhook")
def gitlab_disconnect(request):
    webhook = gitlab_webhook_for_organization(organization=request.organization)
    if webhook is not None:
        gitlab_webhook_disconnect(webhook=webhook)
        messages.success(
            request, "GitLab disconnected: its webhook URL no longer accepts deliveries."
        )
    return redirect("integrations")


def _card() -> HttpResponse:
    return redirect(f"{reverse('integrations')}#gitlab-card")


@never_cache
@require_POST
@organization_admin_required
@management_throttled("gitlab-token")
def gitlab_token_save(request):
    try:
        stored = gitlab_token_connect(
            organization=request.organization,
            token=request.POST.get("token", ""),
            created_by=request.user,
        )
    except TokenRefused as error:
        messages.error(request, f"GitLab refused the token, so nothing was stored: {error}")
    except ApiError as error:
        messages.error(request, f"Shiplog could not check the token with GitLab: {error}")
    else:
        messages.success(request, f"Token saved: Shiplog reads GitLab as @{stored.username}.")
    return _card()


@require_POST
@organization_admin_required
def gitlab_token_remove(request):
    gitlab_token_disconnect(organization=request.organization)
    messages.success(request, "GitLab token deleted: tracked projects stop syncing.")
    return _card()


@require_POST
@organization_admin_required
@management_throttled("gitlab-token")
def gitlab_project_track_view(request):
    try:
        repository = gitlab_project_track(
            organization=request.organization, full_name=request.POST.get("project", "")
        )
    except GitLabProjectInvalid as error:
        messages.error(request, f"Nothing tracked: the project {error}.")
    else:
        messages.success(
            request, f"Tracking {repository.full_name}: its history is read in the background."
        )
    return _card()


@require_POST
@organization_admin_required
def gitlab_project_stop(request, repository_id: int):
    if gitlab_project_untrack(organization=request.organization, repository_id=repository_id):
        messages.success(request, "Stopped tracking; the history already read stays.")
    return _card()
