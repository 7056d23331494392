"""Shiplog settings: one file, every production difference comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from config.secrets import secrets_keys_from_environment

BASE_DIR = Path(__file__).resolve().parent.parent


BOOLEAN_WORDS = {
    **dict.fromkeys(["true", "1", "yes", "on"], True),
    **dict.fromkeys(["false", "0", "no", "off"], False),
}


def env_bool(name: str, default: bool) -> bool:
    """The boolean in variable `name` (any case of true/false, 1/0, yes/no, on/off); unset or
    empty gives `default`, any other word is a start-up error naming the variable."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return BOOLEAN_WORDS[value.lower()]
    except KeyError:
        raise ImproperlyConfigured(
            f"{name} must be one of true/false, 1/0, yes/no, on/off (got {value!r})."
        ) from None


def env_int(name: str, default: int) -> int:
    """The integer in variable `name`; unset or empty gives `default`, anything that is not an
    integer is a start-up error naming the variable."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer (got {value!r}).") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_settings(url: str) -> dict:
    """DATABASES["default"] for a PostgreSQL URL; any other engine is a start-up error."""
    try:
        database = dj_database_url.parse(
            url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"DATABASE_URL names {database['ENGINE']}, but Shiplog runs on PostgreSQL only. "
            "Unset DATABASE_URL to use the "
            "embedded PostgreSQL in var/postgres/, or point it at PostgreSQL 14 or later: "
            "postgresql://user:password@host:5432/shiplog."
        )
    return database


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            '(generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))").'
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

# Fernet keys encrypting stored secrets (config/secrets.py): the first encrypts, all decrypt.
SHIPLOG_SECRETS_KEYS = secrets_keys_from_environment(debug=DEBUG, secret_key=SECRET_KEY)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "procrastinate.contrib.django",
    "organizations",
    "repositories",
    "tokens",
    "deployments",
    "incidents",
    "metrics",
    "sampledata",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organizations.context_processors.current_organization",
            ],
        },
    },
]

# With DATABASE_URL unset, Shiplog starts (or reuses) its embedded PostgreSQL; Django refuses
# a server older than PostgreSQL 14 when it connects.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if not DATABASE_URL:
    from config.embedded_postgres import embedded_database_url

    DATABASE_URL = embedded_database_url(BASE_DIR / "var" / "postgres")
DATABASES = {"default": database_settings(DATABASE_URL)}
DATABASES["default"].setdefault("OPTIONS", {}).update(
    connect_timeout=env_int("DATABASE_CONNECT_TIMEOUT", 5),
    # JIT compilation costs more than it saves on short dashboard queries, and a year of
    # lead-time percentiles sorts more rows than the default 4MB work_mem holds in memory.
    options=f"-c jit=off -c work_mem={os.environ.get('DATABASE_WORK_MEM', '32MB')}",
    # Parameters travel apart from the statement, so secrets and token hashes never appear
    # as literals in pg_stat_activity or the server's statement log.
    server_side_binding=True,
)

# A page's lead-time query runs on a second connection beside the rest of the page
# (metrics/parallel.py): a worker holds one PostgreSQL connection more than its threads.
SHIPLOG_CONCURRENT_QUERIES = env_bool("SHIPLOG_CONCURRENT_QUERIES", True)

# GitHub's REST API root: GitHub Enterprise Server's is https://HOST/api/v3.
SHIPLOG_GITHUB_API_URL = os.environ.get("SHIPLOG_GITHUB_API_URL", "https://api.github.com")
# GitLab's web root (gitlab.com or a self-managed GitLab); its REST API is ROOT/api/v4.
SHIPLOG_GITLAB_URL = os.environ.get("SHIPLOG_GITLAB_URL", "https://gitlab.com").rstrip("/")
# How often the background worker syncs each tracked repository (a divisor of 60).
SHIPLOG_GITHUB_SYNC_MINUTES = env_int("SHIPLOG_GITHUB_SYNC_MINUTES", 15)
if not 1 <= SHIPLOG_GITHUB_SYNC_MINUTES <= 60:
    raise ImproperlyConfigured("SHIPLOG_GITHUB_SYNC_MINUTES must be between 1 and 60.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every worker (the login and management throttle counters live here), with no
# extra service to run; migration tokens/0003 creates the table.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "shiplog_cache",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# collectstatic compresses only the hashed names templates use, and not source maps (fetched
# by a browser's developer tools only): a deploy's collectstatic does a third of the work.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# Production hardening: on by default whenever DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Only a proxy that sets X-Forwarded-Proto itself may be trusted: a client could send it.
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# An internal install served over plain HTTP turns these off to be able to log in.
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    # Per API token (tokens.throttling), counted in a table: one count for every worker.
    "DEFAULT_THROTTLE_RATES": {
        "api_token": os.environ.get("SHIPLOG_API_THROTTLE_RATE", "1200/min"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Shiplog API",
    "DESCRIPTION": "Record deployments from CI and read delivery metrics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.middleware.RequestIdLogFilter"},
        # On every handler: webhook path tokens (capabilities) never reach an output.
        "redact_secrets": {"()": "config.middleware.SecretRedactionLogFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("SHIPLOG_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default handlers on "django" (a console one with DEBUG on, mail_admins
        # with it off) carry no redaction: its records reach the console through the root.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Without a handler of its own it must propagate, or logging's last-resort handler
        # prints runserver's 4xx lines, paths and all, to stderr.
        "django.server": {"level": "WARNING", "propagate": True},
        # SQL parameters carry webhook secrets: never log queries, even at DEBUG.
        "django.db.backends": {"level": "INFO"},
        # The embedded server's start and stop commands, logged at INFO on every command.
        "embedded_postgres": {"level": "WARNING"},
        # Task and schedule registration, logged at INFO when any command starts.
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
    },
}
