"""POST /api/v1/deployments against a bare endpoint, over real HTTP, in the same run.

Creates a throw-away PostgreSQL database, migrates it, loads an organization with commits
and merged PRs, and starts ONE gunicorn (DJANGO_SETTINGS_MODULE=bench.settings_bench: the
product's URLs plus POST /bench/bare, which only parses the JSON and inserts one row, and
POST /bench/checked, which first authenticates, throttles and validates as ours does). For
each client count it sends the same bodies for a fixed time to bare, to checked, then to
the real one: realistic deployments of 1–20 SHAs (mostly known merge commits by 20 people
in 4 teams, some unknown, 20% repeats of an earlier body that dedupe), into an
organization with 3,000 deployments of history. Prints throughput, p50 / p99 latency,
errors and the ratios to bare; stops gunicorn and drops the database.

Workers: gunicorn 2 workers (one per core of the 2-core target) x 4 threads each, so a
worker overlaps its threads' database waits; change with --workers / --threads. The
saturating concurrency is the fewest clients reaching 90% of the best ingest throughput.

    .venv/bin/python bench/bench_post.py --clients 2,4,8 --seconds 15
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg
from harness import server_env

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
OURS, BARE, CHECKED = "/api/v1/deployments", "/bench/bare", "/bench/checked"
REPOSITORIES, PRS, HISTORY = 5, 400, 3000
SETUP = (
    """
import hashlib, datetime
from django.utils import timezone
from organizations.models import Contributor, Organization, Team
from repositories.models import Commit, PullRequest, Repository
from tokens.services import token_generate
org = Organization.objects.create(slug="bench", name="Bench")
now = timezone.now()
sha = lambda *p: hashlib.sha1("/".join(map(str, p)).encode()).hexdigest()
# 20 authors (2 bots) in 4 teams, so recording attributes deployments to people and teams.
teams = [Team.objects.create(organization=org, name=f"T{t}", slug=f"t{t}") for t in range(4)]
people = []
for p in range(20):
    person = Contributor.objects.create(organization=org, display_name=f"Dev {p}", is_bot=p < 2)
    person.teams.set([teams[p % 4]], through_defaults={"organization": org})
    people.append(person)
for r in range(REPOSITORIES):
    repo = Repository.objects.create(organization=org, full_name=f"bench/repo{r}")
    at = lambda n: now - datetime.timedelta(hours=n)
    commits = Commit.objects.bulk_create([
        Commit(organization=org, repository=repo, sha=sha(r, n, "merge"), message=f"Merge #{n}",
               contributor=people[n % 20], authored_at=at(n), committed_at=at(n))
        for n in range(1, PRS + 1)])
    prs = PullRequest.objects.bulk_create([
        PullRequest(organization=org, repository=repo, number=n, title=f"PR {n}", state="merged",
                    merged_at=at(n), merge_commit_sha=sha(r, n, "merge"))
        for n in range(1, PRS + 1)])
    # Each merge commit is also a commit of its PR: the member-commit rule runs too.
    PullRequest.commits.through.objects.bulk_create([
        PullRequest.commits.through(
            organization_id=pr.organization_id, pullrequest_id=pr.id, commit_id=commit.id
        )
        for pr, commit in zip(prs, commits)])
# A history, as an organization in use has: the tables the load writes are not empty
# (as of an install's first minute) when the statistics are taken.
import random
from deployments.recording import deployment_record
rng = random.Random(0)
for n in range(HISTORY):
    r = rng.randrange(REPOSITORIES)
    shas = [sha(r, rng.randint(1, PRS), "merge") for _ in range(rng.randint(1, 20))]
    deployment_record(organization=org, request_id=f"history-{n}", raw_body="{}", shas=shas,
                      environment_name=rng.choice(["production", "staging"]),
                      deployed_at=now - datetime.timedelta(minutes=HISTORY - n))
    if n % 500 == 0:  # as autovacuum's analyze would on a server that has it on
        from django.db import connection
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
from django.db import connection
with connection.cursor() as cursor:  # as generate_dataset does after a bulk load
    cursor.execute("ANALYZE")
