"""Secrets encrypted at rest: the one place that encrypts and decrypts a stored secret.

SHIPLOG_SECRETS_KEY holds one or more comma-separated Fernet keys (cryptography's
AES-128-CBC + HMAC-SHA256 tokens). The first key encrypts; every key decrypts, so a key is
rotated by putting a new one first, running `manage.py rotate_secrets`, then dropping the
old one. With DEBUG on and the variable unset, a development key derived from
DJANGO_SECRET_KEY is used. With DEBUG off there is none: `check --deploy` reports it, the
data migration stops on stored secrets, and storing or reading one raises SecretsKeyMissing.

Neither a key nor a secret is ever put in an error message or a log record.
"""

import base64
import functools
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

SECRETS_KEY_VARIABLE = "SHIPLOG_SECRETS_KEY"
GENERATE_HINT = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


class SecretsKeyMissing(ImproperlyConfigured):
    """A secret must be stored or read, but DEBUG is off and SHIPLOG_SECRETS_KEY is unset."""

    def __init__(self):
        super().__init__(
            f"{SECRETS_KEY_VARIABLE} must be set when DJANGO_DEBUG is off: stored secrets "
            f"(webhook secrets) are encrypted with it ({GENERATE_HINT})."
        )


class SecretUndecryptable(Exception):
    """A stored value that none of the configured keys decrypts."""

    def __init__(self):
        super().__init__(
            f"A stored secret cannot be decrypted with any key in {SECRETS_KEY_VARIABLE}: "
            "keep the previous key in the list, after the new one, until "
            "`manage.py rotate_secrets` has run."
        )


def secrets_keys_parse(value: str) -> list[str]:
    """The Fernet keys in a comma-separated value; a key that is not one is a start-up error
    naming the variable and the key's position (never the key itself)."""
    keys = [key.strip() for key in value.split(",") if key.strip()]
    if not keys:
        raise ImproperlyConfigured(f"{SECRETS_KEY_VARIABLE} names no key ({GENERATE_HINT}).")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"{SECRETS_KEY_VARIABLE}: key {position} of {len(keys)} is not a Fernet key "
                f"(32 url-safe base64-encoded bytes; {GENERATE_HINT})."
            ) from None
    return keys


def development_secrets_key(secret_key: str) -> str:
    """A Fernet key derived from DJANGO_SECRET_KEY, for DEBUG only: changing that key makes
    what it encrypted unreadable."""
    digest = hashlib.sha256(b"shiplog secrets key\0" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def secrets_keys_from_environment(*, debug: bool, secret_key: str) -> list[str]:
    """settings.SHIPLOG_SECRETS_KEYS: the variable's keys; unset, the development key with
    DEBUG on and no key at all with DEBUG off (the system check then reports it)."""
    value = os.environ.get(SECRETS_KEY_VARIABLE, "").strip()
    if value:
        return secrets_keys_parse(value)
    return [development_secrets_key(secret_key)] if debug else []


@functools.lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _fernet() -> MultiFernet:
    keys = tuple(settings.SHIPLOG_SECRETS_KEYS)
    if not keys:
        raise SecretsKeyMissing()
    return _multi_fernet(keys)


def secret_encrypt(plaintext: str) -> str:
    """A Fernet token (URL-safe ASCII) of the text, made with the first key."""
    return _fernet().encrypt(plaintext.encode()).decode("ascii")


def secret_decrypt(token: str) -> str:
    """The text of a token made with any of the keys; SecretUndecryptable otherwise."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        raise SecretUndecryptable() from None


def secret_reencrypt(token: str) -> str:
    """The same secret as a token of the first key (MultiFernet.rotate)."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError):
        raise SecretUndecryptable() from None


@checks.register(checks.Tags.security, deploy=True)
def secrets_key_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy` fails when no key can encrypt: otherwise connecting GitHub, or a
    delivery (which GitHub does not retry), would be the first to fail. A deploy check, so
    that commands needing no secret (collectstatic, migrate on an empty database) still run;
    an invalid key stops every start-up in settings."""
    if settings.SHIPLOG_SECRETS_KEYS:
        return []
    return [
        checks.Error(
            f"{SECRETS_KEY_VARIABLE} is not set and DJANGO_DEBUG is off.",
            hint=f"Stored secrets are encrypted with it: {GENERATE_HINT}.",
            id="shiplog.E001",
        )
    ]
