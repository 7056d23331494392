"""The OpenAPI document and the docs page, served from our own static files."""

import re

import yaml
from django.contrib.staticfiles import finders


def test_the_schema_declares_bearer_auth_examples_and_errors(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The organization's Deployments API token (Integrations page).",
    }
    operations = schema["paths"]["/api/v1/deployments"]
    assert set(operations["post"]["responses"]) == {
        "201",
        "400",
        "401",
        "403",
        "405",
        "413",
        "415",
        "429",
        "500",
        "503",
    }
    assert operations["post"]["security"] == [{"bearerAuth": []}]
    examples = operations["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert examples["ASingleCommitSHA"]["value"]["environmentName"] == "production"
    parameters = {p["name"] for p in operations["get"]["parameters"]}
    assert parameters == {
        "page",
        "pageSize",
        "includeTests",
        "environmentName",
        "repository",
        "since",
        "until",
    }
    request_fields = schema["components"]["schemas"]["DeploymentInput"]["properties"]
    assert set(request_fields) == {
        "commitSha",
        "environmentName",
        "deployedAt",
        "title",
        "tags",
        "isTest",
    }


def test_the_docs_page_loads_only_local_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(url.startswith("/") for url in urls), urls
    assert not re.search(r"<script>(?!\s*</script>)", html), "inline script breaks the CSP"
    # Static files are served by whitenoise in production; here we check they exist locally.
    for url in urls:
        path = url.split("?")[0]
        if path.startswith("/static/"):
            assert finders.find(path.removeprefix("/static/")), url
        else:
            assert client.get(url).status_code == 200, url
