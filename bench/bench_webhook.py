"""Receiver latency: median and p90 of 200 signed push deliveries through the Django test
client (full middleware stack, a real database, production settings).

    .venv/bin/python bench/bench_webhook.py [--database-url URL] [--deliveries 200]

Without --database-url it uses the database `shiplog_webhook_bench` on the embedded server of
var/postgres/. Each push carries 3 new commits by known authors, so every delivery does the
real work: verify, store, upsert, link.
"""

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "shiplog_webhook_bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--deliveries", type=int, default=200)
    options = parser.parse_args()
    if not options.database_url:
        from config.embedded_postgres import embedded_database_url

        options.database_url = embedded_database_url(ROOT / "var" / "postgres", DATABASE)
    os.environ["DATABASE_URL"] = options.database_url
    os.environ.update(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="bench-" + "x" * 50)
    # A fixed Fernet key (32 bytes, base64): the bench stores webhook secrets.
    os.environ.setdefault("SHIPLOG_SECRETS_KEY", "YmVuY2gtb25seS1rZXktYmVuY2gtb25seS1rZXktISE=")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from organizations.services import organization_create
    from repositories.webhook_secrets import github_webhook_connect
    from tests.repositories import payloads

    call_command("migrate", verbosity=0)
    organization = organization_create(slug=f"bench-{int(time.time())}")
    webhook, _ = github_webhook_connect(organization=organization)
    url = reverse("github_webhook", args=[webhook.path_token])
    client = Client(HTTP_HOST="127.0.0.1")
    timings = []
    for delivery in range(options.deliveries):
        commits = [
            payloads.push_commit(
                hashlib.sha1(f"{delivery}-{n}".encode()).hexdigest(),
                username=f"dev{n}",
                email=f"dev{n}@example.com",
            )
            for n in range(3)
        ]
        body = json.dumps(payloads.push(commits, ref="refs/heads/main")).encode()
        started = time.perf_counter()
        response = client.post(
            url,
            data=body,
            content_type="application/json",
            HTTP_X_GITHUB_EVENT="push",
            HTTP_X_GITHUB_DELIVERY=f"bench-{delivery}",
            HTTP_X_HUB_SIGNATURE_256=payloads.sign(webhook.secret, body),
        )
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    p90 = statistics.quantiles(timings, n=10, method="inclusive")[-1]
    print(
        f"{options.deliveries} signed push deliveries (3 commits each) on PostgreSQL "
        f"{django.db.connection.pg_version // 10000}: "
        f"median {statistics.median(timings):.1f} ms, "
        f"p90 {p90:.1f} ms, max {max(timings):.1f} ms"
    )


if __name__ == "__main__":
    main()
