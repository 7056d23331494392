"""Personas: an admin and a member of one organization, and someone from another one."""

import pytest

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
