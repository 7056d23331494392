"""What scaling out relies on (README, "Scaling out"): every table of customer data carries
`organization_id`, the column a distributed PostgreSQL (Citus) co-locates by, and no code
holds session state that a pooler in transaction mode (PgBouncer) would lose."""

import re
from pathlib import Path

from django.apps import apps
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
OUR_APPS = ("organizations", "repositories", "tokens", "deployments")
# The organization itself is the tenant: Citus distributes it by its id.
TENANT_TABLE = "organizations_organization"


def test_every_table_of_customer_data_carries_the_organization(db):
    ours = {
        model._meta.db_table
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    }
    with connection.cursor() as cursor:
        missing = [
            table
            for table in sorted(ours - {TENANT_TABLE})
            if "organization_id"
            not in {
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            }
        ]
    assert ours > {TENANT_TABLE, "deployments_deploymentpullrequest"}
    assert missing == []


def test_no_many_to_many_relation_hides_a_table_without_the_organization():
    """An auto-created join table would carry only the two ids."""
    auto_created = [
        f"{model._meta.label}.{field.name}"
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]
    assert auto_created == []


SESSION_STATE = re.compile(
    r"pg_advisory_lock|pg_try_advisory_lock\(|pg_advisory_unlock|\bLISTEN\b|"
    r"SET SESSION|\bPREPARE\b|CREATE TEMP(ORARY)? TABLE(?![^\"]*ON COMMIT DROP)",
    re.IGNORECASE,
)


def test_no_code_takes_session_level_locks_or_state():
    """Only transaction-level advisory locks (pg_advisory_xact_lock*) and temporary tables
    dropped at commit: a transaction-mode pooler hands the next transaction another
    server connection."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {".venv", "tests", "bench"}:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if SESSION_STATE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_session_state_pattern_finds_what_it_forbids():
    assert SESSION_STATE.search("SELECT pg_advisory_lock(1, 2)")
    assert SESSION_STATE.search('CREATE TEMPORARY TABLE "x" AS SELECT 1')
    assert not SESSION_STATE.search("SELECT pg_advisory_xact_lock_shared(1, 2)")
    assert not SESSION_STATE.search('CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "')
