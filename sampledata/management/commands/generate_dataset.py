import time
from datetime import UTC, datetime
from datetime import time as clock

from django.core.management.base import BaseCommand
from django.db import connection

from sampledata.synthetic import SCALES, dataset_generate


class Command(BaseCommand):
    help = (
        "Fill a new organization with a large, deterministic synthetic history (repositories, "
        "contributors, PRs, commits, deployments, links). Does nothing if it has repositories."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="SLUG")
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, org, scale, seed, **options):
        # History ends at today's midnight (UTC): the same seed on the same day, the same rows.
        end = datetime.combine(datetime.now(UTC).date(), clock.min, tzinfo=UTC)
        started = time.perf_counter()
        result = dataset_generate(
            slug=org, scale=SCALES[scale], seed=seed, end=end, progress=self._progress(started)
        )
        if not result.created:
            self.stdout.write(f"Organization {org!r} already has data; nothing generated.")
            return
        if not connection.in_atomic_block:
            # After the commit (VACUUM cannot run in a transaction, as in a test): sets the
            # visibility map, so the covering indexes answer without heap visits from the
            # first page view, and autovacuum does not start while they are first measured.
            started_vacuum = time.perf_counter()
            with connection.cursor() as cursor:
                for table in result.counts:
                    cursor.execute(f"VACUUM {connection.ops.quote_name(table)}")
            result.timings["(vacuum)"] = time.perf_counter() - started_vacuum
        for table, seconds in sorted(result.timings.items(), key=lambda item: -item[1]):
            rows = result.counts.get(table)
            self.stdout.write(f"{table:<40} {rows or '':>9} rows {seconds:8.1f} s")
        total = time.perf_counter() - started
        self.stdout.write(f"Generated {scale} dataset for {org!r} (seed {seed}) in {total:.1f} s")

    def _progress(self, started: float):
        def report(line: str) -> None:
            self.stdout.write(f"[{time.perf_counter() - started:7.1f} s] {line}")
            self.stdout.flush()

        return report
