"""Recordings and incident writes at the same moment leave the attribution the rule gives
for everything committed: no lost update, no deadlock."""

import threading

import pytest
from django.db import connection

from incidents.models import Incident
from tests.factories import make_commit, make_organization, make_repository
from tests.incidents.conftest import T0, deploy, hours, record

THREADS = 8


def _at_once(functions):
    barrier = threading.Barrier(len(functions))
    errors = []

    def run(function):
        try:
            barrier.wait(timeout=30)
            function()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(function,)) for function in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_recordings_leave_the_incident_on_the_latest_deployment():
    organization = make_organization("acme")
    web = make_repository(organization, "acme/web")
    shas = [make_commit(web, at=T0 - hours(100)).sha for _ in range(THREADS)]
    incident = record(organization, repository_name="acme/web")

    _at_once(
        [
            lambda sha=sha, n=n: deploy(organization, sha, at=T0 - hours(THREADS - n))
            for n, sha in enumerate(shas)
        ]
    )

    incident.refresh_from_db()
    assert incident.attribution == "rule"
    assert incident.attributed_deployment.shas == [shas[-1]]


@pytest.mark.django_db(transaction=True)
def test_an_incident_written_while_deployments_are_recorded_sees_them_all():
    organization = make_organization("acme")
    web = make_repository(organization, "acme/web")
    shas = [make_commit(web, at=T0 - hours(100)).sha for _ in range(THREADS - 1)]

    _at_once(
        [lambda: record(organization, repository_name="acme/web")]
        + [
            lambda sha=sha, n=n: deploy(organization, sha, at=T0 - hours(THREADS - n))
            for n, sha in enumerate(shas)
        ]
    )

    incident = Incident.objects.get()
    assert incident.attributed_deployment.shas == [shas[-1]]
