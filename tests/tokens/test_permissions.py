from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured

from tokens.permissions import HasScope
from tokens.services import token_generate


def _request(method: str, auth):
    return SimpleNamespace(method=method, auth=auth)


@pytest.fixture
def read_token(organization):
    return token_generate(organization=organization, scopes=["deployments:read"])[0]


def test_head_needs_what_get_needs(read_token):
    view = SimpleNamespace(required_scopes={"GET": "deployments:read"})
    assert HasScope().has_permission(_request("HEAD", read_token), view)
    assert not HasScope().has_permission(_request("POST", read_token), view)


def test_a_single_required_scope_applies_to_every_method(read_token):
    view = SimpleNamespace(required_scope="deployments:read")
    assert HasScope().has_permission(_request("DELETE", read_token), view)


def test_it_names_the_missing_scope(read_token):
    permission = HasScope()
    assert not permission.has_permission(
        _request("GET", read_token), SimpleNamespace(required_scope="metrics:read")
    )
    assert "metrics:read" in permission.message


def test_no_token_is_refused(db):
    view = SimpleNamespace(required_scope="deployments:read")
    assert not HasScope().has_permission(_request("GET", None), view)


def test_a_view_that_declares_no_scope_is_a_configuration_error(read_token):
    with pytest.raises(ImproperlyConfigured, match="required_scope"):
        HasScope().has_permission(_request("GET", read_token), SimpleNamespace())
