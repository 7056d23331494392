"""The SQL functions of deployments/sql/ are installed by migrate and can be reinstalled."""

import re

import pytest
from django.db import connection

from deployments.database_functions import (
    SQL_DIR,
    database_functions_install,
    database_functions_sql,
)

pytestmark = pytest.mark.django_db


def _declared_functions() -> set[str]:
    text = "\n".join(path.read_text() for path in SQL_DIR.glob("*.sql"))
    return set(re.findall(r"CREATE OR REPLACE FUNCTION (\w+)\(", text))


def _installed_functions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'shiplog\\_%'")
        return {name for (name,) in cursor.fetchall()}


def test_every_constant_the_sql_names_is_filled_in():
    assert "{{" not in database_functions_sql()


def test_migrate_installed_every_declared_function():
    declared = _declared_functions()
    assert "shiplog_deployment_record" in declared
    assert declared <= _installed_functions()


def test_installing_again_replaces_the_functions_in_place():
    database_functions_install()
    database_functions_install()
    assert _declared_functions() <= _installed_functions()
