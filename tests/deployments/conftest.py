import pytest
from rest_framework.test import APIClient

from tokens.services import token_generate

URL = "/api/v1/deployments"


@pytest.fixture
def token(organization):
    """(ApiToken, plaintext) with the default deployments:write + deployments:read scopes."""
    return token_generate(organization=organization)


@pytest.fixture
def api(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token[1]}")
    return client


@pytest.fixture
def other_api(other_organization):
    _, plaintext = token_generate(organization=other_organization)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def post(client, body, **extra):
    return client.post(URL, body, format="json", **extra)
