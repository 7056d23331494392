"""GitHub backfill cost: requests per PR on a first backfill and on a re-run, and the time of
the first backfill, against the fake GitHub of the tests (tests/repositories/fake_github.py)
serving N merged PRs on 127.0.0.1 (each with two commits, two reviews and a merge commit).

    .venv/bin/python bench/bench_github_backfill.py [--database-url URL] [--pull-requests 2000]

Without --database-url it uses the database `shiplog_github_backfill_bench` on the embedded
server of var/postgres/. Nothing reaches the internet.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "shiplog_github_backfill_bench"


def django_setup(database_url: str, *, database: str = DATABASE) -> None:
    if not database_url:
        from config.embedded_postgres import embedded_database_url

        database_url = embedded_database_url(ROOT / "var" / "postgres", database)
    os.environ["DATABASE_URL"] = database_url
    os.environ.update(DJANGO_DEBUG="true", DJANGO_SETTINGS_MODULE="config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _stamp(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def fake_filled(pull_requests: int):
    from datetime import UTC, datetime, timedelta

    from tests.repositories.fake_github import FakeGitHub, commit, pull, review

    fake = FakeGitHub(full_name="bench/web")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(1, pull_requests + 1):
        merged = start + timedelta(hours=3 * number)
        author, shas = f"dev{number % 40}", [f"{number:08x}{kind:032x}" for kind in (1, 2, 3)]
        fake.add(
            pull(
                number,
                full_name="bench/web",
                author=author,
                created_at=_stamp(merged - timedelta(hours=20)),
                updated_at=_stamp(merged + timedelta(minutes=5)),
                merged_at=_stamp(merged),
                merge_commit_sha=shas[2],
            ),
            reviews=[
                review(
                    f"dev{(number + hours) % 40}",
                    submitted_at=_stamp(merged - timedelta(hours=hours)),
                )
                for hours in (1, 2)
            ],
            commits=[
                commit(sha, date=_stamp(merged - timedelta(hours=hours)), login=author)
                for sha, hours in ((shas[0], 24), (shas[1], 22))
            ],
        )
        fake.single_commits[shas[2]] = commit(shas[2], date=_stamp(merged), message="Merge")
    return fake


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--pull-requests", type=int, default=2000)
    options = parser.parse_args()
    django_setup(options.database_url)
    from django.conf import settings

    from organizations.services import organization_create
    from repositories.github_backfill import github_backfill_run
    from tests.repositories.fake_github import TOKEN, FakeGitHubServer

    organization = organization_create(slug=f"bench-{int(time.time())}")
    with FakeGitHubServer(fake_filled(options.pull_requests)) as fake:
        settings.SHIPLOG_GITHUB_API_URL = fake.url
        for label in ("first backfill", "re-run"):
            fake.requests.clear()
            started = time.perf_counter()
            result = github_backfill_run(
                organization=organization, full_name="bench/web", token=TOKEN
            )
            elapsed = time.perf_counter() - started
            print(
                f"{label}: {options.pull_requests:,} PRs, {len(fake.requests):,} requests "
                f"({len(fake.requests) / options.pull_requests:.3f} per PR), "
                f"{result.merged_written:,} merged written, {elapsed:.1f} s"
            )


if __name__ == "__main__":
    main()
