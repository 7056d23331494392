"""Receiving one GitHub delivery: validate, store it raw (idempotently), apply it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from repositories import github
from repositories.github import PayloadError, PushData, ReviewData
from repositories.models import GitHubWebhook, PullRequest, WebhookDelivery
from repositories.selectors import pushed_delivery_bodies
from repositories.services import (
    CommitData,
    PullRequestReviewData,
    commit_data_changed_send,
    commit_ids_by_sha,
    commits_upsert,
    pull_request_claim_commits,
    pull_request_commits_add,
    pull_request_review_record,
    pull_request_upsert,
    repository_ensure,
    review_counts_as_first_review,
)


@dataclass(frozen=True)
class DeliveryOutcome:
    status_code: int
    status: str
    detail: str


@dataclass(frozen=True)
class Applied:
    """What applying a delivery did; ignored is a delivery stored but not used (202)."""

    detail: str
    repository: object = None
    ref: str = ""
    ignored: bool = False


def _push_apply(organization, data: PushData, delivery: WebhookDelivery) -> Applied:
    repository = repository_ensure(organization=organization, full_name=data.repository_full_name)
    pushed = [commit.sha for commit in data.commits]
    changed = set(commits_upsert(repository=repository, commits=data.commits))
    branch = data.ref.removeprefix("refs/heads/") if data.ref.startswith("refs/heads/") else ""
    open_pr_ids = PullRequest.objects.filter(
        repository=repository, state=PullRequest.State.OPEN, head_branch=branch
    ).values_list("id", flat=True)
    if branch and pushed and open_pr_ids:
        commit_ids = commit_ids_by_sha(repository=repository, shas=pushed).values()
        memberships = [(pr_id, commit_id) for pr_id in open_pr_ids for commit_id in commit_ids]
        if pull_request_commits_add(organization_id=organization.pk, memberships=memberships):
            changed.update(pushed)
    commit_data_changed_send(organization=organization, shas=changed)
    detail = f"{len(changed & set(pushed))} new of {len(pushed)} commits"
    return Applied(detail=detail, repository=repository, ref=data.ref)


def _branch_commits_claim(pull_request: PullRequest) -> None:
    # The branch is usually pushed before the PR is opened: claim what was pushed to it.
    if pull_request.state != PullRequest.State.OPEN or not pull_request.head_branch:
        return
    bodies = pushed_delivery_bodies(
        repository=pull_request.repository, branch=pull_request.head_branch
    )
    shas = [commit.sha for body in bodies for commit in _stored_push_commits(body)]
    if pull_request_claim_commits(pull_request=pull_request, shas=shas):
        commit_data_changed_send(organization=pull_request.organization, shas=shas)


def _stored_push_commits(body: str) -> list[CommitData]:
    # A push stored before a parser rule was tightened may fail it now: its commits were
    # recorded then, and this PR delivery is not refused because of it.
    try:
        return github.push_parse(github.payload_decode(body.encode())).commits
    except PayloadError:
        return []


def _pull_request_apply(organization, data, delivery: WebhookDelivery) -> Applied:
    full_name, pull_request_data = data
    repository = repository_ensure(organization=organization, full_name=full_name)
    pull_request = pull_request_upsert(repository=repository, data=pull_request_data)
    _branch_commits_claim(pull_request)
    return Applied(detail=f"{pull_request} is {pull_request.state}", repository=repository)


def _review_apply(organization, data: ReviewData, delivery: WebhookDelivery) -> Applied:
    repository = repository_ensure(organization=organization, full_name=data.repository_full_name)
    pull_request = pull_request_upsert(repository=repository, data=data.pull_request)
    review = PullRequestReviewData(reviewer=data.reviewer, submitted_at=data.submitted_at)
    if not review_counts_as_first_review(pull_request=pull_request, review=review):
        return Applied(detail="not a first review: by the author or a bot", repository=repository)
    moved = pull_request_review_record(pull_request=pull_request, submitted_at=data.submitted_at)
    detail = "first review recorded" if moved else "an earlier review was already recorded"
    return Applied(detail=detail, repository=repository)


def _pull_request_parse(payload: dict):
    return github.repository_full_name(payload), github.pull_request_parse(payload)


# event -> (actions handled, or None for all; parse; apply(organization, data, delivery))
_HANDLERS: dict[str, tuple[set[str] | None, Callable, Callable]] = {
    "push": (None, github.push_parse, _push_apply),
    "pull_request": (github.PULL_REQUEST_ACTIONS, _pull_request_parse, _pull_request_apply),
    "pull_request_review": (github.REVIEW_ACTIONS, github.review_parse, _review_apply),
}


def handler_register(event: str, *, actions: set[str] | None, parse, apply) -> None:
    """Adds the handler of an event that a higher app applies (repositories may not import
    it): deployments registers deployment_status from its AppConfig.ready."""
    _HANDLERS[event] = (actions, parse, apply)


def _handler(event: str, action: str):
    actions, parse, apply = _HANDLERS.get(event, (set(), None, None))
    if parse is None or (actions is not None and action not in actions):
        return None, None
    return parse, apply


def github_delivery_receive(
    *, webhook: GitHubWebhook, delivery_id: str, event: str, body: bytes
) -> DeliveryOutcome:
    """Stores a verified delivery and applies it. The payload is parsed before anything is
    written, so a bad one changes nothing; a repeated X-GitHub-Delivery changes nothing."""
    github.header_check("X-GitHub-Delivery", delivery_id)
    github.header_check("X-GitHub-Event", event)
    payload = github.payload_decode(body)
    action = github.payload_action(payload)
    parse, apply = _handler(event, action)
    data = parse(payload) if parse else None
    with transaction.atomic():
        delivery = _delivery_store(webhook, delivery_id, event, action, body)
        if delivery is None:
            detail = f"Delivery {delivery_id} was already received; nothing changed."
            return DeliveryOutcome(200, "duplicate", detail)
        if event == "ping":
            outcome = DeliveryOutcome(200, WebhookDelivery.Status.PROCESSED, "pong")
        elif apply is None:
            detail = f"{event} {action}".strip() + " is not used by Shiplog"
            outcome = DeliveryOutcome(202, WebhookDelivery.Status.IGNORED, detail)
        else:
            applied = apply(webhook.organization, data, delivery)
            delivery.repository, delivery.ref = applied.repository, applied.ref
            outcome = _outcome_of(applied)
        delivery.status, delivery.detail = outcome.status, outcome.detail[:300]
        delivery.save(update_fields=["status", "detail", "repository", "ref"])
    return outcome


def _outcome_of(applied: Applied) -> DeliveryOutcome:
    if applied.ignored:
        return DeliveryOutcome(202, WebhookDelivery.Status.IGNORED, applied.detail)
    return DeliveryOutcome(200, WebhookDelivery.Status.PROCESSED, applied.detail)


def _delivery_store(webhook, delivery_id, event, action, body) -> WebhookDelivery | None:
    try:
        with transaction.atomic():
            return WebhookDelivery.objects.create(
                organization_id=webhook.organization_id,
                webhook=webhook,
                delivery_id=delivery_id.strip()[:100],
                event=event[:100],
                action=action[:100],
                raw_body=body.decode("utf-8"),
                received_at=timezone.now(),
                status=WebhookDelivery.Status.IGNORED,
            )
    except IntegrityError:
        return None
