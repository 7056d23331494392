"""SQLite under concurrent writers: no "database is locked" reaches a client.

The embedded default (a file database in WAL mode, busy timeout, BEGIN IMMEDIATE) behind
gunicorn with 2 workers x 8 threads, and 16 clients posting at once: new deployments and,
every few requests, the same deployment from every client (the dedupe race). Proves every
request got a 201, every 201 is stored once with its receipt, and the server logged no
"database is locked".

    .venv/bin/python bench/sqlite_writers.py --clients 16 --requests 40
"""

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

from harness import (
    Client,
    Gunicorn,
    Recorder,
    database_prepare,
    latency_summary,
    organization_with_token,
    server_env,
    verdict_print,
    verify_created,
)

ORGANIZATION = "writers"
# Every SHARED_EVERY-th request of each client sends the same deployment as all the others.
SHARED_EVERY = 5


def _client(port: int, token: str, recorder: Recorder, number: int, requests: int, start):
    rng = random.Random(number)
    client = Client(port, timeout=60)
    start.wait()
    for sequence in range(requests):
        if sequence % SHARED_EVERY == 0:
            sha = f"{sequence:040x}"
        else:
            sha = f"{rng.getrandbits(160):040x}"
        body = {"commitSha": sha, "environmentName": "production", "tags": ["load"]}
        recorder.add(
            client.post(
                kind="write",
                request_id=f"writer-{number}-{sequence}",
                token=token,
                body=json.dumps(body).encode(),
                sent={"key": (ORGANIZATION, "production", [sha])},
            )
        )


def main() -> int:
    args = _arguments().parse_args()
    directory = Path(tempfile.mkdtemp(prefix="shiplog-sqlite-"))
    database = directory / "shiplog.sqlite3"
    env = server_env(f"sqlite:///{database}")
    database_prepare(env)
    token = organization_with_token(env, ORGANIZATION)
    recorder = Recorder()
    server = Gunicorn(env, port=args.port, workers=2, threads=args.threads, log=directory / "log")
    try:
        start = threading.Barrier(args.clients)
        threads = [
            threading.Thread(
                target=_client,
                args=(args.port, token, recorder, number, args.requests, start),
            )
            for number in range(args.clients)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
    finally:
        server.stop()
    server_log = (directory / "log").read_text()
    with sqlite3.connect(database) as connection:
        journal_mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
        failures = verify_created(
            recorder, lambda sql: connection.execute(sql).fetchall(), expect_exact_keys=True
        )
    statuses = recorder.statuses()
    if set(statuses) != {201}:
        failures.append(f"not every request got a 201: {dict(statuses)}")
    if "database is locked" in server_log:
        failures.append('the server logged "database is locked"')
    _report(args, recorder, elapsed, journal_mode, failures)
    if not failures:
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()
    else:
        print(f"  kept for inspection: {directory}")
    return 1 if failures else 0


def _report(args, recorder: Recorder, elapsed: float, journal_mode: str, failures) -> None:
    created = recorder.created()
    print(
        f"SQLite writers: {args.clients} clients x {args.requests} POSTs, gunicorn 2 workers x "
        f"{args.threads} threads, journal_mode={journal_mode}"
    )
    print(f"  statuses: {dict(sorted(recorder.statuses().items()))}  in {elapsed:.1f} s")
    print(f"  throughput: {len(created) / elapsed:.1f} deployments/s")
    print(f"  latency: {latency_summary(recorder.answers)}")
    distinct = len({answer.sent["key"][2][0] for answer in created})
    print(f"  201 answers: {len(created)}  distinct deployments: {distinct}")
    verdict_print(failures)


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=40, help="POSTs per client")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--port", type=int, default=8773)
    return parser


if __name__ == "__main__":
    sys.exit(main())
