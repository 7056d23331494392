from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sampledata.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_seed


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo organization with realistic history. Idempotent. "
        "Runs only with DEBUG on: its login is public."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--i-know-this-is-public",
            action="store_true",
            dest="public",
            help="Create the demo login with DEBUG off too: anyone who has read Shiplog's "
            "source can then log in as an admin of the demo organization.",
        )

    def handle(self, *args, **options):
        # The login is written in the source, so on a server it is a door anyone can open.
        if not (settings.DEBUG or options["public"]):
            raise CommandError(
                f"seed_demo creates the login {DEMO_USERNAME} / {DEMO_PASSWORD}, which is "
                "public, and DEBUG is off, so this looks like a server. It runs with "
                "DJANGO_DEBUG=true (as `make run` does); to create the demo login here "
                "anyway, pass --i-know-this-is-public."
            )
        result = demo_seed()
        organization = result.organization
        self.stdout.write(
            f"Demo organization '{organization.slug}': "
            f"{organization.repositories.count()} repositories, "
            f"{organization.contributors.count()} contributors, "
            f"{organization.pull_requests.count()} pull requests, "
            f"{organization.deployments.count()} deployments."
        )
        self.stdout.write(
            f"Log in as {result.username} / {result.password} "
            "(make run serves http://127.0.0.1:8000/)"
        )
