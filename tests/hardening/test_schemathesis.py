"""Property-based API fuzzing: schemathesis generates valid and invalid requests from our own
OpenAPI schema and sends them, with a real token, through the Django WSGI application.

Checked on every response: no 5xx, status code, content type, headers and body match the
schema, and schema-violating requests are refused. Not checked: that every schema-valid
request is accepted, because some rules cannot be written in OpenAPI (a repository filter
must name one of the organization's repositories, deployedAt at most a day ahead, no NUL
characters). A bounded, derandomized number of examples keeps CI fast and reproducible.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from tokens.models import ApiToken
from tokens.plaintext import plaintext_display_prefix, plaintext_generate, plaintext_hash

ALL_SCOPES = ["deployments:write", "deployments:read", "metrics:read"]
# Known before the database exists, so schemathesis' auth provider can hand it out.
PLAINTEXT = plaintext_generate()

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@schema.auth(refresh_interval=None)
class ApiTokenAuth:
    """Authenticates every case, except the ones schemathesis sends without credentials
    on purpose (those must be refused)."""

    def get(self, case, context):
        return PLAINTEXT

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def keep_the_test_transaction():
    """Requests go straight to the WSGI app, not through Django's test client, so do what
    it does: keep the connection (and the test's transaction) open across requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(db, organization, keep_the_test_transaction):
    return ApiToken.objects.create(
        organization=organization,
        name="schemathesis",
        token_hash=plaintext_hash(PLAINTEXT),
        display_prefix=plaintext_display_prefix(PLAINTEXT),
        scopes=ALL_SCOPES,
    )


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_conforms_to_its_schema(case, api_token):
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
