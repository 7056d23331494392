"""Dashboard and metrics API latency on a large organization, over real HTTP.

Starts gunicorn (2 sync workers by default: one per core of the 2-core target machine, the
README's production setting) against DATABASE_URL with DEBUG off, logs in an admin of the
organization, and times each case sequentially (warm-ups first). Prints p50 / p95 beside
the targets, the peak RSS (VmHWM) of the workers, and the command to reproduce.

    createdb shiplog_perf
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/shiplog_perf
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py generate_dataset --org perf --scale large
    .venv/bin/python bench/bench_dashboard.py

The ten-times case (`--scale xlarge`, five years) is measured against its own targets:
`--target-p50 150 --target-p95 300`.

`--explain` instead runs each case once in-process and prints its query count, the slowest
queries and their EXPLAIN ANALYZE (PostgreSQL).
"""

import argparse
import http.client
import os
import re
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/shiplog_perf"
TARGET_P50_MS, TARGET_P95_MS, TARGET_WORKER_MB = 300, 600, 300
USERNAME, PASSWORD = "bench", "bench-password-not-secret"


def server_environment(database_url: str) -> dict[str, str]:
    """Production settings (DEBUG off) on plain HTTP, as behind a TLS-terminating proxy."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SHIPLOG_LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], *, port: int, workers: int):
    """A running gunicorn; always stopped (master and workers) on the way out."""
    if _responds(port):
        sys.exit(f"Port {port} is already serving something else; pick another with --port.")
    log = open(f"/tmp/bench-gunicorn-{port}.log", "w")  # noqa: SIM115 - closed in finally
    command = [GUNICORN, "config.wsgi", "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    command += ["--timeout", "120", "--access-logfile", "-"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while not _responds(port):
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"gunicorn did not start; see {log.name}")
            time.sleep(0.25)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def _responds(port: int) -> bool:
    try:
        request("GET", port, "/accounts/login/", timeout=2)
        return True
    except OSError:
        return False


def request(method, port, path, *, headers=None, body=None, timeout=60, first_byte=None):
    """One request on a fresh connection; returns (status, headers, body bytes). With
    `first_byte` (a list), appends the seconds until the status line and headers arrived."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        if first_byte is not None:
            first_byte.append(time.perf_counter() - started)
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _cookies(headers) -> dict[str, str]:
    found = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def log_in(port: int, username: str, password: str) -> str:
    """Logs in through the real login form; returns the Cookie header of the session."""
    status, headers, body = request("GET", port, "/accounts/login/")
    cookies = _cookies(headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not match or "csrftoken" not in cookies:
        sys.exit(f"Login page: unexpected response {status}")
    form = {"username": username, "password": password, "csrfmiddlewaretoken": match[1].decode()}
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookies['csrftoken']}",
    }
    status, response_headers, _ = request(
        "POST", port, "/accounts/login/", headers=headers, body=urlencode(form)
    )
    session = _cookies(response_headers).get("sessionid")
    if status != 302 or not session:
        sys.exit(f"Login as {username!r} failed (status {status}).")
    return f"sessionid={session}; csrftoken={cookies['csrftoken']}"


def worker_peak_rss_mb(master_pid: int) -> list[float]:
    """VmHWM (peak resident set) of each gunicorn worker, i.e. the master's children."""
    peaks = []
    for status_file in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status_file.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if int(fields.get("PPid", "0")) == master_pid and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return sorted(peaks)


