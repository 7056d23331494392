"""No admin answers a question about a secret: filtering, searching or drilling down on one."""

import pytest
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from organizations.admin_safety import field_is_secret, lookup_reaches_secret
from repositories.models import GitHubWebhook

# The secrets the rule must find; a rule that misses one of these is too narrow.
KNOWN_SECRETS = {
    "auth.user.password",
    "repositories.githubwebhook.path_token",
    "repositories.githubwebhook.secret",
    "tokens.apitoken.token_hash",
}


def _registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _secret_lookups():
    """(changelist URL, field name) of every secret field of every registered model."""
    return [
        (_changelist(model), field.name)
        for model, _ in _registered()
        for field in model._meta.concrete_fields
        if field_is_secret(field)
    ]


def test_the_rule_finds_every_known_secret():
    found = {
        f"{model._meta.label_lower}.{field.name}"
        for model, _ in _registered()
        for field in model._meta.concrete_fields
        if field_is_secret(field)
    }
    assert found >= KNOWN_SECRETS


def test_every_admin_refuses_a_lookup_on_a_secret(superuser_client):
    lookups = _secret_lookups()
    assert len(lookups) >= len(KNOWN_SECRETS)
    for url, name in lookups:
        for lookup in ("startswith", "exact", "gt", "contains"):
            response = superuser_client.get(url, {f"{name}__{lookup}": "28"})
            assert response.status_code == 400, (url, name, lookup)


def test_the_webhook_list_is_no_oracle_for_its_secret(superuser_client, organization):
    GitHubWebhook.objects.create(organization=organization, path_token="p" * 43, secret="28ab")
    url = _changelist(GitHubWebhook)
    assert superuser_client.get(url, {"secret__startswith": "28"}).status_code == 400
    assert superuser_client.get(url, {"secret": "28ab"}).status_code == 400
    assert superuser_client.get(url, {"path_token__startswith": "p"}).status_code == 400


@pytest.mark.parametrize(
    "changelist, lookup",
    [
        ("admin:deployments_deploymentreceipt_changelist", "token__token_hash__startswith"),
        ("admin:tokens_tokenevent_changelist", "token__token_hash__startswith"),
        (
            "admin:repositories_webhookdelivery_changelist",
            "organization__github_webhook__secret__startswith",
        ),
        ("admin:organizations_membership_changelist", "user__password__startswith"),
    ],
)
def test_it_refuses_a_secret_reached_through_a_relation(superuser_client, changelist, lookup):
    assert superuser_client.get(reverse(changelist), {lookup: "28"}).status_code == 400


def test_ordinary_filters_still_work(superuser_client, organization):
    webhooks = _changelist(GitHubWebhook)
    deployments = reverse("admin:deployments_deployment_changelist")
    for url, query in [
        (webhooks, {"organization__id__exact": organization.pk}),
        (webhooks, {"secret_rotated_at__isnull": "True"}),
        (deployments, {"dedupe_key": "ab"}),
    ]:
        assert superuser_client.get(url, query).status_code == 200, query


def _filter_paths(model_admin, request):
    for item in model_admin.get_list_filter(request):
        if isinstance(item, (list, tuple)):
            yield item[0]
        elif not (isinstance(item, type) and issubclass(item, SimpleListFilter)):
            yield item
    yield from (name.lstrip("^=@") for name in model_admin.get_search_fields(request))
    if model_admin.date_hierarchy:
        yield model_admin.date_hierarchy


def test_no_admin_searches_or_filters_on_a_secret(superuser_client):
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(is_superuser=True)
    for model, model_admin in _registered():
        for path in _filter_paths(model_admin, request):
            assert not lookup_reaches_secret(model, path), (model._meta.label, path)
