from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from deployments.recording import deployment_record
from incidents.models import Incident
from incidents.services import incident_record
from tests.factories import make_commit, make_repository, make_sha
from tokens.services import token_generate

URL = "/api/v1/incidents"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def deploy(organization, sha, *, at, environment="production", is_test=False):
    """A deployment of `sha` recorded through the one recording path."""
    return deployment_record(
        organization=organization,
        request_id="test",
        raw_body="{}",
        shas=[sha],
        environment_name=environment,
        deployed_at=at,
        is_test=is_test,
    ).deployment


def record(organization, external_id="INC-1", *, source=Incident.Source.API, **fields):
    fields.setdefault("started_at", T0)
    return incident_record(
        organization=organization, source=source, external_id=external_id, fields=fields
    ).incident


@pytest.fixture
def web(organization):
    return make_repository(organization, "acme/web")


@pytest.fixture
def web_sha(web):
    """A known commit of acme/web: deployments of it belong to that repository."""
    return make_commit(web, make_sha("web"), at=T0 - hours(100)).sha


def web_commit(web) -> str:
    """Another known commit of acme/web (the same SHA and environment twice would be one
    deployment, deduplicated)."""
    return make_commit(web, at=T0 - hours(100)).sha


def api_client(organization, scopes):
    _, plaintext = token_generate(organization=organization, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


@pytest.fixture
def api(organization):
    return api_client(organization, ["incidents:write", "incidents:read"])
