"""Receiving one code-host delivery: validate, store it raw (idempotently), apply it.

GitHub's receiver is here; GitLab's (repositories.gitlab_webhooks) uses the same delivery
storage, handler registry and push and branch rules."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from repositories import github
from repositories.github import PushData, ReviewData
from repositories.models import GitHubWebhook, PullRequest, WebhookDelivery
from repositories.payload_fields import PayloadError, header_check, payload_decode
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
    return push_commits_apply(repository=repository, ref=data.ref, commits=data.commits)


def push_commits_apply(*, repository, ref: str, commits: list[CommitData]) -> Applied:
    """Records pushed commits; those pushed to an open PR's branch join the PR."""
    organization = repository.organization
    pushed = [commit.sha for commit in commits]
    changed = set(commits_upsert(repository=repository, commits=commits))
    branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else ""
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
    return Applied(detail=detail, repository=repository, ref=ref)


def branch_commits_claim(pull_request: PullRequest, *, push_event: str, push_parse) -> None:
    """The branch is usually pushed before the PR is opened: the PR claims the commits of
    the stored `push_event` deliveries to its branch (`push_parse` reads one's commits)."""
    if pull_request.state != PullRequest.State.OPEN or not pull_request.head_branch:
        return
    bodies = pushed_delivery_bodies(
        repository=pull_request.repository, branch=pull_request.head_branch, event=push_event
    )
    shas = [commit.sha for body in bodies for commit in _stored_push_commits(body, push_parse)]
    if pull_request_claim_commits(pull_request=pull_request, shas=shas):
        commit_data_changed_send(organization=pull_request.organization, shas=shas)


def _stored_push_commits(body: str, push_parse) -> list[CommitData]:
    # A push stored before a parser rule was tightened may fail it now: its commits were
    # recorded then, and this PR delivery is not refused because of it.
    try:
        return push_parse(payload_decode(body.encode())).commits
    except PayloadError:
        return []


def _pull_request_apply(organization, data, delivery: WebhookDelivery) -> Applied:
    full_name, pull_request_data = data
    repository = repository_ensure(organization=organization, full_name=full_name)
    pull_request = pull_request_upsert(repository=repository, data=pull_request_data)
    branch_commits_claim(pull_request, push_event="push", push_parse=github.push_parse)
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


# host -> event -> (actions handled, or None for all; parse; apply(organization, data,
# delivery)). A host's receiver dispatches only to its own events.
_HANDLERS: dict[str, dict[str, tuple[set[str] | None, Callable, Callable]]] = {
    "github": {
        "push": (None, github.push_parse, _push_apply),
        "pull_request": (github.PULL_REQUEST_ACTIONS, _pull_request_parse, _pull_request_apply),
        "pull_request_review": (github.REVIEW_ACTIONS, github.review_parse, _review_apply),
    },
    "gitlab": {},
}


def handler_register(
    event: str, *, actions: set[str] | None, parse, apply, host: str = "github"
) -> None:
    """Adds the handler of an event: GitLab's receiver registers its own, and a higher app
    one it applies (repositories may not import it): deployments registers GitHub's
    deployment_status and GitLab's Deployment Hook from its AppConfig.ready."""
    _HANDLERS[host][event] = (actions, parse, apply)


def handler_for(event: str, action: str, *, host: str = "github"):
    """(parse, apply) of the event and action, or (None, None) when Shiplog does not use it."""
    actions, parse, apply = _HANDLERS[host].get(event, (set(), None, None))
    if parse is None or (actions is not None and action not in actions):
        return None, None
    return parse, apply


def github_delivery_receive(
    *, webhook: GitHubWebhook, delivery_id: str, event: str, body: bytes
) -> DeliveryOutcome:
    """Stores a verified delivery and applies it. The payload is parsed before anything is
    written, so a bad one changes nothing; a repeated X-GitHub-Delivery changes nothing."""
    header_check("X-GitHub-Delivery", delivery_id)
    header_check("X-GitHub-Event", event)
    payload = payload_decode(body)
    action = github.payload_action(payload)
    parse, apply = handler_for(event, action)
    data = parse(payload) if parse else None
    with transaction.atomic():
        delivery = delivery_store(
            organization_id=webhook.organization_id,
            source={"webhook": webhook},
            delivery_id=delivery_id,
            event=event,
            action=action,
            body=body,
        )
        if delivery is None:
            detail = f"Delivery {delivery_id} was already received; nothing changed."
            return DeliveryOutcome(200, "duplicate", detail)
        if event == "ping":
            outcome = DeliveryOutcome(200, WebhookDelivery.Status.PROCESSED, "pong")
        elif apply is None:
            detail = f"{event} {action}".strip() + " is not used by Shiplog"
            outcome = DeliveryOutcome(202, WebhookDelivery.Status.IGNORED, detail)
        else:
            return delivery_apply(delivery, apply(webhook.organization, data, delivery))
        delivery_finish(delivery, outcome)
    return outcome


def delivery_apply(delivery: WebhookDelivery, applied: Applied) -> DeliveryOutcome:
    """Records on the stored delivery what applying it did; the answer to send."""
    delivery.repository, delivery.ref = applied.repository, applied.ref
    if applied.ignored:
        outcome = DeliveryOutcome(202, WebhookDelivery.Status.IGNORED, applied.detail)
    else:
        outcome = DeliveryOutcome(200, WebhookDelivery.Status.PROCESSED, applied.detail)
    delivery_finish(delivery, outcome)
    return outcome


def delivery_finish(delivery: WebhookDelivery, outcome: DeliveryOutcome) -> None:
    delivery.status, delivery.detail = outcome.status, outcome.detail[:300]
    delivery.save(update_fields=["status", "detail", "repository", "ref"])


def delivery_store(
    *, organization_id: int, source: dict, delivery_id: str, event: str, action: str, body: bytes
) -> WebhookDelivery | None:
    """Stores a delivery raw, or None when this webhook (`source`: {"webhook": …} or
    {"gitlab_webhook": …}) already has one with this id."""
    try:
        with transaction.atomic():
            return WebhookDelivery.objects.create(
                organization_id=organization_id,
                **source,
                delivery_id=delivery_id.strip()[:100],
                event=event[:100],
                action=action[:100],
                raw_body=body.decode("utf-8"),
                received_at=timezone.now(),
                status=WebhookDelivery.Status.IGNORED,
            )
    except IntegrityError:
        return None
