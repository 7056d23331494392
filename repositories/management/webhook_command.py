"""What `create_github_webhook` and `create_gitlab_webhook` share: create the organization's
webhook (or regenerate its secret) and print {"url", "secret"} as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from organizations.models import Organization


class WebhookCreateCommand(BaseCommand):
    host = ""  # the code host's name, for the help texts
    url_name = ""  # the receiver's URL name

    def connect(self, organization):
        """(webhook, created)."""
        raise NotImplementedError

    def regenerate(self, webhook):
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="SLUG")
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help=f"Where {self.host} reaches Shiplog (default: http://127.0.0.1:8000).",
        )

    def handle(self, *args, org, base_url, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        webhook, created = self.connect(organization)
        # A secret is shown once: printing an existing one again would break that promise.
        if not created:
            webhook = self.regenerate(webhook)
        url = base_url.rstrip("/") + reverse(self.url_name, args=[webhook.path_token])
        self.stdout.write(json.dumps({"url": url, "secret": webhook.secret}))
