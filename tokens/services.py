from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from organizations.models import Organization
from tokens.models import ApiToken, ApiTokenRequestCount, Scope, TokenEvent
from tokens.plaintext import plaintext_display_prefix, plaintext_generate, plaintext_hash

DEFAULT_SCOPES = [Scope.DEPLOYMENTS_WRITE.value, Scope.DEPLOYMENTS_READ.value]
# last_used_at is a hint for humans; writing it on every request would turn each API call
# into a row update, so it is refreshed at most once per interval.
LAST_USED_INTERVAL = timedelta(seconds=60)


class TokenAlreadyActive(Exception):
    """The organization already has an active token, so Connect would create a second one."""


class TokenAlreadyRevoked(Exception):
    pass


def _scopes_clean(scopes: list[str] | None) -> list[str]:
    scopes = list(DEFAULT_SCOPES if scopes is None else scopes)
    unknown = sorted(set(scopes) - set(Scope.values))
    if not scopes or unknown:
        raise ValidationError(
            {"scopes": f"Unknown or missing scopes {unknown}; choose from {Scope.values}."}
        )
    return sorted(set(scopes), key=scopes.index)


def _event_record(*, token: ApiToken, action: str, actor) -> TokenEvent:
    return TokenEvent.objects.create(
        organization_id=token.organization_id, token=token, action=action, actor=actor
    )


def _token_create(*, organization: Organization, name: str, scopes: list[str], created_by):
    plaintext = plaintext_generate()
    token = ApiToken.objects.create(
        organization=organization,
        name=name,
        scopes=scopes,
        token_hash=plaintext_hash(plaintext),
        display_prefix=plaintext_display_prefix(plaintext),
        created_by=created_by,
    )
    return token, plaintext


@transaction.atomic
def token_generate(
    *,
    organization: Organization,
    name: str = "Deployments API",
    scopes: list[str] | None = None,
    created_by=None,
) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the plaintext, which is never stored."""
    token, plaintext = _token_create(
        organization=organization, name=name, scopes=_scopes_clean(scopes), created_by=created_by
    )
    _event_record(token=token, action=TokenEvent.Action.GENERATED, actor=created_by)
    return token, plaintext


@transaction.atomic
def deployments_api_token_connect(
    *, organization: Organization, created_by, scopes: list[str] | None = None
) -> tuple[ApiToken, str]:
    """The card's Connect: refuses a second active token (double click, two open tabs)."""
    # Locking the organization row serialises concurrent Connects for the same organization.
    Organization.objects.select_for_update().get(pk=organization.pk)
    if ApiToken.objects.filter(organization=organization, revoked_at__isnull=True).exists():
        raise TokenAlreadyActive
    return token_generate(organization=organization, created_by=created_by, scopes=scopes)


def _revoke_now(*, token: ApiToken, revoked_by) -> bool:
    """Conditional UPDATE so two concurrent revokes record exactly one event."""
    now = timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=revoked_by
    )
    if updated:
        token.revoked_at, token.revoked_by = now, revoked_by
    return bool(updated)


@transaction.atomic
def token_revoke(*, token: ApiToken, revoked_by=None) -> ApiToken:
    """Revoke at once (idempotent: revoking a revoked token changes and records nothing)."""
    if _revoke_now(token=token, revoked_by=revoked_by):
        _event_record(token=token, action=TokenEvent.Action.REVOKED, actor=revoked_by)
    return token


@transaction.atomic
def token_regenerate(
    *, token: ApiToken, regenerated_by=None, scopes: list[str] | None = None
) -> tuple[ApiToken, str]:
    """Revoke `token` and issue a replacement with the same name, and the same scopes unless
    `scopes` are given."""
    scopes = list(token.scopes) if scopes is None else _scopes_clean(scopes)
    if not _revoke_now(token=token, revoked_by=regenerated_by):
        raise TokenAlreadyRevoked
    _event_record(token=token, action=TokenEvent.Action.REVOKED, actor=regenerated_by)
    new_token, plaintext = _token_create(
        organization=token.organization,
        name=token.name,
        scopes=scopes,
        created_by=regenerated_by,
    )
    _event_record(token=new_token, action=TokenEvent.Action.REGENERATED, actor=regenerated_by)
    return new_token, plaintext


def token_mark_used(*, token: ApiToken) -> None:
    """Refresh last_used_at at most once per LAST_USED_INTERVAL, whatever the worker count."""
    now = timezone.now()
    threshold = now - LAST_USED_INTERVAL
    if token.last_used_at is not None and token.last_used_at >= threshold:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=threshold)
    ).update(last_used_at=now)
    token.last_used_at = now


# One atomic upsert: exact across workers, a single query.
_REQUEST_COUNT_INCREMENT_SQL = """
    INSERT INTO tokens_apitokenrequestcount (organization_id, token_id, period, count)
    VALUES (%s, %s, %s, 1)
    ON CONFLICT (token_id, period)
    DO UPDATE SET count = tokens_apitokenrequestcount.count + 1
    RETURNING count
"""


def token_request_count_increment(*, token: ApiToken, period: int) -> int:
    """Counts one request of `token` in `period` and returns the period's count so far.

    The first request of a period also clears the token's older periods.
    """
    with connection.cursor() as cursor:
        cursor.execute(_REQUEST_COUNT_INCREMENT_SQL, [token.organization_id, token.pk, period])
        (count,) = cursor.fetchone()
    if count == 1:
        ApiTokenRequestCount.objects.filter(token=token, period__lt=period).delete()
    return count
