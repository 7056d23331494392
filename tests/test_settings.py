"""Settings fail safe: strict environment parsing, PostgreSQL only, and `migrate` alone makes
a working install."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import NotSupportedError, connection

from config.secrets import development_secrets_key
from config.settings import env_bool, env_int

ROOT = Path(__file__).resolve().parent.parent


def _server_url(database: str) -> str:
    """A URL of the database `database` on the server the tests run on."""
    default = settings.DATABASES["default"]
    host = quote(default["HOST"] or "localhost", safe="")
    password = f":{quote(default['PASSWORD'], safe='')}" if default["PASSWORD"] else ""
    port = f":{default['PORT']}" if default["PORT"] else ""
    return f"postgresql://{quote(default['USER'], safe='')}{password}@{host}{port}/{database}"


def _run(*command: str, **env: str) -> subprocess.CompletedProcess:
    """A command of the project, run with the test's environment plus `env`; DATABASE_URL
    points at the test database unless `env` says otherwise, so no embedded server starts."""
    # The browser tests' async-safety switch is for this process's Playwright loop: a
    # deploy check in a fresh process would rightly refuse it.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {
        **inherited,
        "DATABASE_URL": _server_url(settings.DATABASES["default"]["NAME"]),
        "DJANGO_DEBUG": "true",
        **env,
    }
    return subprocess.run(
        [sys.executable, *command], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def _settings_print(expression: str, **env: str) -> str:
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings';"
        f"from django.conf import settings as s; print({expression})"
    )
    result = _run("-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 60}


@pytest.mark.parametrize(
    ("word", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("Yes", True), ("on", True)]
    + [("false", False), ("False", False), ("0", False), ("NO", False), ("off", False)],
)
def test_env_bool_reads_the_boolean_words_in_any_case(monkeypatch, word, expected):
    monkeypatch.setenv("SHIPLOG_TEST_FLAG", word)
    assert env_bool("SHIPLOG_TEST_FLAG", not expected) is expected


@pytest.mark.parametrize("value", [None, "", "  "])
def test_env_bool_gives_the_default_when_unset_or_empty(monkeypatch, value):
    monkeypatch.delenv("SHIPLOG_TEST_FLAG", raising=False)
    if value is not None:
        monkeypatch.setenv("SHIPLOG_TEST_FLAG", value)
    assert env_bool("SHIPLOG_TEST_FLAG", True) is True
    assert env_bool("SHIPLOG_TEST_FLAG", False) is False


@pytest.mark.parametrize("word", ["maybe", "enabled", "2", "tru"])
def test_env_bool_rejects_any_other_word_naming_the_variable(monkeypatch, word):
    monkeypatch.setenv("SHIPLOG_TEST_FLAG", word)
    with pytest.raises(ImproperlyConfigured, match="SHIPLOG_TEST_FLAG"):
        env_bool("SHIPLOG_TEST_FLAG", False)


def test_env_int_reads_an_integer_or_gives_the_default(monkeypatch):
    monkeypatch.setenv("SHIPLOG_TEST_NUMBER", " 42 ")
    assert env_int("SHIPLOG_TEST_NUMBER", 7) == 42
    monkeypatch.setenv("SHIPLOG_TEST_NUMBER", "")
    assert env_int("SHIPLOG_TEST_NUMBER", 7) == 7


@pytest.mark.parametrize("value", ["ten", "1.5", "60s"])
def test_env_int_rejects_a_non_integer_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("SHIPLOG_TEST_NUMBER", value)
    with pytest.raises(ImproperlyConfigured, match="SHIPLOG_TEST_NUMBER"):
        env_int("SHIPLOG_TEST_NUMBER", 7)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_DEBUG", "maybe"),
        ("DJANGO_SECURE_COOKIES", "sure"),
        ("DATABASE_CONN_MAX_AGE", "a minute"),
    ],
)
def test_it_refuses_to_start_with_a_malformed_variable(variable, value):
    result = _run("manage.py", "check", **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_debug_is_off_unless_asked_for():
    env = {"DJANGO_DEBUG": "", "DJANGO_SECRET_KEY": "x" * 60}
    assert _settings_print("s.DEBUG", **env) == "False"


@pytest.mark.parametrize("url", ["sqlite:///shiplog.sqlite3", "sqlite://", "mysql://u@h/shiplog"])
def test_it_refuses_a_database_that_is_not_postgresql(url):
    result = _run("manage.py", "check", DATABASE_URL=url)
    assert result.returncode != 0
    assert "Shiplog runs on PostgreSQL only" in result.stderr
    assert "Unset DATABASE_URL" in result.stderr
    assert "PostgreSQL 14 or later" in result.stderr


def test_django_refuses_postgresql_older_than_14(monkeypatch):
    assert connection.features.minimum_database_version == (14,)
    monkeypatch.setattr(connection, "get_database_version", lambda: (13, 16))
    with pytest.raises(NotSupportedError, match="PostgreSQL 14 or later is required"):
        connection.check_database_version_supported()


def test_secure_cookies_follow_debug_unless_set():
    cookies = "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE"
    assert _settings_print(cookies, **PRODUCTION) == "True True"
    assert _settings_print(cookies, **PRODUCTION, DJANGO_SECURE_COOKIES="false") == "False False"
    assert _settings_print(cookies, DJANGO_DEBUG="true", DJANGO_SECURE_COOKIES="on") == (
        "True True"
    )


def test_x_forwarded_proto_is_trusted_only_when_set():
    header = "s.SECURE_PROXY_SSL_HEADER"
    assert _settings_print(header, **PRODUCTION) == "None"
    assert _settings_print(header, **PRODUCTION, DJANGO_TRUST_X_FORWARDED_PROTO="true") == (
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    )


LOGIN_UNTIL_THROTTLED = """
from django.test import Client
from organizations.login import MAX_FAILURES_PER_USERNAME
client = Client(HTTP_HOST="127.0.0.1")
wrong = {"username": "nobody", "password": "wrong"}
statuses = [client.post("/accounts/login/", wrong).status_code
            for _ in range(MAX_FAILURES_PER_USERNAME + 1)]
