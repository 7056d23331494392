from django.core.management.base import BaseCommand, CommandError

from config.fields import stored_secrets_rotate
from config.secrets import SecretUndecryptable


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (webhook secrets, every EncryptedTextField) with the "
        "first key of SHIPLOG_SECRETS_KEY. Rotate by putting a new key first, keeping the old "
        "ones after it, running this, then removing the old keys."
    )

    def handle(self, *args, **options):
        try:
            rewritten = stored_secrets_rotate()
        except SecretUndecryptable as error:
            raise CommandError(f"{error} Nothing was changed.") from None
        for label, count in rewritten.items():
            self.stdout.write(f"{label}: {count} re-encrypted with the first key")
