"""Token and webhook-secret management views have a request budget per user and address."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from organizations.throttling import (
    MAX_MANAGEMENT_REQUESTS_PER_ADDRESS,
    MAX_MANAGEMENT_REQUESTS_PER_USER,
)
from tests.factories import make_membership, make_user
from tokens.models import ApiToken
from tokens.services import token_generate


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_token_id(organization):
    return token_generate(organization=organization)[0].pk


@pytest.mark.parametrize(
    "url_name", ["tokens:generate", "github_connect", "github_regenerate", "github_disconnect"]
)
def test_it_refuses_management_requests_past_the_budget(admin_client, url_name):
    statuses = [
        admin_client.post(reverse(url_name)).status_code
        for _ in range(MAX_MANAGEMENT_REQUESTS_PER_USER)
    ]
    assert 429 not in statuses
    response = admin_client.post(reverse(url_name))
    assert response.status_code == 429
    assert response["Retry-After"].isdigit()


def test_the_token_actions_share_one_budget(admin_client, api_token_id):
    for _ in range(MAX_MANAGEMENT_REQUESTS_PER_USER):
        admin_client.post(reverse("tokens:revoke", args=[api_token_id]))
    assert admin_client.post(reverse("tokens:generate")).status_code == 429
    assert not ApiToken.objects.filter(revoked_at=None).exists()


def test_a_throttled_admin_does_not_throttle_another_admin(client, admin, organization):
    client.force_login(admin)
    for _ in range(MAX_MANAGEMENT_REQUESTS_PER_USER + 1):
        client.post(reverse("github_connect"))
    colleague = make_user("carol")
    make_membership(colleague, organization, role="admin")
    client.force_login(colleague)
    assert client.post(reverse("github_regenerate")).status_code == 200


def test_one_address_has_a_budget_across_users(client, organization):
    for index in range(MAX_MANAGEMENT_REQUESTS_PER_ADDRESS // MAX_MANAGEMENT_REQUESTS_PER_USER):
        user = make_user(f"admin{index}")
        make_membership(user, organization, role="admin")
        client.force_login(user)
        for _ in range(MAX_MANAGEMENT_REQUESTS_PER_USER):
            assert client.post(reverse("github_connect")).status_code != 429
    user = make_user("fresh")
    make_membership(user, organization, role="admin")
    client.force_login(user)
    assert client.post(reverse("github_connect")).status_code == 429
