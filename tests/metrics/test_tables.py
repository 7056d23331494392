"""The drilldown tables and CSV exports over the synthetic organization (log-normal timings,
unknown parts, merge-based repositories, bots, tests, tags), plus the PRs the generator never
makes: negative spans, unknown parts, and titles and tags that CSV must quote."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from metrics import tables
from metrics.query import MetricsQuery
from metrics.selectors.drilldowns import pull_requests_table
from metrics.selectors.pull_requests import pull_requests_counted
from sampledata.synthetic import SCALES, dataset_generate
from tests.factories import make_contributor, make_repository
from tests.metrics.helpers import at, make_deployment, make_merged_pr

END = datetime(2026, 1, 5, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def synthetic(db):
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


def _cells(chunks) -> list[list[str]]:
    text = "".join(chunk.decode() for chunk in chunks)
    return list(csv.reader(io.StringIO(text, newline="")))


def test_the_pull_request_csv_clamps_negative_spans_and_keeps_odd_titles(synthetic):
    """Negative spans are clamped, unknown parts empty, merge-based rows flagged, and every
    odd title survives CSV quoting."""
    header, *rows = _cells(tables.pull_request_csv(query=MetricsQuery(synthetic, *RANGE_2025)))
    assert header == tables.PULL_REQUEST_CSV_HEADER
    quiet = [row for row in rows if row[0] == "parity/quiet"]
    assert {row[6] for row in quiet} == {"yes"}
    assert any(row[8] == "0" for row in quiet)  # coding would be negative
    assert any(row[8] == "" and row[9] == "" for row in quiet)  # imported from git
    assert set(ODD_TITLES) <= {row[2] for row in quiet}
    # Whole-second timestamps as isoformat() writes them (no ".000000").
    merged = [datetime.fromisoformat(row[4]) for row in quiet]
    assert all(moment.isoformat() == row[4] for moment, row in zip(merged, quiet, strict=True))
    # The PRs imported from git on day d of December: first commit d hours before the
    # merge, where lead time ends (never deployed) → d × 3600 s; the PR with no first
    # commit has no lead time.
    unknown_parts = {row[7] for row in quiet if row[8] == "" and row[9] == ""}
    assert unknown_parts == {str(day * 3600) for day in range(1, 29)} | {""}


def test_the_deployment_csv_joins_tags_and_teams_and_gives_every_reason(synthetic):
    """Tags joined in the order sent, several teams joined, every status with its reason."""
    whole = MetricsQuery(synthetic, date(2024, 1, 1), date(2026, 1, 4))
    header, *rows = _cells(tables.deployment_csv(query=whole))
    assert header == tables.DEPLOYMENT_CSV_HEADER
    assert set(ODD_TITLES) - {""} <= {row[1] for row in rows}
    assert {"Ünï;x,y", 'say "hi";release;canary'} <= {row[5] for row in rows}
    assert any(";" in row[6] for row in rows)  # several teams
    assert {row[7] for row in rows} == {"yes", "no"}
    assert {row[8] for row in rows} > {""}


# Outside a transaction, as a streamed response is: a COPY cancelled inside one aborts the
# transaction (whether the cancel lands first or the last row does is a race).
@pytest.mark.django_db(transaction=True)
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


def test_the_pull_request_table_lists_the_counted_prs_newest_end_first(synthetic):
    """The default order reads the `pr_org_end_covering` index (deploy moment, else merge):
    the same PRs as the counted rule, ordered by where their lead time ends."""
    for fields in QUERIES:
        query = MetricsQuery(organization=synthetic, **fields)
        counted = pull_requests_counted(query=query).values_list("pk", "end_moment")
        expected = [
            pk for pk, _ in sorted(counted, key=lambda row: (row[1], row[0]), reverse=True)
        ]
        _, newest_first = tables.sort_order(None, tables.PULL_REQUEST_SORTS, "-deployed")
        ordered = pull_requests_table(query=query).order_by(*newest_first)
        assert list(ordered.values_list("pk", flat=True)) == expected, fields


FORMULA_TITLE = '=HYPERLINK("http://evil.example/","Click me")'
FORMULA_TAG = "+cmd|' /C calc'!A0"
FORMULA_AUTHOR = "@SUM(1+1)"


def _downloaded(client, name: str) -> list[list[str]]:
    response = client.get(f"/metrics/{name}?weeks=custom&from=2026-01-01&to=2026-01-31")
    assert response.status_code == 200
    return _cells(response.streaming_content)


def test_cells_that_start_like_a_formula_are_prefixed_in_both_csvs(organization, member_client):
    repository = make_repository(organization, "acme/web")
    author = make_contributor(organization, FORMULA_AUTHOR)
    for title, hours in [(FORMULA_TITLE, 30), ("-fix", 2), ("\tTabbed", 3), ("Plain", 4)]:
        merged = at("2026-01-10", 12)
        pull_request = make_merged_pr(
            repository,
            author=author,
            merged_at=merged,
            first_commit_at=merged - hours * HOUR,
            title=title,
        )
        make_deployment(
            organization,
            commits=[pull_request.commit],
            pull_requests=[pull_request],
            deployed_at=merged + HOUR,
            title=title,
            tags=[FORMULA_TAG, "release"],
        )

    _, *deployments = _downloaded(member_client, "deployments.csv")
    assert {row[1] for row in deployments} == {f"'{FORMULA_TITLE}", "'-fix", "'\tTabbed", "Plain"}
    assert {row[5] for row in deployments} == {f"'{FORMULA_TAG};release"}

    _, *pull_requests = _downloaded(member_client, "pull-requests.csv")
    assert {row[2] for row in pull_requests} == {
        f"'{FORMULA_TITLE}",
        "'-fix",
        "'\tTabbed",
        "Plain",
    }
    assert {row[3] for row in pull_requests} == {f"'{FORMULA_AUTHOR}"}
    # Our own numbers are written as they are: lead times in seconds.
    assert {row[7] for row in pull_requests} == {str(hours * 3600) for hours in (31, 3, 4, 5)}
