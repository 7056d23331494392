from django.core.management.base import BaseCommand, CommandError

from tokens.plaintext import plaintext_is_well_formed
from tokens.selectors import api_token_by_plaintext, api_tokens_by_display_prefix
from tokens.services import token_revoke


class Command(BaseCommand):
    help = "Revoke an API token, given the token itself or its display prefix (shl_xxxxxxxx)."

    def add_arguments(self, parser):
        parser.add_argument("token_or_prefix", metavar="TOKEN_OR_PREFIX")

    def handle(self, *args, token_or_prefix, **options):
        if plaintext_is_well_formed(token_or_prefix):
            token = api_token_by_plaintext(plaintext=token_or_prefix)
            matches = [token] if token else []
        else:
            matches = api_tokens_by_display_prefix(display_prefix=token_or_prefix)
        if not matches:
            raise CommandError("No API token matches that token or prefix.")
        if len(matches) > 1:
            raise CommandError("That prefix matches several tokens; pass the full token.")
        token = matches[0]
        if not token.is_active:
            self.stdout.write(
                f"{token.display_prefix}… was already revoked at {token.revoked_at}."
            )
            return
        token_revoke(token=token)
        self.stdout.write(f"Revoked {token.display_prefix}… of {token.organization.slug}.")
