from repositories.management.webhook_command import WebhookCreateCommand
from repositories.webhook_secrets import github_webhook_connect, github_webhook_regenerate_secret


class Command(WebhookCreateCommand):
    help = (
        "Create the organization's GitHub webhook and print its payload URL and secret as JSON. "
        "When it already exists, its secret is regenerated (the old one stops working)."
    )
    host = "GitHub"
    url_name = "github_webhook"

    def connect(self, organization):
        return github_webhook_connect(organization=organization)

    def regenerate(self, webhook):
        return github_webhook_regenerate_secret(webhook=webhook)
