from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tokens.models import ApiToken, TokenEvent
from tokens.plaintext import plaintext_is_well_formed
from tokens.selectors import api_token_by_plaintext
from tokens.services import token_generate


def _run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_only_the_token(organization):
    out, _err = _run("create_api_token", "--org", "acme")
    plaintext = out.strip()
    assert out == plaintext + "\n"
    assert plaintext_is_well_formed(plaintext)
    token = api_token_by_plaintext(plaintext=plaintext)
    assert token.organization == organization
    assert token.scopes == ["deployments:write", "deployments:read"]
    assert TokenEvent.objects.get().action == "generated"


def test_create_takes_a_name_and_scopes(organization):
    out, _err = _run(
        "create_api_token", "--org", "acme", "--name", "Nightly", "--scopes", "metrics:read"
    )
    token = api_token_by_plaintext(plaintext=out.strip())
    assert (token.name, token.scopes) == ("Nightly", ["metrics:read"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nope"], "No organization"),
        (["--org", "acme", "--scopes", "deployments:write,admin"], "admin"),
    ],
)
def test_create_rejects_bad_input_and_creates_nothing(organization, args, message):
    with pytest.raises(CommandError, match=message):
        _run("create_api_token", *args)
    assert not ApiToken.objects.exists()


def test_revoke_by_token(organization):
    token, plaintext = token_generate(organization=organization)
    out, _err = _run("revoke_api_token", plaintext)
    token.refresh_from_db()
    assert not token.is_active
    assert plaintext not in out
    assert TokenEvent.objects.filter(action="revoked", token=token).exists()


def test_revoke_by_display_prefix(organization):
    token, _plaintext = token_generate(organization=organization)
    out, _err = _run("revoke_api_token", token.display_prefix)
    token.refresh_from_db()
    assert not token.is_active
    assert token.display_prefix in out


def test_revoke_twice_says_so_and_records_one_event(organization):
    token, plaintext = token_generate(organization=organization)
    _run("revoke_api_token", plaintext)
    out, _err = _run("revoke_api_token", plaintext)
    assert "already revoked" in out
    assert TokenEvent.objects.filter(action="revoked").count() == 1


def test_revoke_rejects_an_unknown_token(organization):
    token_generate(organization=organization)
    with pytest.raises(CommandError, match="No API token"):
        _run("revoke_api_token", "shl_nothing")
    assert ApiToken.objects.get().is_active


def test_revoke_refuses_an_ambiguous_prefix(organization, other_organization):
    token, _plaintext = token_generate(organization=organization)
    twin, _ = token_generate(organization=other_organization)
    ApiToken.objects.filter(pk=twin.pk).update(display_prefix=token.display_prefix)
    with pytest.raises(CommandError, match="several tokens"):
        _run("revoke_api_token", token.display_prefix)
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 2
