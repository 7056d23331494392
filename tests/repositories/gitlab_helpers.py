"""Delivering GitLab webhooks to the real receiver over the test client."""

import itertools

from django.urls import reverse

from repositories.models import Commit, PullRequest, Repository, WebhookDelivery
from tests.repositories import gitlab_payloads

_uuids = itertools.count(1)


def deliver(client, webhook, event, payload=None, *, body=None, token=None, uuid=None, **headers):
    body = body if body is not None else gitlab_payloads.encode(payload)
    if uuid is None:
        uuid = f"8fb1d4e2-2b41-4c6e-9a1b-{next(_uuids):012d}"
    if uuid:
        headers["HTTP_X_GITLAB_EVENT_UUID"] = uuid
    return client.post(
        reverse("gitlab_webhook", args=[webhook.path_token]),
        data=body,
        content_type="application/json",
        HTTP_X_GITLAB_EVENT=event,
        HTTP_X_GITLAB_TOKEN=webhook.secret if token is None else token,
        **headers,
    )


def nothing_stored() -> bool:
    return not (
        WebhookDelivery.objects.exists()
        or Repository.objects.exists()
        or Commit.objects.exists()
        or PullRequest.objects.exists()
    )
