"""The lead times run on a second connection beside the rest of a page (metrics.parallel).

Another connection sees only committed rows, so the background path is tested with
`transactional_db`; inside a transaction (the `db` fixture) it runs inline.
"""

import threading
from dataclasses import asdict
from datetime import UTC, date, datetime

import pytest
from django.db import OperationalError, connection

from config.middleware import request_id_var
from metrics import parallel, report
from metrics.query import MetricsQuery
from sampledata.synthetic import SCALES, dataset_generate
from tests.factories import make_membership, make_user

BACKGROUND = "shiplog-query"


@pytest.fixture
def concurrent(transactional_db, settings):
    settings.SHIPLOG_CONCURRENT_QUERIES = True


def _thread_name() -> str:
    return threading.current_thread().name


def test_lead_times_computed_beside_the_counts_give_the_same_report(concurrent, monkeypatch):
    organization = dataset_generate(
        slug="beside", scale=SCALES["small"], seed=3, end=datetime(2026, 1, 5, tzinfo=UTC)
    ).organization
    threads = []
    change_lead_time = report.change_lead_time

    def lead_times_recording_thread(**kwargs):
        threads.append(_thread_name())
        return change_lead_time(**kwargs)

    monkeypatch.setattr(report, "change_lead_time", lead_times_recording_thread)
    query = MetricsQuery(organization, date(2025, 1, 6), date(2026, 1, 4))

    beside = report.metrics_report(query=MetricsQuery(organization, query.start, query.end))
    monkeypatch.setattr(parallel, "_may_run_beside", lambda: False)
    inline = report.metrics_report(query=MetricsQuery(organization, query.start, query.end))

    assert threads[0].startswith(BACKGROUND)
    assert threads[1] == _thread_name()
    assert asdict(beside) == asdict(inline)
    assert beside.lead_times.pull_requests > 0


def test_inside_a_transaction_it_runs_inline(db, settings):
    # Another connection would not see what this transaction has not committed.
    settings.SHIPLOG_CONCURRENT_QUERIES = True
    assert connection.in_atomic_block
    assert parallel.started(_thread_name)() == _thread_name()


def test_the_request_id_reaches_the_background_threads_log_lines(concurrent):
    token = request_id_var.set("req-beside")
    try:
        pending = parallel.started(lambda: (_thread_name(), request_id_var.get()))
    finally:
        request_id_var.reset(token)
    thread, request_id = pending()
    assert thread.startswith(BACKGROUND)
    assert request_id == "req-beside"


def test_it_runs_inline_when_switched_off(concurrent, settings):
    settings.SHIPLOG_CONCURRENT_QUERIES = False
    assert parallel.started(_thread_name)() == _thread_name()


def test_a_page_never_waits_behind_another_pages_query(concurrent):
    gate = threading.Event()

    def held() -> str:
        gate.wait(timeout=10)
        return _thread_name()

    first = parallel.started(held)
    # The background thread is busy: the second query runs inline, without waiting.
    second = parallel.started(_thread_name)
    gate.set()
    assert first().startswith(BACKGROUND)
    assert second() == _thread_name()
    assert parallel.started(_thread_name)().startswith(BACKGROUND)


def test_an_error_in_the_background_reaches_the_caller_and_frees_the_thread(concurrent):
    def lost_database():
        raise OperationalError("the database went away")

    pending = parallel.started(lost_database)
    with pytest.raises(OperationalError, match="went away"):
        pending()
    assert parallel.started(_thread_name)().startswith(BACKGROUND)


def test_the_dashboard_answers_503_when_the_background_query_loses_the_database(
    concurrent, client, monkeypatch
):
    organization = dataset_generate(
        slug="lost", scale=SCALES["small"], seed=4, end=datetime(2026, 1, 5, tzinfo=UTC)
    ).organization
    user = make_user("watcher")
    make_membership(user, organization)
    client.force_login(user)

    def lost_database(**kwargs):
        assert _thread_name().startswith(BACKGROUND)
        raise OperationalError("the database went away")

    monkeypatch.setattr(report, "change_lead_time", lost_database)
    response = client.get("/?from=2025-12-01&to=2026-01-04&weeks=custom")
    assert response.status_code == 503
    assert b"briefly unavailable" in response.content


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_background_connection_that_broke_is_replaced(concurrent):
    # As after a database restart: the thread's kept connection is dead, and the next
    # page's health check replaces it instead of failing.
    first = parallel.started(_backend_pid)()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
    second = parallel.started(_backend_pid)()
    assert second != first
