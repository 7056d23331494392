"""Background jobs of an organization's settings (procrastinate).

New counted environments refresh the deploy moment of every PR the organization shipped
and re-attribute its incidents: over years of history that is longer than a web request
may take, so the settings page queues it. The requests of one organization run one at a
time in the order they were saved (the job's `lock`), so the latest saved wins; until one
is applied every page shows the setting before it, consistently (the job saves the
setting and refreshes what follows from it in one transaction).
"""

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from config.jobs import closing_connections
from organizations.models import Organization
from organizations.services import organization_counting_update, organization_counting_validate

QUEUE = "settings"
PENDING = ("todo", "doing")


@app.task(
    name="organization_counting_apply",
    queue=QUEUE,
    retry=RetryStrategy(max_attempts=3, wait=5),
)
@closing_connections
def organization_counting_apply(organization_id: int, counted_environments: list[str]) -> None:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is not None:  # not deleted since the request
        organization_counting_update(
            organization=organization, counted_environments=counted_environments
        )


def _lock(organization_id: int) -> str:
    return f"organization_counting:{organization_id}"


def organization_counting_request(
    *, organization: Organization, counted_environments: list[str]
) -> list[str]:
    """Queues new counted environments for the worker and returns them as they will be
    saved; ValidationError (nothing queued) when they cannot be."""
    counted = organization_counting_validate(
        organization=organization, counted_environments=counted_environments
    )
    organization_counting_apply.configure(lock=_lock(organization.pk)).defer(
        organization_id=organization.pk, counted_environments=counted
    )
    return counted


def counting_requests_pending(*, organization: Organization) -> list[list[str]]:
    """The counted environments saved and not applied yet, oldest first."""
    jobs = ProcrastinateJob.objects.filter(
        task_name="organization_counting_apply",
        lock=_lock(organization.pk),
        status__in=PENDING,
    ).order_by("id")
    return [job.args["counted_environments"] for job in jobs]
