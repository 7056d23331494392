import sys
import time

from django.core.management.base import BaseCommand, CommandError

from organizations.models import Organization
from repositories.github_api import GitHubApiError
from repositories.github_backfill import github_backfill_run
from repositories.github_connection import github_token_for
from repositories.management.commands.import_git import _since


class Command(BaseCommand):
    help = "Backfill merged pull requests, reviews and commits from GitHub's REST API."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="SLUG")
        parser.add_argument("--repository", required=True, metavar="OWNER/NAME")
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="Only PRs updated since.")

    def handle(self, *args, org, repository, since, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        if repository.count("/") != 1 or not all(repository.split("/")):
            raise CommandError(f"--repository {repository!r} must look like OWNER/NAME.")
        started = time.perf_counter()
        try:
            result = github_backfill_run(
                organization=organization,
                full_name=repository,
                token=github_token_for(organization),
                since=_since(since),
                progress=lambda message: print(message, file=sys.stderr, flush=True),
            )
        except GitHubApiError as error:
            raise CommandError(f"{repository}: {error}") from error
        elapsed = time.perf_counter() - started
        if result.not_modified:
            summary = "unchanged since the last backfill"
        else:
            summary = (
                f"{result.pull_requests_read:,} pull requests read, "
                f"{result.merged_written:,} merged written"
            )
        self.stdout.write(
            f"{repository}: {summary}; {result.requests_sent:,} GitHub requests ({elapsed:.1f}s)."
        )
