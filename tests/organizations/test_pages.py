import subprocess
import sys

import pytest
from django.urls import reverse

from tests.factories import make_membership, make_repository

PAGES = ["home", "integrations"]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_requires_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_login_page_renders(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Log in to Shiplog" in response.content


def test_a_user_without_organization_is_told_so(client, db):
    from tests.factories import make_user

    client.force_login(make_user())
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert b"not in an organization" in response.content


def test_pages_show_only_the_current_organizations_data(
    member_client, organization, other_organization
):
    make_repository(organization, "acme/web")
    make_repository(other_organization, "globex/secret")
    response = member_client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["organization"] == organization
    repository_choices = response.context["filterset"].form.fields["repository"].choices
    assert [value for value, _ in repository_choices] == ["acme/web"]
    assert b"globex" not in response.content.lower()


def test_a_member_cannot_switch_into_another_organization(member_client, other_organization):
    response = member_client.post(reverse("switch_organization"), {"organization": "globex"})
    assert response.status_code == 404
    assert member_client.get(reverse("home")).context["organization"].slug == "acme"


def test_a_user_in_two_organizations_switches_between_them(
    member_client, member, other_organization
):
    make_membership(member, other_organization)
    page = member_client.get(reverse("home"))
    assert b'id="org-switcher"' in page.content
    response = member_client.post(
        reverse("switch_organization"), {"organization": "globex", "next": "/integrations/"}
    )
    assert response.status_code == 302
    assert response.url == "/integrations/"
    assert member_client.get(reverse("home")).context["organization"] == other_organization


def test_the_switcher_ignores_an_offsite_next_url(member_client, member, other_organization):
    make_membership(member, other_organization)
    response = member_client.post(
        reverse("switch_organization"), {"organization": "globex", "next": "https://evil.test/"}
    )
    assert response.url == reverse("home")


def test_admin_link_only_for_staff(member_client, member):
    assert b">Admin<" not in member_client.get(reverse("home")).content
    member.is_staff = True
    member.save()
    assert b">Admin<" in member_client.get(reverse("home")).content


def _settings_import(env: dict) -> subprocess.CompletedProcess:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _settings_import({"DJANGO_DEBUG": "false", "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_turn_on_https_protections():
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings';"
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS > 0, s.DEBUG, s.ALLOWED_HOSTS)"
    )
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "a.example, b.example",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True True True True False ['a.example', 'b.example']"
