"""Soak: 8 concurrent clients send new, duplicate and invalid deployments over real HTTP to
gunicorn (2 workers) on a fresh PostgreSQL database (on the embedded server unless --postgres
names another), then prove nothing was lost.

Afterwards: every 201 has its receipt (by request id) pointing at the deployment it named,
the deployments are exactly the distinct (organization, environment, SHA set) keys that got
a 201, invalid requests got a 4xx and stored nothing, and no request got a 5xx.

    .venv/bin/python bench/soak.py --seconds 120
"""

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from harness import (
    Client,
    Gunicorn,
    Recorder,
    answer_key,
    database_prepare,
    latency_summary,
    organization_with_token,
    postgres_server,
    server_env,
    verdict_print,
    verify_created,
)

ORGANIZATIONS = ["soak-a", "soak-b"]
ENVIRONMENTS = ["production", "staging", "qa"]
UNKNOWN_TOKEN = "shl_" + "A" * 42
EXPECTED_STATUS = {"new": 201, "duplicate": 201, "invalid": 400, "unauthorized": 401}


def _sha(rng: random.Random) -> str:
    sha = f"{rng.getrandbits(160):040x}"
    return sha if rng.random() < 0.8 else sha[: rng.randint(7, 39)]


def _new_body(rng: random.Random) -> tuple[str, dict]:
    body = {
        "commitSha": [_sha(rng) for _ in range(rng.randint(1, 4))],
        "environmentName": rng.choice(ENVIRONMENTS),
    }
    if rng.random() < 0.3:
        body["tags"] = rng.sample(["is_failure", "sev1", "hotfix", "launch"], k=2)
    if rng.random() < 0.2:
        body["title"] = f"Release {rng.randint(1, 9999)}"
    if rng.random() < 0.1:
        body["isTest"] = True
    return rng.choice(ORGANIZATIONS), body


def _duplicate_of(rng: random.Random, organization: str, body: dict) -> dict:
    """The same key in another spelling: SHAs reordered and upper-cased, other details."""
    shas = [sha.upper() if rng.random() < 0.5 else sha for sha in body["commitSha"]]
    rng.shuffle(shas)
    return {**body, "commitSha": shas, "title": f"Retry {rng.randint(1, 99)}"}


INVALID_BODIES = [
    {"commitSha": "not-a-sha", "environmentName": "production"},
    {"commitSha": ["8f14e45fceea167a5a36dedd4bea2543d3c5a1b2"]},
    {"commitSha": [], "environmentName": "production"},
    {"commitSha": "8f14e45fceea167a5a36dedd4bea2543d3c5a1b2", "environmentName": 42},
    {"commitSha": "8f14e45", "environmentName": "prod\u0000uction"},
    {"commitSha": "8f14e45", "environmentName": "x" * 201},
    {"commitSha": "8f14e45", "environmentName": "production", "tags": ["t"] * 51},
    {"commitSha": "8f14e45", "environmentName": "production", "deployedAt": "2999-01-01T00:00Z"},
    {"commitSha": "8f14e45", "environmentName": "production", "isTest": "maybe"},
    [1, 2, 3],
]


