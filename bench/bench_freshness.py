"""Freshness: how long from POSTing a deployment until GET /api/v1/metrics counts it.

Starts gunicorn (2 sync workers, DEBUG off) on DATABASE_URL, creates a token with
deployments:write and metrics:read, reads the baseline count for today, POSTs a deployment
of known commits (plus one new SHA, so every run is a new deployment, not a dedupe), then
polls the metrics API until the count rises. Repeats, prints each run in ms against the
target (≤ 1000 ms), then deletes what it posted and revokes the token.

    .venv/bin/python bench/bench_freshness.py [--database-url URL] [--org perf] [--runs 5]
"""

import argparse
import json
import os
import secrets
import shlex
import statistics
import sys
import time
from datetime import UTC, datetime

from bench_dashboard import (
    DEFAULT_DATABASE_URL,
    ROOT,
    free_port,
    gunicorn,
    manage,
    request,
    server_environment,
)

TARGET_MS = 1000
POLL_LIMIT_SECONDS = 10


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def known_shas(org: str, count: int) -> tuple[str, list[str]]:
    """The repository of the latest merged PR by a person, and its newest merge SHAs."""
    from repositories.models import PullRequest

    pull_requests = PullRequest.objects.filter(
        organization__slug=org, merged_at__isnull=False, author__is_bot=False
    ).select_related("repository")
    latest = pull_requests.order_by("-merged_at").first()
    if latest is None:
        sys.exit(f"Organization {org!r} has no merged PRs; run generate_dataset first.")
    recent = pull_requests.filter(repository=latest.repository).order_by("-merged_at")
    return latest.repository.full_name, [pr.merge_commit_sha for pr in recent[:count]]


def deployments_today(port: int, token: str, repository: str) -> int:
    today = datetime.now(UTC).date().isoformat()
    path = f"/api/v1/metrics?from={today}&to={today}&repository={repository}"
    status, _, body = request("GET", port, path, headers={"Authorization": f"Bearer {token}"})
    if status != 200:
        sys.exit(f"GET {path} → {status}: {body[:300]!r}")
    return json.loads(body)["totals"]["deployments"]


def one_run(port: int, token: str, repository: str, shas: list[str]) -> tuple[float, float, int]:
    """(ms until counted, ms of the POST, polls needed)."""
    before = deployments_today(port, token, repository)
    body = json.dumps(
        {
            "commitSha": [*shas, secrets.token_hex(20)],
            "environmentName": "production",
            "title": "freshness bench",
            "tags": ["bench"],
        }
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started = time.perf_counter()
    status, _, response = request("POST", port, "/api/v1/deployments", headers=headers, body=body)
    posted_ms = (time.perf_counter() - started) * 1000
    if status != 201:
        sys.exit(f"POST /api/v1/deployments → {status}: {response[:300]!r}")
    polls = 0
    while time.perf_counter() - started < POLL_LIMIT_SECONDS:
        polls += 1
        if deployments_today(port, token, repository) > before:
            return (time.perf_counter() - started) * 1000, posted_ms, polls
    return float("inf"), posted_ms, polls


def clean_up(org: str) -> int:
    """Deletes the bench's deployments and receipts and restores the PRs' deploy moments."""
    from deployments.models import Deployment, DeploymentReceipt
    from deployments.recording import deployments_delete

    posted = Deployment.objects.filter(organization__slug=org, title="freshness bench")
    DeploymentReceipt.objects.filter(deployment__in=posted).delete()
    return deployments_delete(deployments=posted)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--org", default="perf")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0, help="Default: a free one.")
    options = parser.parse_args()
    env = server_environment(options.database_url)
    django_setup(env)
    repository, shas = known_shas(options.org, 3)
    scopes = "deployments:write,metrics:read"
    token = manage(
        env, "create_api_token", "--org", options.org, "--name", "bench", "--scopes", scopes
    )
    results = []
    try:
        with gunicorn(env, port=options.port or free_port(), workers=options.workers) as server:
            port = int(server.args[server.args.index("--bind") + 1].rsplit(":", 1)[1])
            for _ in range(options.runs):
                results.append(one_run(port, token, repository, shas))
    finally:
        manage(env, "revoke_api_token", token)
        removed = clean_up(options.org)
    report(options, repository, results, removed)
    return 0 if max(r[0] for r in results) <= TARGET_MS else 1


def report(options, repository, results, removed) -> None:
    freshness = [r[0] for r in results]
    print(
        f"\nFreshness, org {options.org!r} ({repository}), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"{os.cpu_count()} CPUs, gunicorn {options.workers} sync workers, DEBUG off\n")
    print(f"| run | POST ms | counted after ms (≤ {TARGET_MS}) | metrics GETs |")
    print("|---:|---:|---:|---:|")
    for number, (total, posted, polls) in enumerate(results, 1):
        print(f"| {number} | {posted:.0f} | {total:.0f} | {polls} |")
    print(
        f"\nMedian {statistics.median(freshness):.0f} ms, worst {max(freshness):.0f} ms; ", end=""
    )
    print(f"removed the {removed} bench deployments afterwards.")
    command = [".venv/bin/python", "bench/bench_freshness.py", *sys.argv[1:]]
    if "--database-url" not in sys.argv:
        command += ["--database-url", options.database_url]
    print("Reproduce: " + shlex.join(command))


if __name__ == "__main__":
    sys.exit(main())
