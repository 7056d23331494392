"""Model fields of our own: EncryptedTextField, and the re-encryption of what it stores."""

from django.db import models, transaction

from config.secrets import secret_decrypt, secret_encrypt

ROTATE_BATCH_SIZE = 500


class EncryptedTextField(models.TextField):
    """Text stored encrypted and read back as plain text: model code sees the secret, the
    database (and its backups) only a Fernet token made with the first SHIPLOG_SECRETS_KEY
    key (config/secrets.py). Any configured key decrypts, so keys rotate without downtime.

    For a secret the application must use again: a webhook's signing secret, an API token
    for a code host. A secret that is only compared is hashed instead (tokens.ApiToken).
    Only `isnull` can be filtered on: encrypting the same text twice gives different tokens,
    and a lookup on the plain text (`__startswith`) would be an oracle.
    """

    def from_db_value(self, value, expression, connection):
        return None if value is None else secret_decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else secret_encrypt(value)

    def get_lookup(self, lookup_name):
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, name):
        return None


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every (model, field) of the installed apps that stores an EncryptedTextField."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


@transaction.atomic
def stored_secrets_rotate() -> dict[str, int]:
    """Re-encrypts every stored secret with the first key; returns the rows rewritten per
    `app_label.model.field`. Raises SecretUndecryptable (and changes nothing) when a value
    is readable with none of the keys."""
    rewritten = {}
    for model, field in encrypted_fields():
        rows = list(
            model._base_manager.select_for_update()
            .filter(**{f"{field.name}__isnull": False})
            .only("pk", field.name)
        )
        # Reading decrypted each value with whichever key made it; saving encrypts anew.
        model._base_manager.bulk_update(rows, [field.name], batch_size=ROTATE_BATCH_SIZE)
        rewritten[f"{model._meta.label_lower}.{field.name}"] = len(rows)
    return rewritten


def column_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def column_fitted(model, field: str, value: str) -> str:
    """The value cut to its column: text a code host sends longer than a column (GitHub has
    PR titles of over 1,000 characters) is truncated, never an error that stops a sync."""
    return value[: column_length(model, field)]
