"""Webhook secrets are encrypted at rest with SHIPLOG_SECRETS_KEY (config/secrets.py,
config/fields.py): stored as Fernet tokens, read back plain, rotated by `rotate_secrets`."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from config.secrets import (
    SecretsKeyMissing,
    SecretUndecryptable,
    development_secrets_key,
    secret_decrypt,
    secret_encrypt,
    secrets_keys_parse,
)
from repositories.models import GitHubWebhook
from repositories.webhook_secrets import github_webhook_connect, github_webhook_regenerate_secret
from tests.factories import make_sha
from tests.repositories import payloads
from tests.repositories.test_webhooks import deliver

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def stored_secret(webhook: GitHubWebhook) -> str:
    """The column's content, as the database (and its backups) hold it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM repositories_githubwebhook WHERE id = %s", [webhook.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def old_key(settings):
    settings.SHIPLOG_SECRETS_KEYS = [OLD_KEY]
    return settings


@pytest.fixture
def webhook(organization, old_key):
    return github_webhook_connect(organization=organization)[0]


def test_a_webhook_secret_is_stored_encrypted_and_read_back_plain(webhook):
    stored = stored_secret(webhook)

    assert webhook.secret not in stored
    assert Fernet(OLD_KEY).decrypt(stored.encode()).decode() == webhook.secret
    assert GitHubWebhook.objects.get().secret == webhook.secret


def test_a_regenerated_secret_is_stored_encrypted_too(webhook):
    regenerated = github_webhook_regenerate_secret(webhook=webhook)

    stored = stored_secret(regenerated)
    assert Fernet(OLD_KEY).decrypt(stored.encode()).decode() == regenerated.secret
    assert GitHubWebhook.objects.get().secret == regenerated.secret


def test_the_first_key_encrypts_and_every_key_decrypts(webhook, settings):
    settings.SHIPLOG_SECRETS_KEYS = [NEW_KEY, OLD_KEY]

    # Stored with the old key, still readable once a new key is put first.
    assert GitHubWebhook.objects.get().secret == webhook.secret
    token = secret_encrypt("a new secret")
    assert Fernet(NEW_KEY).decrypt(token.encode()) == b"a new secret"
    with pytest.raises(InvalidToken):
        Fernet(OLD_KEY).decrypt(token.encode())


def test_the_signature_is_checked_against_the_decrypted_secret_after_a_new_key(
    client, webhook, settings
):
    settings.SHIPLOG_SECRETS_KEYS = [NEW_KEY, OLD_KEY]

    response = deliver(client, webhook, "push", payloads.push([payloads.push_commit(make_sha())]))

    assert response.status_code == 200


def test_rotate_secrets_reencrypts_every_stored_secret_with_the_first_key(
    webhook, other_organization, settings, capsys
):
    other = github_webhook_connect(organization=other_organization)[0]
    settings.SHIPLOG_SECRETS_KEYS = [NEW_KEY, OLD_KEY]

    call_command("rotate_secrets")

    assert "repositories.githubwebhook.secret: 2 re-encrypted" in capsys.readouterr().out
    for hook in (webhook, other):
        assert Fernet(NEW_KEY).decrypt(stored_secret(hook).encode()).decode() == hook.secret
    # The old key can go now.
    settings.SHIPLOG_SECRETS_KEYS = [NEW_KEY]
    assert sorted(GitHubWebhook.objects.values_list("secret", flat=True)) == sorted(
        [webhook.secret, other.secret]
    )


def test_rotate_secrets_changes_nothing_when_a_secret_no_key_decrypts(webhook, settings):
    before = stored_secret(webhook)
    settings.SHIPLOG_SECRETS_KEYS = [NEW_KEY]

    with pytest.raises(CommandError, match="SHIPLOG_SECRETS_KEY") as raised:
        call_command("rotate_secrets")

    assert "Nothing was changed" in str(raised.value)
    assert stored_secret(webhook) == before


def test_a_secret_no_key_decrypts_is_an_error_naming_the_variable(webhook, settings):
    settings.SHIPLOG_SECRETS_KEYS = [NEW_KEY]

    with pytest.raises(SecretUndecryptable, match="SHIPLOG_SECRETS_KEY"):
        GitHubWebhook.objects.get()


def test_without_a_key_storing_or_reading_a_secret_names_the_variable(webhook, settings):
    # What settings give with DEBUG off and SHIPLOG_SECRETS_KEY unset.
    settings.SHIPLOG_SECRETS_KEYS = []

    with pytest.raises(SecretsKeyMissing, match="SHIPLOG_SECRETS_KEY must be set"):
        GitHubWebhook.objects.get()
    with pytest.raises(SecretsKeyMissing, match="SHIPLOG_SECRETS_KEY must be set"):
        github_webhook_regenerate_secret(webhook=webhook)


def test_a_secret_cannot_be_filtered_on(webhook):
    for lookup in ("secret", "secret__startswith", "secret__exact"):
        with pytest.raises(FieldError):
            list(GitHubWebhook.objects.filter(**{lookup: webhook.secret}))
    assert GitHubWebhook.objects.filter(secret__isnull=False).count() == 1


@pytest.mark.parametrize("value", ["not-a-key", f"{OLD_KEY},short", " , "])
def test_an_invalid_key_is_refused_without_repeating_it(value):
    with pytest.raises(ImproperlyConfigured, match="SHIPLOG_SECRETS_KEY") as raised:
        secrets_keys_parse(value)

    assert "not-a-key" not in str(raised.value)
    assert "short" not in str(raised.value)
    assert OLD_KEY not in str(raised.value)


def test_several_keys_are_read_in_order():
    assert secrets_keys_parse(f" {NEW_KEY} ,{OLD_KEY},") == [NEW_KEY, OLD_KEY]


def test_the_development_key_is_a_fernet_key_derived_from_the_secret_key():
    key = development_secrets_key("some-secret-key")

    assert key == development_secrets_key("some-secret-key")
    assert key != development_secrets_key("another-secret-key")
    assert Fernet(key).decrypt(Fernet(key).encrypt(b"x")) == b"x"


def test_a_token_round_trips_any_text(old_key):
    for text in ("", "é€ 🚀", "x" * 10_000):
        assert secret_decrypt(secret_encrypt(text)) == text


# The data migration


BEFORE = [("repositories", "0006_pull_request_commit_organization")]
AFTER = [("repositories", "0007_github_webhook_secret_encrypted")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_stored_secrets_and_decrypts_them_going_back(old_key):
    executor = _migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        organization = apps.get_model("organizations", "Organization").objects.create(
            name="Acme", slug="acme-migration"
        )
        webhook = apps.get_model("repositories", "GitHubWebhook").objects.create(
            organization_id=organization.pk, path_token="migration-path", secret="plain-secret"
        )

        _migrate(AFTER)
        encrypted = stored_secret(webhook)
        assert "plain-secret" not in encrypted
        assert Fernet(OLD_KEY).decrypt(encrypted.encode()) == b"plain-secret"

        _migrate(BEFORE)
        assert stored_secret(webhook) == "plain-secret"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
