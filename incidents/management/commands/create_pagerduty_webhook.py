import json

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from incidents.services import pagerduty_webhook_connect, pagerduty_webhook_secret_save
from organizations.models import Organization


class Command(BaseCommand):
    help = (
        "Create the organization's PagerDuty webhook URL (kept when it exists) and print it as "
        'JSON, {"url": …, "secret": …}. PagerDuty generates the signing secret when the '
        "subscription is created: pass it with --secret to store it (encrypted); the secret "
        "printed is the one stored, null while there is none."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="SLUG")
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where PagerDuty reaches Shiplog (default: http://127.0.0.1:8000).",
        )
        parser.add_argument("--secret", help="The subscription's signing secret from PagerDuty.")

    def handle(self, *args, org, base_url, secret, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        webhook, _ = pagerduty_webhook_connect(organization=organization)
        if secret is not None:
            try:
                webhook = pagerduty_webhook_secret_save(webhook=webhook, secret=secret)
            except ValueError as error:
                raise CommandError(str(error)) from None
        url = base_url.rstrip("/") + reverse("pagerduty_webhook", args=[webhook.path_token])
        self.stdout.write(json.dumps({"url": url, "secret": webhook.secret or None}))
