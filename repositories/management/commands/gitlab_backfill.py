import re
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from organizations.models import Organization
from repositories.gitlab_backfill import gitlab_backfill_run, gitlab_token_for
from repositories.management.commands.import_git import _since
from repositories.models import REPOSITORY_FULL_NAME, REPOSITORY_FULL_NAME_MESSAGE
from repositories.rest_client import ApiError


class Command(BaseCommand):
    help = "Backfill merged merge requests, their commits and reviews from GitLab's REST API."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="SLUG")
        parser.add_argument("--project", required=True, metavar="PATH", help="group/project")
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="Only MRs updated since.")

    def handle(self, *args, org, project, since, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        if not re.match(REPOSITORY_FULL_NAME, project):
            raise CommandError(f"--project {project!r} {REPOSITORY_FULL_NAME_MESSAGE}.")
        started = time.perf_counter()
        try:
            result = gitlab_backfill_run(
                organization=organization,
                full_name=project,
                token=gitlab_token_for(organization),
                since=_since(since),
                progress=lambda message: print(message, file=sys.stderr, flush=True),
            )
        except ApiError as error:
            raise CommandError(f"{project}: {error}") from error
        elapsed = time.perf_counter() - started
        summary = (
            "unchanged since the last backfill"
            if result.not_modified
            else f"{result.pull_requests_read:,} merge requests read, "
            f"{result.merged_written:,} merged written"
        )
        self.stdout.write(
            f"{project}: {summary}; {result.requests_sent:,} GitLab requests ({elapsed:.1f}s)."
        )
