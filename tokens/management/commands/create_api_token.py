from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from organizations.models import Organization
from tokens.services import DEFAULT_SCOPES, token_generate


class Command(BaseCommand):
    help = "Create an API token for an organization and print it (only it) on stdout."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="SLUG")
        parser.add_argument("--name", default="Deployments API")
        parser.add_argument(
            "--scopes",
            default=",".join(DEFAULT_SCOPES),
            help="Comma-separated: deployments:write, deployments:read, metrics:read, "
            "incidents:write, incidents:read.",
        )

    def handle(self, *args, org, name, scopes, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        scope_list = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        try:
            token, plaintext = token_generate(
                organization=organization, name=name, scopes=scope_list
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        # Only the token on stdout, so `TOKEN=$(manage.py create_api_token ...)` works.
        self.stdout.write(plaintext)
        self.stderr.write(f"Created {token.display_prefix}… for {organization.slug}: {scopes}")