def percentile(samples: list[float], fraction: float) -> float:
    """Interpolated percentile (statistics.quantiles, inclusive method)."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[round(fraction * 100) - 1]


def cases(org: str, repository: str, team: str, tag: str) -> list[tuple[str, str, bool]]:
    """(name, path, uses the API token): the views the issue lists, for page and API."""
    today = datetime.now(UTC).date()
    drilldown_week = today - timedelta(days=today.weekday(), weeks=5)
    five_years = f"weeks=custom&from={today - timedelta(days=1826)}&to={today}"
    five_years += "&granularity=month"
    page = [
        ("dashboard 12 weeks", "/?weeks=12"),
        ("dashboard 52 weeks", "/?weeks=52"),
        ("dashboard 5 years by month", f"/?{five_years}"),
        ("dashboard one repository", f"/?weeks=12&repository={repository}"),
        ("dashboard one team", f"/?weeks=12&team={team}"),
        ("dashboard tag filter", f"/?weeks=12&tag={tag}"),
        ("dashboard drilldown page", f"/?weeks=12&period={drilldown_week}&dpage=2&ppage=2"),
        ("CSV deployments 12 weeks", "/metrics/deployments.csv?weeks=12"),
        ("CSV pull requests 12 weeks", "/metrics/pull-requests.csv?weeks=12"),
    ]
    api = [
        ("API 12 weeks", "/api/v1/metrics?weeks=12"),
        ("API 52 weeks", "/api/v1/metrics?weeks=52"),
        ("API 5 years by month", f"/api/v1/metrics?{five_years}"),
        ("API one repository", f"/api/v1/metrics?weeks=12&repository={repository}"),
        ("API one team", f"/api/v1/metrics?weeks=12&team={team}"),
        ("API tag filter", f"/api/v1/metrics?weeks=12&tag={tag}"),
    ]
    return [(n, p, False) for n, p in page] + [(n, p, True) for n, p in api]


def selected_cases(options) -> list[tuple[str, str, bool]]:
    every = cases(options.org, options.repository, options.team, options.tag)
    return [case for case in every if options.case.lower() in case[0].lower()]


def measure_concurrently(port, path, headers, *, clients: int, **options):
    """`measure` from `clients` threads at once: every timing, every time to the first
    byte, the errors and the largest body. A client that fails stops the run."""
    results, failures = [], []

    def client() -> None:
        try:
            results.append(measure(port, path, headers, **options))
        except Exception as error:  # noqa: BLE001 - raised again below, in the main thread
            failures.append(error)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    timings = [timing for result in results for timing in result[0]]
    first_bytes = [timing for result in results for timing in result[1]]
    errors = sum(result[2] for result in results)
    return timings, first_bytes, errors, max(result[3] for result in results)


def measure(port, path, headers, *, warmups: int, repeats: int, budget: float):
    """Milliseconds per request (whole body read) and to its first byte, error count, body
    size. A case stops after `budget` seconds of measuring (with at least three samples),
    so a slow page cannot hold the run for an hour."""
    timings, first_bytes, errors, size = [], [], 0, 0
    measuring_since = None
    for attempt in range(warmups + repeats):
        if attempt == warmups:
            measuring_since = time.monotonic()
        started, first_byte = time.perf_counter(), []
        status, _, body = request("GET", port, path, headers=headers, first_byte=first_byte)
        elapsed = (time.perf_counter() - started) * 1000
        errors += status != 200
        size = len(body)
        if attempt >= warmups:
            timings.append(elapsed)
            first_bytes.append(first_byte[0] * 1000)
            if len(timings) >= 3 and time.monotonic() - measuring_since > budget:
                break
    return timings, first_bytes, errors, size


def run(options) -> int:
    env = server_environment(options.database_url)
    manage(env, "add_member", options.org, USERNAME, "--role", "admin", "--password", PASSWORD)
    token = manage(
        env,
        "create_api_token",
        "--org",
        options.org,
        "--name",
        "bench",
        "--scopes",
        "metrics:read",
    )
    manage(env, "collectstatic", "--noinput", "-v0")
    rows, misses = [], 0
    try:
        with gunicorn(env, port=options.port, workers=options.workers) as server:
            cookie = log_in(options.port, USERNAME, PASSWORD)
            for name, path, with_token in selected_cases(options):
                headers = (
                    {"Authorization": f"Bearer {token}"} if with_token else {"Cookie": cookie}
                )
                timings, first_bytes, errors, size = measure_concurrently(
                    options.port,
                    path,
                    headers,
                    clients=options.clients,
                    warmups=options.warmups,
                    repeats=options.repeats,
                    budget=options.budget,
                )
                p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
                ok = p50 <= options.target_p50 and p95 <= options.target_p95 and not errors
                misses += not ok
                first_byte = percentile(first_bytes, 0.5)
                rows.append(
                    (name, len(timings), p50, p95, max(timings), first_byte, errors, size, ok)
                )
                print(f"  {name}: p50 {p50:.0f} ms, p95 {p95:.0f} ms", file=sys.stderr)
            peaks = worker_peak_rss_mb(server.pid)
    finally:
        manage(env, "revoke_api_token", token)
    misses += not peaks or max(peaks) > TARGET_WORKER_MB
    report(options, rows, peaks)
    return 1 if misses else 0


def report(options, rows, peaks) -> None:
    print(
        f"\nDashboard and metrics API, org {options.org!r}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"{os.cpu_count()} CPUs, gunicorn {options.workers} sync workers, DEBUG off, ", end="")
    print(f"{options.clients} client(s) at once, ", end="")
    print(f"up to {options.repeats} requests each per case, {options.warmups} warm-ups ", end="")
    print(f"(at most {options.budget:.0f} s of measuring per case)\n")
    targets = f"p50 ms (≤ {options.target_p50:g}) | p95 ms (≤ {options.target_p95:g})"
    print(f"| case | n | {targets} | max ms | first byte p50 ms | errors | bytes | ok |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, n, p50, p95, slowest, first_byte, errors, size, ok in rows:
        cells = (
            f"{n} | {p50:.0f} | {p95:.0f} | {slowest:.0f} | {first_byte:.0f} | {errors} | {size}"
        )
        print(f"| {name} | {cells} | {'yes' if ok else '**no**'} |")
    peak = max(peaks) if peaks else float("nan")
    verdict = "yes" if peaks and peak <= TARGET_WORKER_MB else "**no**"
    print(f"| worker peak RSS (≤ {TARGET_WORKER_MB} MB) | | {peak:.0f} MB | | | | | | {verdict} |")
    print(f"\nWorkers' VmHWM: {', '.join(f'{p:.0f} MB' for p in peaks)}")
    command = [".venv/bin/python", "bench/bench_dashboard.py", *sys.argv[1:]]
    if "--database-url" not in sys.argv:
        command += ["--database-url", options.database_url]
    print("Reproduce: " + shlex.join(command))


def explain(options) -> int:
    """Each case once in-process (after one warm-up): status, query count, SQL time, and the
    slowest queries with EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL. API cases use the session."""
    # Every query on the one captured connection (the lead times would otherwise run on a
    # second one: metrics.parallel).
    env = server_environment(options.database_url) | {"SHIPLOG_CONCURRENT_QUERIES": "false"}
    manage(env, "add_member", options.org, USERNAME, "--role", "admin", "--password", PASSWORD)
    manage(env, "collectstatic", "--noinput", "-v0")
    os.environ.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=USERNAME))
    for name, path, _ in selected_cases(options):
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            if response.streaming:
                b"".join(response.streaming_content)
            elapsed = (time.perf_counter() - started) * 1000
        queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
        total = sum(float(q["time"]) for q in queries) * 1000
        print(f"\n## {name} ({path}): status {response.status_code}, {len(queries)} queries, ")
        print(f"{total:.0f} ms in SQL, {elapsed:.0f} ms in all")
        for query in queries[: options.top]:
            print(f"   {float(query['time']) * 1000:6.0f} ms  {query['sql'][:150]}")
        for query in queries[: options.slowest]:
            print(f"\n-- {float(query['time']) * 1000:.0f} ms\n{query['sql']}\n")
            statement = query["sql"].lstrip()
            if statement.startswith(("SELECT", "WITH")):
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    print("\n".join(row[0] for row in cursor.fetchall()))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--org", default="perf")
    parser.add_argument("--repository", default="perf/service-001", help="The busiest one.")
    parser.add_argument("--team", default="team-01")
    parser.add_argument("--tag", default="release")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0, help="Default: a free one.")
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument(
        "--clients",
        type=lambda text: max(1, int(text)),
        default=1,
        help="Clients requesting each case at the same time (at least 1).",
    )
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--target-p50", type=float, default=TARGET_P50_MS, metavar="MS")
    parser.add_argument("--target-p95", type=float, default=TARGET_P95_MS, metavar="MS")
    parser.add_argument("--case", default="", help="Only cases whose name contains this.")
    parser.add_argument(
        "--budget", type=float, default=60, help="Seconds of measuring per case, at most."
    )
    parser.add_argument("--explain", action="store_true", help="Query counts and plans instead.")
    parser.add_argument("--slowest", type=int, default=3, help="With --explain: plans shown.")
    parser.add_argument("--top", type=int, default=10, help="With --explain: queries listed.")
    options = parser.parse_args()
    options.port = options.port or free_port()
    return explain(options) if options.explain else run(options)


if __name__ == "__main__":
    sys.exit(main())
