import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date, parse_datetime

from organizations.dates import OUT_OF_RANGE_MESSAGE, date_is_supported
from organizations.models import Organization
from repositories.git_import import GitImportError, git_history_import


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)):
        moment = datetime(day.year, day.month, day.day)
    if moment is None:
        raise CommandError(f"--since {value!r} is not a date (YYYY-MM-DD) or ISO 8601 time.")
    if not date_is_supported(moment):
        raise CommandError(f"--since {value!r}: {OUT_OF_RANGE_MESSAGE}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Import commits and merged pull requests from a local git clone (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A local clone (or bare repository).")
        parser.add_argument("--org", required=True, metavar="SLUG")
        parser.add_argument(
            "--repository", default="", metavar="OWNER/NAME", help="Default: from origin's URL."
        )
        parser.add_argument("--since", metavar="DATE", help="Only commits committed after it.")

    def handle(self, *args, path, org, repository, since, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        started = time.perf_counter()
        try:
            result = git_history_import(
                organization=organization,
                path=Path(path),
                repository_full_name=repository,
                since=_since(since),
                progress=lambda message: print(message, file=sys.stderr, flush=True),
            )
        except GitImportError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{result.repository.full_name}: {result.commits_read} commits read, "
            f"{result.commits_added} new; {result.pull_requests_found} merged pull requests, "
            f"{result.pull_requests_added} new, {result.pull_requests_updated} updated "
            f"({elapsed:.1f}s)."
        )
