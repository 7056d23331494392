"""Receiving one GitLab delivery: the GitHub receiver's storage, registry and write services,
with GitLab's events.

Merge Request Hook → the MR (number = its iid) and, for an approval, its first review; Note
Hook on a merge request → its first review; Push Hook → commits, which join the open MR of
their branch. Deployment Hook is registered by the deployments app. Anything else is stored
and answered 202.
"""

import hashlib

from django.db import transaction

from repositories import gitlab
from repositories.models import GitLabWebhook, PullRequest, Repository, WebhookDelivery
from repositories.payload_fields import header_check, payload_decode
from repositories.services import (
    PullRequestReviewData,
    commit_data_changed_send,
    pull_request_claim_commits,
    pull_request_merge_commit_correct,
    pull_request_review_record,
    pull_request_upsert,
    repository_ensure,
    review_counts_as_first_review,
)
from repositories.webhooks import (
    Applied,
    DeliveryOutcome,
    branch_commits_claim,
    delivery_apply,
    delivery_finish,
    delivery_store,
    handler_for,
    handler_register,
    push_commits_apply,
)

MERGE_REQUEST_HOOK = "Merge Request Hook"
NOTE_HOOK = "Note Hook"
PUSH_HOOK = "Push Hook"
DEPLOYMENT_HOOK = "Deployment Hook"


def project_repository(organization, project: gitlab.Project) -> Repository:
    return repository_ensure(
        organization=organization, full_name=project.full_name, host=project.host
    )


def merge_request_record(
    repository: Repository, data: gitlab.MergeRequestData
) -> PullRequest | None:
    """Writes the MR through pull_request_upsert; None when GitLab says merged without a
    merge time and Shiplog has not recorded the merge (the merge event or the backfill
    will). A merged MR's other landing commits (squash, head) join it when known."""
    if data.merge_time_missing and not PullRequest.objects.filter(
        repository=repository,
        number=data.pull_request.number,
        state=PullRequest.State.MERGED,
    ):
        return None
    pull_request = pull_request_upsert(repository=repository, data=data.pull_request)
    merged = pull_request.state == PullRequest.State.MERGED
    if merged and not data.landing_is_head:
        landing = data.pull_request.merge_commit_sha
        pull_request_merge_commit_correct(pull_request=pull_request, merge_commit_sha=landing)
    if merged and pull_request_claim_commits(pull_request=pull_request, shas=data.landing_shas):
        commit_data_changed_send(organization=repository.organization, shas=data.landing_shas)
    branch_commits_claim(pull_request, push_event=PUSH_HOOK, push_parse=gitlab.push_hook_parse)
    return pull_request


def review_record(
    pull_request: PullRequest, review: gitlab.ReviewData, delivery: WebhookDelivery
) -> str:
    """Applies the one first-review rule; what it did, in words."""
    submitted_at = review.submitted_at or delivery.received_at
    data = PullRequestReviewData(
        reviewer=review.reviewer, submitted_at=submitted_at, by_author=review.by_author
    )
    if not review_counts_as_first_review(pull_request=pull_request, review=data):
        return "not a first review: by the author or a bot"
    moved = pull_request_review_record(pull_request=pull_request, submitted_at=submitted_at)
    return "first review recorded" if moved else "an earlier review was already recorded"


def _not_recorded_yet(repository, data: gitlab.MergeRequestData) -> Applied:
    detail = (
        f"{repository.full_name}!{data.pull_request.number} is merged, but this delivery "
        "does not say when: its merge event or gitlab_backfill records it"
    )
    return Applied(detail=detail, repository=repository, ignored=True)


def _merge_request_apply(organization, data, delivery: WebhookDelivery) -> Applied:
    merge_request, review = data
    repository = project_repository(organization, merge_request.project)
    pull_request = merge_request_record(repository, merge_request)
    if pull_request is None:
        return _not_recorded_yet(repository, merge_request)
    detail = f"{pull_request} is {pull_request.state}"
    if review is not None:
        detail += "; " + review_record(pull_request, review, delivery)
    return Applied(detail=detail, repository=repository)