class Soak:
    def __init__(self, args, port: int, tokens: dict[str, str]):
        self.args, self.port, self.tokens = args, port, tokens
        self.recorder = Recorder()
        self.sent_ok: list[tuple[str, dict]] = []
        self.lock = threading.Lock()

    def run(self) -> None:
        stop_at = time.monotonic() + self.args.seconds
        threads = [
            threading.Thread(target=self._client, args=(number, stop_at))
            for number in range(self.args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _client(self, number: int, stop_at: float) -> None:
        rng = random.Random(f"{self.args.seed}-{number}")
        client = Client(self.port)
        sequence = 0
        while time.monotonic() < stop_at:
            sequence += 1
            kind, organization, payload = self._pick(rng)
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            token = UNKNOWN_TOKEN if kind == "unauthorized" else self.tokens[organization]
            sent = None
            if kind in ("new", "duplicate"):
                key = (organization, payload["environmentName"], payload["commitSha"])
                sent = {"key": key}
            answer = client.post(
                kind=kind, request_id=f"soak-{number}-{sequence}", token=token, body=raw, sent=sent
            )
            self.recorder.add(answer)
            if kind == "new" and answer.status == 201:
                with self.lock:
                    self.sent_ok.append((organization, payload))

    def _pick(self, rng: random.Random) -> tuple[str, str, dict | bytes]:
        roll = rng.random()
        with self.lock:
            earlier = rng.choice(self.sent_ok) if self.sent_ok else None
        if roll < 0.3 and earlier:
            organization, body = earlier
            return "duplicate", organization, _duplicate_of(rng, organization, body)
        if roll < 0.5:
            invalid = rng.choice([*INVALID_BODIES, b'{"commitSha": ', b"\xff\xfe{}"])
            return "invalid", rng.choice(ORGANIZATIONS), invalid
        if roll < 0.53:
            return "unauthorized", "", _new_body(rng)[1]
        organization, body = _new_body(rng)
        return "new", organization, body


def _failures(recorder: Recorder, fetch) -> list[str]:
    failures = []
    by_status = recorder.statuses()
    if any(status >= 500 or status == 0 for status in by_status):
        failures.append(f"server errors or dropped connections: {dict(by_status)}")
    unexpected = [a for a in recorder.answers if a.status != EXPECTED_STATUS[a.kind]]
    if unexpected:
        sample = [(a.kind, a.status, a.body) for a in unexpected[:3]]
        failures.append(f"{len(unexpected)} answers with an unexpected status: {sample}")
    unnamed = [a for a in recorder.answers if a.header_request_id != a.request_id]
    if unnamed:
        failures.append(f"{len(unnamed)} answers without their X-Request-ID")
    return failures + verify_created(recorder, fetch, expect_exact_keys=True)


def main() -> int:
    args = _arguments().parse_args()
    postgres = postgres_server(args.postgres)
    database = f"shiplog_soak_{os.getpid()}"
    admin_url = f"{postgres}/postgres"
    env = server_env(f"{postgres}/{database}")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {database}")
    server = None
    try:
        database_prepare(env)
        tokens = {slug: organization_with_token(env, slug) for slug in ORGANIZATIONS}
        log = Path(tempfile.gettempdir()) / f"{database}.gunicorn.log"
        server = Gunicorn(env, port=args.port, workers=2, threads=args.threads, log=log)
        soak = Soak(args, args.port, tokens)
        soak.run()
        server.stop()
        server = None
        with psycopg.connect(f"{postgres}/{database}") as connection:
            failures = _failures(soak.recorder, lambda sql: connection.execute(sql).fetchall())
            stored = connection.execute(
                "SELECT (SELECT count(*) FROM deployments_deploymentreceipt),"
                " (SELECT count(*) FROM deployments_deployment)"
            ).fetchone()
    finally:
        if server:
            server.stop()
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    _report(args, soak.recorder, stored, failures)
    return 1 if failures else 0


def _report(args, recorder: Recorder, stored: tuple[int, int], failures: list[str]) -> None:
    kinds: dict[str, int] = {}
    for answer in recorder.answers:
        kinds[answer.kind] = kinds.get(answer.kind, 0) + 1
    created = recorder.created()
    print(f"Soak: {args.clients} clients for {args.seconds:g} s, gunicorn 2 workers x ", end="")
    print(f"{args.threads} threads, PostgreSQL, seed {args.seed}")
    print(f"  requests: {len(recorder.answers)}  by kind: {kinds}")
    print(f"  statuses: {dict(sorted(recorder.statuses().items()))}")
    keys = {answer_key(answer) for answer in created}
    print(f"  201 answers: {len(created)}  receipts stored: {stored[0]}")
    print(f"  distinct keys that got a 201: {len(keys)}  deployment rows: {stored[1]}")
    print(f"  latency: {latency_summary(recorder.answers)}")
    verdict_print(failures)


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--seed", default="shiplog")
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument(
        "--postgres",
        help="server URL without a database name (default: the embedded server of var/postgres/)",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
