"""GitLab backfill cost: requests per MR on a first backfill and on a re-run, and the time of
the first backfill, against the fake GitLab of the tests (tests/repositories/fake_gitlab.py)
serving N merged MRs on 127.0.0.1 (each with two commits, a comment, an approval note and a
merge commit).

    .venv/bin/python bench/bench_gitlab_backfill.py [--database-url URL] [--merge-requests 2000]

Without --database-url it uses the database `shiplog_gitlab_backfill_bench` on the embedded
server of var/postgres/. Nothing reaches the internet.
"""

import argparse
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_github_backfill import _stamp, django_setup  # noqa: E402

DATABASE = "shiplog_gitlab_backfill_bench"


def fake_filled(merge_requests: int):
    from datetime import UTC, datetime, timedelta

    from tests.repositories import fake_gitlab as gl

    fake = gl.FakeGitLab(full_name="bench/platform/web")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for iid in range(1, merge_requests + 1):
        merged = start + timedelta(hours=3 * iid)
        shas = [f"{iid:08x}{kind:032x}" for kind in (1, 2, 3)]
        fake.add(
            gl.merge_request(
                iid,
                updated_at=_stamp(merged + timedelta(minutes=5)),
                merged_at=_stamp(merged),
                sha=shas[1],
                merge_commit_sha=shas[2],
                created_at=_stamp(merged - timedelta(hours=20)),
                path=fake.full_name,
            ),
            notes=[
                gl.note(
                    "Looks good", author=gl.BOB, created_at=_stamp(merged - timedelta(hours=2))
                ),
                gl.note(
                    "approved this merge request",
                    author=gl.BOB,
                    created_at=_stamp(merged - timedelta(hours=1)),
                    system=True,
                ),
            ],
            commits=[
                gl.commit(sha, date=_stamp(merged - timedelta(hours=hours)))
                for sha, hours in ((shas[1], 22), (shas[0], 24))
            ],
        )
        fake.single_commits[shas[2]] = gl.commit(shas[2], date=_stamp(merged), message="Merge")
    return fake


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--merge-requests", type=int, default=2000)
    options = parser.parse_args()
    django_setup(options.database_url, database=DATABASE)
    from django.conf import settings

    from organizations.services import organization_create
    from repositories.gitlab_backfill import gitlab_backfill_run
    from tests.repositories import fake_gitlab as gl

    organization = organization_create(slug=f"bench-{int(time.time())}")
    fake = fake_filled(options.merge_requests)
    server = ThreadingHTTPServer(("127.0.0.1", 0), gl._handler(fake))
    fake.url = settings.SHIPLOG_GITLAB_URL = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for label in ("first backfill", "re-run"):
            fake.requests.clear()
            started = time.perf_counter()
            result = gitlab_backfill_run(
                organization=organization, full_name=fake.full_name, token=gl.TOKEN
            )
            elapsed = time.perf_counter() - started
            print(
                f"{label}: {options.merge_requests:,} MRs, {len(fake.requests):,} requests "
                f"({len(fake.requests) / options.merge_requests:.3f} per MR), "
                f"{result.merged_written:,} merged written, {elapsed:.1f} s"
            )
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
