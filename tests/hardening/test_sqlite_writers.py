"""The embedded SQLite default takes concurrent writers over real HTTP (bench/sqlite_writers.py,
shortened): no "database is locked" and no 5xx reaches a client."""

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_concurrent_writers_on_sqlite_all_get_a_201_and_are_stored():
    completed = subprocess.run(
        [
            sys.executable,
            "bench/sqlite_writers.py",
            "--clients",
            "8",
            "--requests",
            "6",
            "--port",
            str(_free_port()),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "statuses: {201: 48}" in completed.stdout
    assert completed.stdout.strip().endswith("PASS")
