"""What the hardening scripts (soak, db_fault) share: a real gunicorn on a database made for
the run, an HTTP client that records every answer, and the checks that every 201 is really
stored."""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
API_PATH = "/api/v1/deployments"


def server_env(database_url: str, **overrides: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        # A fixed Fernet key (32 bytes, base64): the benches store webhook secrets.
        "SHIPLOG_SECRETS_KEY": "YmVuY2gtb25seS1rZXktYmVuY2gtb25seS1rZXktISE=",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        # These scripts prove durability, not the per-token throttle: lift the limit.
        "SHIPLOG_API_THROTTLE_RATE": "1000000/min",
        "SHIPLOG_LOG_LEVEL": "WARNING",
        **overrides,
    }


def manage(env: dict, *command: str) -> str:
    completed = subprocess.run(
        [str(PYTHON), "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if completed.returncode:
        raise SystemExit(f"manage.py {' '.join(command)} failed:\n{completed.stderr}")
    return completed.stdout


def organization_with_token(env: dict, slug: str) -> str:
    """An organization and a deployments:write token, through the management commands."""
    manage(env, "create_organization", slug)
    return manage(env, "create_api_token", "--org", slug).strip()


def database_prepare(env: dict) -> None:
    manage(env, "migrate", "--noinput", "-v0")


def postgres_server(url: str | None) -> str:
    """The URL, without a database name, of the server a script makes its databases on:
    `url` if given, else the embedded server of var/postgres/ (`make run`'s and `make
    test`'s), which this process then holds until it exits."""
    if url:
        return url.rstrip("/")
    sys.path.insert(0, str(ROOT))
    from config.embedded_postgres import embedded_database_url

    return embedded_database_url(ROOT / "var" / "postgres", "postgres").rpartition("/")[0]


class Gunicorn:
    """gunicorn serving config.wsgi; its stderr goes to a file the scripts inspect."""

    def __init__(self, env: dict, *, port: int, workers: int = 2, threads: int = 4, log: Path):
        self.port, self.log = port, log
        command = [str(GUNICORN), "config.wsgi", "--workers", str(workers)]
        command += ["--threads", str(threads), "--bind", f"127.0.0.1:{port}"]
        command += ["--graceful-timeout", "5", "--timeout", "60"]
        self._log_file = log.open("w")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=self._log_file)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.log.read_text()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/accounts/login/")
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_file.close()


@dataclass
class Answer:
    """One request and what came back (status 0: no HTTP answer at all)."""

    kind: str
    request_id: str
    started: float
    seconds: float
    status: int
    body: dict | None
    header_request_id: str | None
    sent: dict | None = None


@dataclass
class Recorder:
    answers: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def statuses(self) -> Counter:
        return Counter(answer.status for answer in self.answers)

    def created(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.status == 201]


class Client:
    """One keep-alive connection; reconnects after a failure (which it records as status 0)."""

    def __init__(self, port: int, *, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def post(self, *, kind: str, request_id: str, token: str, body: bytes, sent=None) -> Answer:
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "X-Request-ID": request_id,
        }
        started = time.monotonic()
        try:
            self.connection.request("POST", API_PATH, body, headers)
            response = self.connection.getresponse()
            raw = response.read()
            status, header_id = response.status, response.getheader("X-Request-ID")
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = self._connect()
            raw, status, header_id = b"", 0, None
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        seconds = time.monotonic() - started
        return Answer(kind, request_id, started, seconds, status, parsed, header_id, sent)


def stored_rows(fetch) -> tuple[dict[str, int], set[tuple], int]:
    """(receipt request id → deployment id, deployment keys, deployment row count).

    `fetch(sql)` runs a query on the run's database and returns its rows.
    """
    receipts = dict(fetch("SELECT request_id, deployment_id FROM deployments_deploymentreceipt"))
    deployments = fetch(
        "SELECT o.slug, d.environment_name, d.shas FROM deployments_deployment d "
        "JOIN organizations_organization o ON o.id = d.organization_id"
    )
    keys = {
        (slug, environment, frozenset(json.loads(shas) if isinstance(shas, str) else shas))
        for slug, environment, shas in deployments
    }
    return receipts, keys, len(deployments)


def answer_key(answer: Answer) -> tuple:
    """The deduplication key the server must have stored for a 201 answer."""
    organization, environment, shas = answer.sent["key"]
    return organization, environment, frozenset(sha.lower() for sha in shas)


def verify_created(recorder: Recorder, fetch, *, expect_exact_keys: bool) -> list[str]:
    """Every 201 has its receipt, pointing at the deployment the answer named; with
    expect_exact_keys, the deployments are exactly the distinct keys that got a 201."""
    receipts, keys, row_count = stored_rows(fetch)
    created = recorder.created()
    failures = []
    missing = [a.request_id for a in created if a.request_id not in receipts]
    if missing:
        failures.append(f"{len(missing)} answers were 201 but have no receipt: {missing[:5]}")
    wrong = [
        a.request_id
        for a in created
        if a.request_id in receipts and receipts[a.request_id] != (a.body or {}).get("id")
    ]
    if wrong:
        failures.append(f"{len(wrong)} receipts point at another deployment: {wrong[:5]}")
    expected = {answer_key(answer) for answer in created}
    if not expected <= keys:
        failures.append(f"{len(expected - keys)} keys that got a 201 have no deployment")
    if expect_exact_keys and keys != expected:
        failures.append(f"{len(keys - expected)} deployments exist that no 201 announced")
    extra_receipts = set(receipts) - {answer.request_id for answer in created}
    if expect_exact_keys and extra_receipts:
        failures.append(f"{len(extra_receipts)} receipts of requests that got no 201")
    if row_count != len(keys):
        failures.append(f"{row_count - len(keys)} duplicate deployment rows")
    return failures


def latency_summary(answers: list[Answer]) -> str:
    if not answers:
        return "no requests"
    ordered = sorted(answer.seconds * 1000 for answer in answers)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    return f"p50 {at(0.5):.0f} ms  p99 {at(0.99):.0f} ms  max {ordered[-1]:.0f} ms"


def verdict_print(failures: list[str]) -> None:
    """Each failure, then PASS or FAIL: the last lines every hardening script prints."""
    for failure in failures:
        print(f"  FAIL: {failure}")
    print("PASS" if not failures else "FAIL")
