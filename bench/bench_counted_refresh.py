"""Times changing an organization's counted environments, with the dashboard served beside.

    .venv/bin/python bench/bench_counted_refresh.py [--database-url URL] [--org SLUG]

Runs the background job the settings page queues (organization_counting_apply: the setting
saved and the deploy moment and shipped tags of every PR the organization's deployments
ship refreshed, in one transaction under the link lock, so the organization's POSTs wait
that long) to "production" and back to what it was. Meanwhile one client loads the
12-week dashboard over HTTP from gunicorn (bench_dashboard's harness) without pause; prints
each job's seconds and the dashboard's p50 / max / errors while it ran. Needs a dataset of
bench/README.md ("Setup").
"""

import argparse
import os
import shlex
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_dashboard  # noqa: E402 - its harness, found on the path set above


def _dashboard_loop(port: int, cookie: str, stop: threading.Event, samples: list) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        status, _, _ = bench_dashboard.request(
            "GET", port, "/?weeks=12", headers={"Cookie": cookie}
        )
        samples.append(((time.perf_counter() - started) * 1000, status))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=bench_dashboard.DEFAULT_DATABASE_URL)
    parser.add_argument("--org", default="perf")
    args = parser.parse_args()
    env = bench_dashboard.server_environment(args.database_url)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from organizations.models import Organization
    from organizations.tasks import organization_counting_apply
    from repositories.models import PullRequest

    organization = Organization.objects.get(slug=args.org)
    original = organization.counted_environments
    shipped = PullRequest.objects.filter(organization=organization, deploy_moment__isnull=False)
    print(f"organization {args.org}: {shipped.count():,} PRs with a deploy moment")
    changed = ["staging"] if original == ["production"] else ["production"]
    user, password = bench_dashboard.USERNAME, bench_dashboard.PASSWORD
    bench_dashboard.manage(
        env, "add_member", args.org, user, "--role", "admin", "--password", password
    )
    port = bench_dashboard.free_port()
    try:
        with bench_dashboard.gunicorn(env, port=port, workers=2):
            cookie = bench_dashboard.log_in(port, user, password)
            for counted in (changed, original):
                samples, stop = [], threading.Event()
                loop = threading.Thread(target=_dashboard_loop, args=(port, cookie, stop, samples))
                loop.start()
                started = time.perf_counter()
                organization_counting_apply(organization.pk, counted)
                seconds = time.perf_counter() - started
                stop.set()
                loop.join()
                timings = [ms for ms, _ in samples]
                errors = sum(status != 200 for _, status in samples)
                print(
                    f"  counted environments -> {counted or 'all'}: {seconds:6.2f} s; dashboard "
                    f"meanwhile: {len(samples)} loads, p50 {statistics.median(timings):.0f} ms, "
                    f"max {max(timings):.0f} ms, {errors} errors"
                )
    finally:  # the shared dataset keeps its setting even if a run fails
        organization_counting_apply(organization.pk, original)
    print(
        "reproduce: "
        + shlex.join([".venv/bin/python", "bench/bench_counted_refresh.py", *sys.argv[1:]])
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
