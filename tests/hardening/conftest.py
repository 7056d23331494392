import pytest
from rest_framework.test import APIClient

from tokens.services import token_generate

ALL_SCOPES = [
    "deployments:write",
    "deployments:read",
    "metrics:read",
    "incidents:write",
    "incidents:read",
]


@pytest.fixture
def api_token(organization):
    """(ApiToken, plaintext) of "acme" with every scope."""
    return token_generate(organization=organization, scopes=ALL_SCOPES)


@pytest.fixture
def other_api_token(other_organization):
    """(ApiToken, plaintext) of "globex" with every scope."""
    return token_generate(organization=other_organization, scopes=ALL_SCOPES)


def api_client_for(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


@pytest.fixture
def api(api_token):
    return api_client_for(api_token[1])
