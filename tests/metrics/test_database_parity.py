"""On PostgreSQL the metrics are aggregated in the database; on SQLite in Python. Both paths
must give the same numbers: this runs each over the synthetic organization (log-normal
timings, unknown parts, merge-based repositories, bots, tests, tags) and compares them.

CI runs the suite on PostgreSQL, where both paths exist; SQLite has only one path to run.
"""

import csv
import io
import itertools
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import F

from deployments.dataset import SCALES, dataset_generate
from metrics import calculations, selectors, tables
from metrics.query import MetricsQuery
from tests.factories import make_repository
from tests.metrics.helpers import at, make_deployment, make_merged_pr

END = datetime(2026, 1, 5, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _close(left, right) -> bool:
    """Equal, with percentiles allowed to differ in the last bits of the interpolation."""
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_close(left[k], right[k]) for k in left)
    if isinstance(left, float) and isinstance(right, float):
        return left == pytest.approx(right, rel=1e-9)
    return left == right


@pytest.fixture
def synthetic(db):
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL has a second (in-database) path to compare")
    organization = dataset_generate(
        slug="parity", scale=SCALES["small"], seed=5, end=END
    ).organization
    _add_odd_pull_requests(organization)
    return organization


def _add_odd_pull_requests(organization):
    """What the generator never makes: parts that would be negative (commits pushed after
    the PR opened, a review before it), unknown parts (history imported from git), in a
    repository that is never deployed (lead time ends at the merge) and in one that is."""
    author = organization.contributors.filter(is_tracked=True, is_bot=False).first()
    quiet = make_repository(organization, "parity/quiet")
    busy = make_repository(organization, "parity/busy")
    for day in range(1, 29):
        merged = at(f"2025-12-{day:02d}", 12)
        odd = [
            # first commit after opening; review before opening
            dict(
                first_commit_at=merged - 5 * HOUR,
                opened_at=merged - 9 * HOUR,
                first_review_at=merged - 10 * HOUR,
            ),
            # imported from git: no opening, no review
            dict(first_commit_at=merged - day * HOUR),
            # no first commit known at all
            dict(first_commit_at=None, opened_at=merged - 2 * HOUR),
        ]
        for number, fields in enumerate(odd):
            title = ODD_TITLES[(day + number) % len(ODD_TITLES)]
            make_merged_pr(quiet, author=author, merged_at=merged, title=title, **fields)
            shipped = make_merged_pr(busy, author=author, merged_at=merged, title=title, **fields)
            make_deployment(
                organization,
                commits=[shipped.commit],
                pull_requests=[shipped],
                deployed_at=merged + (day % 4) * HOUR,
                title=title,
                tags=ODD_TAGS[(day + number) % len(ODD_TAGS)],
            )


# What CSV must quote or keep apart: empty, separators, quotes, line breaks, non-ASCII.
ODD_TITLES = ["", "Fix, then ship", 'Say "hi"', "Two\nlines", "Carriage\rreturn", "Ünïcode ✓", " "]
ODD_TAGS = [[], ["release"], ["Ünï", "x,y"], ['say "hi"', "release", "canary"]]
RANGE_2025 = (date(2025, 12, 1), date(2025, 12, 31))
QUERIES = [
    {"start": date(2024, 1, 1), "end": date(2026, 1, 4), "granularity": "month"},
    {"start": date(2025, 10, 13), "end": date(2026, 1, 4)},
    {"start": date(2025, 12, 1), "end": date(2026, 1, 4), "granularity": "day"},
    {"start": date(2025, 6, 4), "end": date(2025, 9, 17), "statistic": "p90"},
    {"start": date(2025, 1, 6), "end": date(2026, 1, 4), "teams": ("team-01", "team-02")},
    {"start": date(2025, 1, 6), "end": date(2026, 1, 4), "tags": ("release",)},
    {"start": date(2025, 1, 6), "end": date(2026, 1, 4), "environments": ("staging",)},
    {"start": date(2025, 1, 6), "end": date(2026, 1, 4), "repositories": ("parity/service-001",)},
    {"start": date(2030, 1, 7), "end": date(2030, 2, 3)},  # nothing in range
]


def test_lead_time_is_the_same_in_the_database_and_in_python(synthetic):
    for fields in QUERIES:
        query = MetricsQuery(organization=synthetic, **fields)
        in_database = asdict(calculations._change_lead_time_in_database(query))
        in_python = asdict(calculations._change_lead_time_in_python(query))
        assert _close(in_database, in_python), fields
        assert in_python["pull_requests"] > 0 or fields["start"].year == 2030, fields


def _cells(chunks) -> list[list[str]]:
    text = "".join(chunk.decode() if isinstance(chunk, bytes) else chunk for chunk in chunks)
    return list(csv.reader(io.StringIO(text, newline="")))


def _python_cells(header: list[str], rows) -> list[list[str]]:
    """What the csv-module path (SQLite's) writes for these rows."""
    return _cells(tables.csv_text(itertools.chain([header], rows)))


