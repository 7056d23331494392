"""seed_demo's login is public: it is refused on a server unless the operator insists."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from organizations.models import Organization
from sampledata.demo import DEMO_PASSWORD, DEMO_SLUG, DEMO_USERNAME


def _seed_demo(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_it_refuses_to_create_the_demo_login_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--i-know-this-is-public"):
        _seed_demo()
    assert not get_user_model().objects.filter(username=DEMO_USERNAME).exists()
    assert not Organization.objects.filter(slug=DEMO_SLUG).exists()


def test_it_seeds_the_demo_with_debug_on(db, settings):
    settings.DEBUG = True
    output = _seed_demo()
    assert f"Log in as {DEMO_USERNAME} / {DEMO_PASSWORD}" in output
    assert authenticate(username=DEMO_USERNAME, password=DEMO_PASSWORD) is not None


def test_the_operator_can_insist_with_debug_off(db, settings):
    settings.DEBUG = False
    _seed_demo("--i-know-this-is-public")
    assert Organization.objects.get(slug=DEMO_SLUG).repositories.count() == 5
    assert authenticate(username=DEMO_USERNAME, password=DEMO_PASSWORD) is not None
