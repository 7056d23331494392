"""The attribution rule's SQL functions are installed by migrate, beside deployments'."""

import re

import pytest
from django.db import connection

from deployments.database_functions import database_functions_install, database_functions_sql
from incidents.attribution import SQL_DIR

pytestmark = pytest.mark.django_db


def test_migrate_installed_every_function_of_incidents_sql():
    declared = set(
        re.findall(r"CREATE OR REPLACE FUNCTION (\w+)\(", database_functions_sql(sql_dir=SQL_DIR))
    )
    database_functions_install(sql_dir=SQL_DIR)  # installing again replaces them in place
    with connection.cursor() as cursor:
        cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'shiplog\\_%'")
        installed = {name for (name,) in cursor.fetchall()}
    assert {"shiplog_incidents_attribute", "shiplog_incidents_follow_deployments"} <= declared
    assert declared <= installed
    assert "{{" not in database_functions_sql(sql_dir=SQL_DIR)
