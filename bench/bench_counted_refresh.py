"""Times changing an organization's counted environments on the large dataset.

    .venv/bin/python bench/bench_counted_refresh.py

Changing the setting (organization_counting_update) refreshes the deploy moment and
shipped tags of every PR the organization's deployments ship, under the link lock, so the
organization's POSTs wait that long. Sets the environments to "production" and back to what
they were; prints seconds for each and the command. Needs the `large` organization of
bench/README.md ("Setup").
"""

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/shiplog_perf"
    )
    parser.add_argument("--org", default="perf")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from organizations.models import Organization
    from organizations.services import organization_counting_update
    from repositories.models import PullRequest

    organization = Organization.objects.get(slug=args.org)
    original = organization.counted_environments
    shipped = PullRequest.objects.filter(organization=organization, deployments__isnull=False)
    print(f"organization {args.org}: {shipped.distinct().count():,} PRs shipped by deployments")
    changed = ["staging"] if original == ["production"] else ["production"]
    try:
        for counted in (changed, original):
            started = time.perf_counter()
            organization_counting_update(organization=organization, counted_environments=counted)
            seconds = time.perf_counter() - started
            print(f"  counted environments -> {counted or 'all'}: {seconds:6.2f} s")
    finally:  # the shared dataset keeps its setting even if a run fails
        organization_counting_update(organization=organization, counted_environments=original)
    print(
        "reproduce: "
        + shlex.join([".venv/bin/python", "bench/bench_counted_refresh.py", *sys.argv[1:]])
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