def _note_apply(organization, data: gitlab.NoteData, delivery: WebhookDelivery) -> Applied:
    if data.review is None:
        detail = f"a note on a {data.noteable_type} that is not a review is not used by Shiplog"
        return Applied(detail=detail, ignored=True)
    repository = project_repository(organization, data.project)
    pull_request = merge_request_record(repository, data.review.merge_request)
    if pull_request is None:
        return _not_recorded_yet(repository, data.review.merge_request)
    detail = review_record(pull_request, data.review, delivery)
    return Applied(detail=detail, repository=repository)


def _push_apply(organization, data: gitlab.PushData, delivery: WebhookDelivery) -> Applied:
    repository = project_repository(organization, data.project)
    applied = push_commits_apply(repository=repository, ref=data.ref, commits=data.commits)
    beyond = data.total_commits_count - len(data.commits)
    if beyond <= 0:
        return applied
    # GitLab carries the newest 20 commits of a push; the others come from its API.
    from repositories.gitlab_sync import push_fetch_queue  # it imports this module

    if push_fetch_queue(delivery=delivery):
        later = "are read from GitLab's API by the worker"
    else:
        later = "were not read (no GitLab API token stored: gitlab_backfill reads an MR's)"
    detail = (
        f"{applied.detail}; {beyond} older commits of this push are not in the hook and {later}"
    )
    return Applied(detail=detail, repository=repository, ref=applied.ref)


handler_register(
    MERGE_REQUEST_HOOK,
    actions=gitlab.MERGE_REQUEST_ACTIONS,
    parse=gitlab.merge_request_hook_parse,
    apply=_merge_request_apply,
    host="gitlab",
)
handler_register(
    NOTE_HOOK, actions=None, parse=gitlab.note_hook_parse, apply=_note_apply, host="gitlab"
)
handler_register(
    PUSH_HOOK, actions=None, parse=gitlab.push_hook_parse, apply=_push_apply, host="gitlab"
)


def delivery_id_of(*, idempotency_key: str, event_uuid: str, body: bytes) -> str:
    """GitLab's Idempotency-Key (the same on every retry of an event), else its
    X-Gitlab-Event-UUID, else the body's SHA-256: a byte-identical redelivery is a no-op."""
    for value in (idempotency_key, event_uuid):
        if value.strip():
            header_check("Idempotency-Key", value)
            return value.strip()
    return "sha256:" + hashlib.sha256(body).hexdigest()


def gitlab_delivery_receive(
    *, webhook: GitLabWebhook, delivery_id: str, event: str, body: bytes
) -> DeliveryOutcome:
    """Stores a delivery whose X-Gitlab-Token matched and applies it. The payload is parsed
    before anything is written, so a bad one changes nothing; a repeated id changes nothing."""
    header_check("X-Gitlab-Event", event)
    payload = payload_decode(body)
    action = gitlab.action_of(payload) if event == MERGE_REQUEST_HOOK else ""
    parse, apply = handler_for(event, action, host="gitlab")
    data = parse(payload) if parse else None
    with transaction.atomic():
        delivery = delivery_store(
            organization_id=webhook.organization_id,
            source={"gitlab_webhook": webhook},
            delivery_id=delivery_id,
            event=event,
            action=action,
            body=body,
        )
        if delivery is None:
            detail = f"Delivery {delivery_id} was already received; nothing changed."
            return DeliveryOutcome(200, "duplicate", detail)
        if apply is not None:
            return delivery_apply(delivery, apply(webhook.organization, data, delivery))
        detail = f"{event} {action}".strip() + " is not used by Shiplog"
        outcome = DeliveryOutcome(202, WebhookDelivery.Status.IGNORED, detail)
        delivery_finish(delivery, outcome)
    return outcome
