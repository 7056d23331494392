from django.core.management.base import BaseCommand

from sampledata.demo import demo_seed


class Command(BaseCommand):
    help = "Create (or refresh) the demo organization with realistic history. Idempotent."

    def handle(self, *args, **options):
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