def test_the_pull_request_csv_is_the_same_from_the_database_and_from_python(synthetic):
    """PostgreSQL writes the CSV itself (COPY); the csv module writes the SQLite one. Parsed,
    every cell is the same text: timestamps, seconds, empty and odd titles."""
    for fields in QUERIES:
        query = MetricsQuery(organization=synthetic, **fields)
        for sort in (None, "lead", "-merged", "title"):
            ordered = tables._ordered(
                selectors.pull_requests_table(query=query),
                sort,
                tables.PULL_REQUEST_SORTS,
                "-deployed",
            )
            in_database = _cells(tables._pull_request_csv_from_database(ordered))
            in_python = _python_cells(
                tables.PULL_REQUEST_CSV_HEADER, tables._pull_request_rows(ordered)
            )
            assert in_database == in_python, (fields, sort)
            assert len(in_python) > 1 or fields["start"].year == 2030, fields
    # The odd PRs are in: negative spans clamped, unknown parts empty, merge-based rows,
    # every odd title intact.
    header, *rows = _cells(tables.pull_request_csv(query=MetricsQuery(synthetic, *RANGE_2025)))
    assert header == tables.PULL_REQUEST_CSV_HEADER
    quiet = [row for row in rows if row[0] == "parity/quiet"]
    assert {row[6] for row in quiet} == {"yes"}
    assert any(row[8] == "0" for row in quiet)  # coding would be negative
    assert any(row[8] == "" and row[9] == "" for row in quiet)  # imported from git
    assert set(ODD_TITLES) <= {row[2] for row in quiet}
    # Whole-second timestamps as isoformat() writes them (no ".000000"; the parity loop
    # above covers those with microseconds).
    merged = [datetime.fromisoformat(row[4]) for row in quiet]
    assert all(moment.isoformat() == row[4] for moment, row in zip(merged, quiet, strict=True))


def test_the_deployment_csv_is_the_same_from_the_database_and_from_python(synthetic):
    """As the pull-request CSV: the same cells from COPY as from the csv module, teams and
    tags joined in the same order, every status with its reason."""
    for fields in QUERIES:
        query = tables.query_for_drilldown(MetricsQuery(organization=synthetic, **fields))
        for sort in (None, "title", "-prs", "status"):
            ordered = tables._ordered(
                selectors.deployments_table(query=query),
                sort,
                tables.DEPLOYMENT_SORTS,
                "-deployed",
            )
            in_database = _cells(tables._deployment_csv_from_database(ordered))
            in_python = _python_cells(
                tables.DEPLOYMENT_CSV_HEADER, tables._deployment_rows(query, ordered)
            )
            assert in_database == in_python, (fields, sort)
            assert len(in_python) > 1 or fields["start"].year == 2030, fields
    whole = MetricsQuery(synthetic, date(2024, 1, 1), date(2026, 1, 4))
    header, *rows = _cells(tables.deployment_csv(query=whole))
    assert header == tables.DEPLOYMENT_CSV_HEADER
    assert set(ODD_TITLES) - {""} <= {row[1] for row in rows}
    assert {"Ünï;x,y", 'say "hi";release;canary'} <= {row[5] for row in rows}
    assert any(";" in row[6] for row in rows)  # several teams
    assert {row[7] for row in rows} == {"yes", "no"}
    assert {row[8] for row in rows} > {""}


def test_a_download_stopped_halfway_leaves_the_connection_usable(synthetic, monkeypatch):
    """A client that goes away mid-export closes the generator inside COPY: psycopg must
    cancel it, or the worker's next query on this connection would fail."""
    monkeypatch.setattr(tables, "CSV_CHUNK_ROWS", 5)
    chunks = tables.pull_request_csv(query=MetricsQuery(synthetic, *RANGE_2025))
    header, first = next(chunks), next(chunks)
    assert header.startswith(b"repository,") and first.count(b"\n") >= 5
    chunks.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_team_lines_grouped_by_period_in_the_database_equal_days_folded_in_python(
    synthetic, monkeypatch
):
    """PostgreSQL groups the team lines by period (`selectors.day_period`: a week's Monday
    by date arithmetic); SQLite fetches days and `deployment_frequency` folds them."""
    by_period = [
        calculations.deployment_frequency(query=MetricsQuery(organization=synthetic, **fields))
        for fields in QUERIES
    ]
    monkeypatch.setattr(selectors, "day_period", lambda field, granularity: F(field))
    for fields, grouped in zip(QUERIES, by_period, strict=True):
        by_day = calculations.deployment_frequency(
            query=MetricsQuery(organization=synthetic, **fields)
        )
        assert grouped.teams == by_day.teams, fields
        assert any(sum(line.values()) for line in by_day.teams.values()) or (
            fields["start"].year == 2030 or "environments" in fields
        ), fields


def test_the_pull_request_table_lists_the_counted_prs_newest_end_first(synthetic):
    """The default order reads the `pr_org_end_order` index (deploy moment, else merge):
    the same PRs as the counted rule, ordered by where their lead time ends."""
    for fields in QUERIES:
        query = MetricsQuery(organization=synthetic, **fields)
        counted = selectors.pull_requests_counted(query=query).values_list("pk", "end_moment")
        expected = [
            pk for pk, _ in sorted(counted, key=lambda row: (row[1], row[0]), reverse=True)
        ]
        _, newest_first = tables.sort_order(None, tables.PULL_REQUEST_SORTS, "-deployed")
        ordered = selectors.pull_requests_table(query=query).order_by(*newest_first)
        assert list(ordered.values_list("pk", flat=True)) == expected, fields
