"""Times `import_git` on a generated history.

    .venv/bin/python bench/bench_import.py [--commits 50000] [--database-url URL]

Builds a repository with `git fast-import` (GitHub merge commits, squash merges and a bot),
migrates a fresh database (dropped and created again: by default `shiplog_history_bench` on
the embedded server of var/postgres/), then runs the import twice: the first records
everything, the second must add nothing. Prints commits/s and the exact command used.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from harness import postgres_server

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = [(f"Dev {n}", f"dev{n}@example.com") for n in range(40)]
BOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")


def fast_import_stream(total: int) -> bytes:
    lines, mark, main_tip, pr, ts = [], 0, None, 0, 1_600_000_000

    def commit(ref, message, who, parents):
        nonlocal mark, ts
        mark += 1
        ts += 60
        data = message.encode()
        lines.append(f"commit {ref}\nmark :{mark}\n")
        lines.append(f"author {who[0]} <{who[1]}> {ts} +0000\n")
        lines.append(f"committer {who[0]} <{who[1]}> {ts} +0000\ndata {len(data)}\n")
        lines.append(data.decode() + "\n")
        if parents:
            lines.append(f"from :{parents[0]}\n")
            lines.extend(f"merge :{parent}\n" for parent in parents[1:])
        return mark

    main_tip = commit("refs/heads/main", "Initial commit", PEOPLE[0], [])
    while mark < total:
        pr += 1
        author = PEOPLE[pr % len(PEOPLE)]
        if pr % 4 == 0:
            main_tip = commit("refs/heads/main", f"Fix bug {pr} (#{pr})", author, [main_tip])
        elif pr % 25 == 0:
            main_tip = commit("refs/heads/main", f"Bump lib to {pr}", BOT, [main_tip])
        else:
            tip = main_tip
            for step in range(3):
                tip = commit(
                    f"refs/heads/feature-{pr % 50}", f"Work {pr}.{step}\n\nDetails.", author, [tip]
                )
            message = f"Merge pull request #{pr} from acme/feature-{pr}\n\nFeature {pr}"
            main_tip = commit("refs/heads/main", message, PEOPLE[0], [main_tip, tip])
    lines.append(f"reset refs/heads/main\nfrom :{main_tip}\n\n")
    return "".join(lines).encode()


def build_repository(path: Path, total: int) -> int:
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    stream = fast_import_stream(total)
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=stream, check=True)
    count = subprocess.run(
        ["git", "-C", str(path), "rev-list", "--all", "--count"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(count.stdout)


def manage(database_url: str, *args: str) -> tuple[float, str]:
    # Production settings: DEBUG's query logging would dominate a bulk import.
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
    }
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, completed.stdout


def import_seconds(stdout: str) -> float:
    """The command's own timing (printed as "(12.3s)"), without interpreter start-up."""
    return float(re.search(r"\(([\d.]+)s\)", stdout)[1])


def bench(label: str, database_url: str, repo: Path, commits: int) -> None:
    manage(database_url, "migrate", "--noinput")
    manage(database_url, "create_organization", "bench")
    command = (
        f"DJANGO_DEBUG=false DATABASE_URL={database_url} "
        f"python manage.py import_git {repo} --org bench"
    )
    wall, stdout = manage(database_url, "import_git", str(repo), "--org", "bench")
    first = import_seconds(stdout)
    second_wall, second_stdout = manage(database_url, "import_git", str(repo), "--org", "bench")
    print(f"{label}: {stdout.strip()}")
    print(
        f"  {commits / first:,.0f} commits/s in the import ({first:.1f}s), "
        f"{commits / wall:,.0f} commits/s including process start ({wall:.1f}s)"
    )
    print(f"  re-import: {second_stdout.strip()}")
    print(f"  command: {command}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=50_000)
    parser.add_argument("--database-url", help="a PostgreSQL database to drop and recreate")
    options = parser.parse_args()
    database_url = options.database_url or f"{postgres_server(None)}/shiplog_history_bench"
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "history"
        started = time.perf_counter()
        commits = build_repository(repo, options.commits)
        print(
            f"built {commits} commits with git fast-import in {time.perf_counter() - started:.1f}s"
        )
        admin_url, _, name = database_url.rpartition("/")
        with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            bench("PostgreSQL", database_url, repo, commits)
        finally:
            with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
