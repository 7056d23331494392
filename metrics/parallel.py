"""A page's longest query on a second database connection, beside the rest of the page.

A request runs its queries one after another on one connection, so while PostgreSQL
computes the lead-time percentiles, the page's longest query, a second core of the server
would sit idle. `started` runs such a function on a background thread, which has its own
connection, while the request goes on; calling what it returns joins it. Under full load
it gains nothing: the same queries run, at the cost of a second connection and a
hand-over between threads.

The function runs inline instead (`started` computes it at once, and raises its error)
when:
- the request's connection is inside a transaction: another connection would not see what
  it has not committed (so every test using the `db` fixture runs inline);
- SHIPLOG_CONCURRENT_QUERIES is off;
- the background thread is busy with another request's query (a threaded worker): a page
  never waits behind another page.
"""

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.conf import settings
from django.db import close_old_connections, connection, connections

T = TypeVar("T")

_idle = threading.BoundedSemaphore(1)
_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def started(function: Callable[..., T], /, **kwargs) -> Callable[[], T]:
    """Starts `function(**kwargs)`; the returned callable gives its result, or raises its
    exception when it ran in the background."""
    if not _may_run_beside() or not _idle.acquire(blocking=False):
        result = function(**kwargs)
        return lambda: result
    try:
        context = contextvars.copy_context()
        future = _executor().submit(_on_own_connection, context, function, kwargs)
    except BaseException:
        _idle.release()
        raise
    return future.result


def connections_close() -> None:
    """Closes the background thread's connection (a test run does before it drops its
    database; a server never needs to)."""
    if _pool is not None:
        _pool.submit(connections.close_all).result()


def _may_run_beside() -> bool:
    return settings.SHIPLOG_CONCURRENT_QUERIES and not connection.in_atomic_block


def _executor() -> ThreadPoolExecutor:
    # Made on first use, in the worker process that serves requests: a thread made before
    # gunicorn forks would not exist in the workers.
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shiplog-query")
        return _pool


def _on_own_connection(context: contextvars.Context, function: Callable[..., T], kwargs) -> T:
    # The thread's connection lives like a request's: checked (and replaced when broken or
    # older than DATABASE_CONN_MAX_AGE) before the work, kept or closed after it. The
    # caller's context carries the request id onto any log line. The thread is freed even
    # when closing a broken connection fails.
    try:
        close_old_connections()
        return context.run(function, **kwargs)
    finally:
        try:
            close_old_connections()
        finally:
            _idle.release()
