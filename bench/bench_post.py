"""POST /api/v1/deployments over real HTTP: gunicorn (2 workers) on a fresh PostgreSQL database.

Creates a throw-away database, migrates it, loads an organization with commits and merged
PRs, starts gunicorn, then N client threads POST realistic deployments (1–5 SHAs, mostly
known merge commits, some unknown, now and then a repeat that dedupes) for a bounded time.
Prints throughput, latency percentiles and errors; stops gunicorn and drops the database.

    .venv/bin/python bench/bench_post.py --clients 8 --seconds 20
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
from pathlib import Path

import psycopg
from harness import server_env

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SETUP = """
import hashlib, datetime
from django.utils import timezone
from organizations.models import Organization
from repositories.models import Commit, PullRequest, Repository
from tokens.services import token_generate
org = Organization.objects.create(slug="bench", name="Bench")
now = timezone.now()
sha = lambda *p: hashlib.sha1("/".join(map(str, p)).encode()).hexdigest()
for r in range(5):
    repo = Repository.objects.create(organization=org, full_name=f"bench/repo{r}")
    at = lambda n: now - datetime.timedelta(hours=n)
    Commit.objects.bulk_create([
        Commit(organization=org, repository=repo, sha=sha(r, n, "merge"), message=f"Merge #{n}",
               authored_at=at(n), committed_at=at(n)) for n in range(1, 401)])
    PullRequest.objects.bulk_create([
        PullRequest(organization=org, repository=repo, number=n, title=f"PR {n}", state="merged",
                    merged_at=at(n), merge_commit_sha=sha(r, n, "merge")) for n in range(1, 401)])
print(token_generate(organization=org)[1])
"""


def main() -> int:
    args = _arguments().parse_args()
    database = f"shiplog_bench_{os.getpid()}"
    env = server_env(f"{args.postgres}/{database}")
    _database(args.postgres, f"CREATE DATABASE {database}")
    server = None
    try:
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "createcachetable")
        token = _manage(env, "shell", "-c", SETUP).strip().splitlines()[-1]
        server = _gunicorn(args, env)
        _wait_ready(args.port, token)
        results = _load(args, token)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        _database(args.postgres, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    _report(args, results)
    return 0


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--seconds", type=float, default=20, help="how long to send (max 120)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    return parser


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


def _gunicorn(args, env: dict) -> subprocess.Popen:
    command = [str(GUNICORN), "config.wsgi", "--workers", str(args.workers)]
    command += ["--threads", str(args.threads), "--bind", f"127.0.0.1:{args.port}"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)


def _wait_ready(port: int, token: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/v1/deployments", headers=_headers(token))
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30 s")


def _headers(token: str) -> dict:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _body(rng: random.Random) -> str:
    repo = rng.randrange(5)
    shas = [
        hashlib.sha1(f"{repo}/{rng.randint(1, 400)}/merge".encode()).hexdigest()  # noqa: S324
        for _ in range(rng.randint(1, 5))
    ]
    if rng.random() < 0.2:
        shas.append(f"{rng.getrandbits(160):040x}")  # not known yet
    body = {"commitSha": shas, "environmentName": rng.choice(["production", "staging"])}
    if rng.random() < 0.1:
        body["tags"] = ["is_failure"]
    return json.dumps(body)


def _load(args, token: str) -> list[tuple[float, int]]:
    results: list[tuple[float, int]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + min(args.seconds, 120)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        mine = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/deployments", _body(rng), _headers(token))
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

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _report(args, results: list[tuple[float, int]]) -> None:
    latencies = sorted(latency * 1000 for latency, status in results if status == 201)
    statuses = Counter(status for _, status in results)
    seconds = min(args.seconds, 120)
    percentiles = statistics.quantiles(latencies, n=100, method="inclusive") if latencies else []
    print(f"POST /api/v1/deployments, {args.clients} clients, {seconds:g} s, gunicorn ")
    print(f"  {args.workers} workers x {args.threads} threads, PostgreSQL")
    print(f"  requests: {len(results)}  throughput: {len(latencies) / seconds:.1f} deployments/s")
    if percentiles:
        print(
            f"  latency ms: p50 {percentiles[49]:.1f}  p90 {percentiles[89]:.1f}  "
            f"p99 {percentiles[98]:.1f}  max {latencies[-1]:.1f}"
        )
    print(f"  statuses: {dict(sorted(statuses.items()))}  errors: {len(results) - len(latencies)}")
    print("  reproduce: " + shlex.join([".venv/bin/python", "bench/bench_post.py", *sys.argv[1:]]))


if __name__ == "__main__":
    sys.exit(main())