print(statuses[0], statuses[-1])
"""


def test_migrate_alone_makes_login_throttling_work():
    database = f"shiplog_migrate_only_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(_server_url("postgres"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{database}"')
    try:
        env = {"DATABASE_URL": _server_url(database)}
        migrate = _run("manage.py", "migrate", "--noinput", "-v0", **env)
        assert migrate.returncode == 0, migrate.stderr
        login = _run("manage.py", "shell", "-c", LOGIN_UNTIL_THROTTLED, **env)
        assert login.returncode == 0, login.stderr
        assert login.stdout.splitlines()[-1].split() == ["200", "429"]
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


SECRETS_KEY = "9Zbq2y3ZJ0lcy7l2n3K1a0d7cFq1xYwQ8m2H5Yv0sRk="


def test_the_deploy_check_fails_without_a_secrets_key():
    deploy_check = ("manage.py", "check", "--deploy", "--fail-level", "ERROR")
    result = _run(*deploy_check, **PRODUCTION, SHIPLOG_SECRETS_KEY="")
    assert result.returncode != 0
    assert "shiplog.E001" in result.stderr
    assert "SHIPLOG_SECRETS_KEY is not set" in result.stderr

    configured = _run(*deploy_check, **PRODUCTION, SHIPLOG_SECRETS_KEY=SECRETS_KEY)
    assert configured.returncode == 0, configured.stderr


@pytest.mark.parametrize("value", ["not-a-fernet-key", f"{SECRETS_KEY},tooshort"])
def test_an_invalid_secrets_key_stops_start_up_naming_the_variable(value):
    result = _run("manage.py", "check", SHIPLOG_SECRETS_KEY=value)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SHIPLOG_SECRETS_KEY" in result.stderr
    # Neither the bad key nor the good one beside it is repeated.
    assert "not-a-fernet-key" not in result.stderr
    assert "tooshort" not in result.stderr
    assert SECRETS_KEY not in result.stderr


def test_secrets_keys_come_from_the_variable_in_order_or_from_debugs_secret_key():
    other = "cXdlcnR5dWlvcGFzZGZnaGprbHp4Y3Zibm0xMjM0NTY="
    keys = "s.SHIPLOG_SECRETS_KEYS"
    assert _settings_print(keys, **PRODUCTION, SHIPLOG_SECRETS_KEY=f"{SECRETS_KEY}, {other}") == (
        str([SECRETS_KEY, other])
    )
    assert _settings_print(keys, **PRODUCTION, SHIPLOG_SECRETS_KEY="") == "[]"
    development = _settings_print(
        keys, DJANGO_DEBUG="true", DJANGO_SECRET_KEY="k" * 50, SHIPLOG_SECRETS_KEY=""
    )
    assert development == str([development_secrets_key("k" * 50)])