print(org.id, token_generate(organization=org)[1])
""".replace("REPOSITORIES", str(REPOSITORIES))
    .replace("PRS", str(PRS))
    .replace("HISTORY", str(HISTORY))
)


@dataclass
class Run:
    path: str
    clients: int
    seconds: float
    results: list[tuple[float, int]]

    @property
    def latencies(self) -> list[float]:
        return sorted(latency * 1000 for latency, status in self.results if status == 201)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def errors(self) -> int:
        return len(self.results) - len(self.latencies)

    def percentile(self, n: int) -> float:
        latencies = self.latencies
        if len(latencies) < 2:
            return latencies[0] if latencies else float("nan")
        return statistics.quantiles(latencies, n=100, method="inclusive")[n - 1]


def main() -> int:
    args = _arguments()
    database = f"shiplog_bench_{os.getpid()}"
    env = server_env(f"{args.postgres}/{database}")
    _database(args.postgres, f"CREATE DATABASE {database}")
    server = None
    runs = []
    try:
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "createcachetable")
        organization_id, token = _manage(env, "shell", "-c", SETUP).split()[-2:]
        server = _gunicorn(args, env, organization_id)
        _wait_ready(args.port, token)
        for clients in args.clients:
            for path in (BARE, CHECKED, OURS):
                runs.append(Run(path, clients, args.seconds, _load(args, token, path, clients)))
                _print_run(runs[-1])
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        _database(args.postgres, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    _report(args, runs)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[2, 4, 8],
        help="comma-separated concurrent HTTP client counts, each run against both endpoints",
    )
    parser.add_argument("--seconds", type=float, default=15, help="per endpoint and count (≤120)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (one per core)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    args.seconds = min(args.seconds, 120)
    return args


def _database(url: str, statement: str) -> None:
    with psycopg.connect(f"{url}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def _manage(env: dict, *command: str) -> str:
    return subprocess.run(
        [str(PYTHON), "manage.py", *command],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _gunicorn(args, env: dict, organization_id: str) -> subprocess.Popen:
    env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        "BENCH_BARE_ORGANIZATION_ID": organization_id,
    }
    command = [str(GUNICORN), "config.wsgi", "--workers", str(args.workers)]
    command += ["--threads", str(args.threads), "--bind", f"127.0.0.1:{args.port}"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)


def _wait_ready(port: int, token: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", OURS, headers=_headers(token))
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30 s")


def _headers(token: str) -> dict:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _body(rng: random.Random, sent: list[str]) -> str:
    """A new deployment, or (one time in five) a repeat of an earlier one that dedupes."""
    if sent and rng.random() < 0.2:
        return rng.choice(sent)
    repo = rng.randrange(REPOSITORIES)
    shas = [
        hashlib.sha1(f"{repo}/{rng.randint(1, PRS)}/merge".encode()).hexdigest()  # noqa: S324
        for _ in range(rng.randint(1, 20))
    ]
    if rng.random() < 0.2:
        shas.append(f"{rng.getrandbits(160):040x}")  # not known yet
    body = {"commitSha": shas, "environmentName": rng.choice(["production", "staging"])}
    if rng.random() < 0.1:
        body["tags"] = ["is_failure"]
    sent.append(json.dumps(body))
    return sent[-1]


def _load(args, token: str, path: str, clients: int) -> list[tuple[float, int]]:
    results: list[tuple[float, int]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + args.seconds

    def client(seed: int) -> None:
        # Same seed for both endpoints: the bare one parses exactly the bodies ours records.
        rng, sent = random.Random(seed), []
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        mine = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("POST", path, _body(rng, sent), _headers(token))
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                status = 0
            mine.append((time.perf_counter() - started, status))
        with lock:
            results.extend(mine)

    threads = [
        threading.Thread(target=client, args=(clients * 1000 + seed,)) for seed in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _print_run(run: Run) -> None:
    print(
        f"  {run.path:<20} {run.clients:>2} clients  {run.throughput:7.1f}/s  "
        f"p50 {run.percentile(50):6.1f} ms  p99 {run.percentile(99):6.1f} ms  "
        f"errors {run.errors}  statuses {_statuses(run)}",
        flush=True,
    )


def _statuses(run: Run) -> dict[int, int]:
    return dict(sorted(Counter(status for _, status in run.results).items()))


def _ratio(run: Run, bare: Run) -> float:
    return run.throughput / bare.throughput if bare.throughput else 0


def _report(args, runs: list[Run]) -> None:
    print(
        f"\nPOST, {args.seconds:g} s per endpoint and client count; one gunicorn, "
        f"{args.workers} workers x {args.threads} threads, PostgreSQL"
    )
    print(
        "clients  ours/s   bare/s  ratio  ours p50  ours p99  bare p99  errors*"
        "  checked/s  checked/bare"
    )
    triples = list(zip(runs[::3], runs[1::3], runs[2::3], strict=True))
    pairs = [(bare, ours) for bare, _, ours in triples]
    for bare, checked, ours in triples:
        print(
            f"{ours.clients:>7}  {ours.throughput:6.1f}  {bare.throughput:7.1f}  "
            f"{_ratio(ours, bare):5.2f}  "
            f"{ours.percentile(50):8.1f}  {ours.percentile(99):8.1f}  "
            f"{bare.percentile(99):8.1f}  {ours.errors + bare.errors + checked.errors:>6}"
            f"  {checked.throughput:9.1f}  {_ratio(checked, bare):12.2f}"
        )
    print(
        "checked: the same auth, scope, throttle and validation as ours, then bare's one-row "
        "insert (bench/urls_bench.py); errors*: of all three endpoints"
    )
    if pairs:
        # Saturation: the fewest clients that reach 90% of the best throughput seen.
        best = max(ours.throughput for _, ours in pairs)
        bare, ours = next(pair for pair in pairs if pair[1].throughput >= 0.9 * best)
        print(
            f"saturating concurrency {ours.clients} clients: ratio {_ratio(ours, bare):.2f} "
            "(target ≥ 0.5), "
            f"errors {ours.errors} (target 0), p99 {ours.percentile(99):.1f} ms (target ≤ 50)"
        )
    print("reproduce: " + shlex.join([".venv/bin/python", "bench/bench_post.py", *sys.argv[1:]]))


if __name__ == "__main__":
    sys.exit(main())
