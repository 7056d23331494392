"""GitHubWebhook.secret is encrypted at rest (config.fields.EncryptedTextField): the column
becomes text, and each plaintext secret already stored is replaced by its Fernet token made
with the first SHIPLOG_SECRETS_KEY key. Reversible: going back decrypts them again."""

from django.db import migrations

import config.fields
from config.secrets import secret_decrypt, secret_encrypt


def _rewrite(apps, schema_editor, convert):
    # Raw SQL: the historical model's field would decrypt on reading, and these rows hold
    # plaintext (forwards) or must be read as tokens (backwards).
    webhook_model = apps.get_model("repositories", "GitHubWebhook")
    table = schema_editor.quote_name(webhook_model._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, secret FROM {table}")  # noqa: S608
        for pk, stored in cursor.fetchall():
            cursor.execute(
                f"UPDATE {table} SET secret = %s WHERE id = %s",  # noqa: S608
                [convert(stored), pk],
            )


def secrets_encrypt(apps, schema_editor):
    _rewrite(apps, schema_editor, secret_encrypt)


def secrets_decrypt(apps, schema_editor):
    _rewrite(apps, schema_editor, secret_decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("repositories", "0006_pull_request_commit_organization"),
    ]

    operations = [
        migrations.AlterField(
            model_name="githubwebhook",
            name="secret",
            field=config.fields.EncryptedTextField(),
        ),
        migrations.RunPython(secrets_encrypt, secrets_decrypt),
    ]
