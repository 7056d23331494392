import json

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from organizations.models import Organization
from repositories.gitlab_connection import gitlab_webhook_connect, gitlab_webhook_regenerate_secret


class Command(BaseCommand):
    help = (
        "Create the organization's GitLab webhook and print its URL and secret token as JSON. "
        "When it already exists, its secret is regenerated (the old one stops working)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="SLUG")
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where GitLab reaches Shiplog (default: http://127.0.0.1:8000).",
        )

    def handle(self, *args, org, base_url, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        webhook, created = gitlab_webhook_connect(organization=organization)
        # A secret is shown once: printing an existing one again would break that promise.
        if not created:
            webhook = gitlab_webhook_regenerate_secret(webhook=webhook)
        url = base_url.rstrip("/") + reverse("gitlab_webhook", args=[webhook.path_token])
        self.stdout.write(json.dumps({"url": url, "secret": webhook.secret}))
