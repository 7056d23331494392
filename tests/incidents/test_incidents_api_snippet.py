"""The Integrations page's incidents API example: its URL is this server's, and the body it
shows is one the API accepts (posted as the page writes it)."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from incidents.models import Incident
from tests.incidents.conftest import api_client

pytestmark = pytest.mark.django_db


def test_the_integrations_page_shows_a_curl_example_the_api_accepts(member_client, organization):
    page = member_client.get(reverse("integrations")).content.decode()
    (example,) = re.findall(r'<pre id="incidents-example">(.*?)</pre>', page, re.DOTALL)
    example = unescape(example)
    assert "-X POST http://testserver/api/v1/incidents" in example
    assert "--scopes incidents:write,incidents:read" in page
    body = json.loads(re.search(r"-d '(.*)'", example, re.DOTALL).group(1))

    response = api_client(organization, ["incidents:write"]).post(
        "/api/v1/incidents", body, format="json"
    )

    assert response.status_code == 201, response.content
    incident = Incident.objects.get(organization=organization)
    assert (incident.external_id, incident.title) == ("INC-42", "Checkout errors")
