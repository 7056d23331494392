from repositories.gitlab_connection import gitlab_webhook_connect, gitlab_webhook_regenerate_secret
from repositories.management.webhook_command import WebhookCreateCommand


class Command(WebhookCreateCommand):
    help = (
        "Create the organization's GitLab webhook and print its URL and secret token as JSON. "
        "When it already exists, its secret is regenerated (the old one stops working)."
    )
    host = "GitLab"
    url_name = "gitlab_webhook"

    def connect(self, organization):
        return gitlab_webhook_connect(organization=organization)

    def regenerate(self, webhook):
        return gitlab_webhook_regenerate_secret(webhook=webhook)
