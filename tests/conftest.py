"""Personas: an admin and a member of one organization, and someone from another one."""

import threading

import pytest
from django.db import connection

from metrics import parallel
from tests.factories import make_membership, make_organization, make_user


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's, which drops the test database afterwards: the lead-time thread's
    connection (metrics.parallel) must be closed before that."""
    yield
    parallel.connections_close()


@pytest.fixture
def organization(db):
    return make_organization("acme", name="Acme")


@pytest.fixture
def other_organization(db):
    return make_organization("globex", name="Globex")


@pytest.fixture
def admin(organization):
    user = make_user("alice")
    make_membership(user, organization, role="admin")
    return user


@pytest.fixture
def member(organization):
    user = make_user("bob")
    make_membership(user, organization, role="member")
    return user


@pytest.fixture
def outsider(other_organization):
    user = make_user("mallory")
    make_membership(user, other_organization, role="admin")
    return user


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def outsider_client(client, outsider):
    client.force_login(outsider)
    return client


@pytest.fixture
def superuser_client(db, client):
    """A logged-in superuser: the admin's pages and actions."""
    user = make_user("root")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def run_worker(monkeypatch):
    """Runs procrastinate's real worker on the test database until no job is due, then
    returns (as `manage.py procrastinate worker` does, without waiting for more). The test
    must commit its data (a transactional test): the worker reads over its own connection.
    No periodic pass: it would be queued whenever a test runs on a quarter hour."""
    from procrastinate.contrib.django import app

    monkeypatch.setattr(app.periodic_registry, "periodic_tasks", {})

    def work() -> None:
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)

    def run() -> None:
        # Its own thread: the worker runs an event loop, which a browser test's thread has.
        failures = []
        thread = threading.Thread(target=lambda: _recorded(work, failures))
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the worker did not finish its jobs within 60 s"
        if failures:
            raise failures[0]

    yield run
    # The test database's flush leaves procrastinate's tables (unmanaged models) as they are.
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_periodic_defers, procrastinate_workers "
            "CASCADE"
        )


def _recorded(function, failures: list) -> None:
    try:
        function()
    except Exception as error:  # re-raised in the test's thread
        failures.append(error)
