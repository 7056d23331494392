from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from tokens.models import ApiToken, TokenEvent
from tokens.plaintext import plaintext_display_prefix, plaintext_hash
from tokens.selectors import api_token_by_plaintext, deployments_api_token
from tokens.services import (
    TokenAlreadyActive,
    TokenAlreadyRevoked,
    deployments_api_token_connect,
    token_generate,
    token_mark_used,
    token_regenerate,
    token_revoke,
)


def test_it_generates_a_token_with_the_deployments_scopes(organization, admin):
    token, plaintext = token_generate(organization=organization, created_by=admin)
    assert token.scopes == ["deployments:write", "deployments:read"]
    assert token.token_hash == plaintext_hash(plaintext)
    assert token.display_prefix == plaintext_display_prefix(plaintext)
    assert token.created_by == admin
    assert api_token_by_plaintext(plaintext=plaintext) == token


def test_the_database_never_holds_the_plaintext(organization, admin):
    token, plaintext = token_generate(organization=organization, created_by=admin)
    secret_tail = plaintext[len(token.display_prefix) :]
    fields = [field.attname for field in ApiToken._meta.concrete_fields]
    for row in ApiToken.objects.values_list(*fields):
        for value in row:
            assert plaintext not in str(value)
            assert secret_tail not in str(value)
    dump = StringIO()
    call_command("dumpdata", "tokens", stdout=dump)
    assert token.token_hash in dump.getvalue()
    assert plaintext not in dump.getvalue()
    assert secret_tail not in dump.getvalue()


def test_it_never_logs_the_plaintext(organization, caplog):
    caplog.set_level("DEBUG")
    _token, plaintext = token_generate(organization=organization)
    api_token_by_plaintext(plaintext=plaintext)
    assert plaintext not in caplog.text


@pytest.mark.parametrize("scopes", [[], ["deployments:delete"], ["metrics:read", "admin"]])
def test_it_rejects_unknown_or_empty_scopes(organization, scopes):
    with pytest.raises(ValidationError) as error:
        token_generate(organization=organization, scopes=scopes)
    assert "scopes" in error.value.message_dict
    assert not ApiToken.objects.exists()


def test_it_accepts_the_metrics_scope_and_drops_duplicates(organization):
    token, _ = token_generate(
        organization=organization, scopes=["metrics:read", "metrics:read", "deployments:read"]
    )
    assert token.scopes == ["metrics:read", "deployments:read"]


def test_it_records_who_generated_a_token(organization, admin):
    token, _ = token_generate(organization=organization, created_by=admin)
    event = TokenEvent.objects.get()
    assert (event.action, event.token, event.actor, event.organization) == (
        "generated",
        token,
        admin,
        organization,
    )


def test_revoking_records_an_event_once(organization, admin):
    token, _ = token_generate(organization=organization)
    token_revoke(token=token, revoked_by=admin)
    token_revoke(token=ApiToken.objects.get(pk=token.pk), revoked_by=admin)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by == admin
    assert TokenEvent.objects.filter(action="revoked").count() == 1
    assert deployments_api_token(organization) is None


def test_regenerate_revokes_the_old_token_and_keeps_name_and_scopes(organization, admin):
    old, old_plaintext = token_generate(
        organization=organization, name="CI", scopes=["deployments:write"]
    )
    new, new_plaintext = token_regenerate(token=old, regenerated_by=admin)
    old.refresh_from_db()
    assert not old.is_active
    assert old.revoked_by == admin
    assert new.is_active
    assert (new.name, new.scopes, new.created_by) == ("CI", ["deployments:write"], admin)
    assert new_plaintext != old_plaintext
    assert deployments_api_token(organization) == new
    actions = set(TokenEvent.objects.values_list("action", "token_id"))
    assert actions == {("generated", old.pk), ("revoked", old.pk), ("regenerated", new.pk)}


def test_it_refuses_to_regenerate_a_revoked_token(organization):
    token, _ = token_generate(organization=organization)
    token_revoke(token=token)
    with pytest.raises(TokenAlreadyRevoked):
        token_regenerate(token=token)
    assert ApiToken.objects.count() == 1


def test_connect_refuses_a_second_active_token(organization, admin):
    deployments_api_token_connect(organization=organization, created_by=admin)
    with pytest.raises(TokenAlreadyActive):
        deployments_api_token_connect(organization=organization, created_by=admin)
    assert ApiToken.objects.count() == 1


def test_connect_works_again_after_a_revoke(organization, admin):
    token, _ = deployments_api_token_connect(organization=organization, created_by=admin)
    token_revoke(token=token, revoked_by=admin)
    new, _ = deployments_api_token_connect(organization=organization, created_by=admin)
    assert deployments_api_token(organization) == new


def test_last_used_is_written_at_most_once_a_minute(organization, django_assert_num_queries):
    token, _ = token_generate(organization=organization)
    with django_assert_num_queries(1):
        token_mark_used(token=token)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(0):
        token_mark_used(token=token)
    fresh = ApiToken.objects.get(pk=token.pk)
    with django_assert_num_queries(0):
        token_mark_used(token=fresh)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first


def test_last_used_is_refreshed_after_a_minute(organization):
    token, _ = token_generate(organization=organization)
    stale = timezone.now() - timedelta(seconds=61)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    token.refresh_from_db()
    token_mark_used(token=token)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > stale


def test_the_last_used_update_is_conditional_across_workers(organization):
    token, _ = token_generate(organization=organization)
    # This worker loaded the token with a stale value while another one just wrote it.
    token.last_used_at = timezone.now() - timedelta(minutes=5)
    just_written = timezone.now() - timedelta(seconds=10)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=just_written)
    token_mark_used(token=token)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == just_written
