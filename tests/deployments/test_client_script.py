"""clients/shiplog_deploy.py against a live server and a real temporary git repository."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deployments.models import Deployment
from tokens.services import token_generate

SCRIPT = Path(__file__).resolve().parents[2] / "clients" / "shiplog_deploy.py"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@acme.dev",
    "GIT_COMMITTER_NAME": "Ada",
    "GIT_COMMITTER_EMAIL": "ada@acme.dev",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def merge_a_branch(repo: Path, name: str) -> str:
    git(repo, "checkout", "-q", "-b", name)
    (repo / f"{name}.txt").write_text(name)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", f"Work on {name}")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", name, "-m", f"Merge {name}")
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "README").write_text("hello")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "Initial commit")
    return tmp_path


def run_client(live_server, plaintext, repo, *args):
    env = {**os.environ, "SHIPLOG_URL": live_server.url, "SHIPLOG_API_TOKEN": plaintext}
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--git-dir",
            str(repo),
            "--environment",
            "production",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_the_client_sends_the_merge_commits_since_the_last_deployment(
    live_server, organization, repo
):
    _, plaintext = token_generate(organization=organization)
    first_merge = merge_a_branch(repo, "feature-a")
    first = run_client(live_server, plaintext, repo, "--tag", "release")
    assert first.returncode == 0, first.stderr
    assert "Recorded deployment" in first.stdout
    assert Deployment.objects.get().shas == [first_merge]

    second_merge, third_merge = (
        merge_a_branch(repo, "feature-b"),
        merge_a_branch(repo, "feature-c"),
    )
    second = run_client(live_server, plaintext, repo)
    assert second.returncode == 0, second.stderr
    latest = Deployment.objects.order_by("-received_at").first()
    assert latest.shas == [third_merge, second_merge]
    assert Deployment.objects.count() == 2


def test_the_client_dry_run_prints_the_body_and_sends_nothing(live_server, organization, repo):
    _, plaintext = token_generate(organization=organization)
    head = merge_a_branch(repo, "feature-a")
    result = run_client(live_server, plaintext, repo, "--dry-run", "--test")
    assert result.returncode == 0, result.stderr
    assert f'"{head}"' in result.stdout and '"isTest": true' in result.stdout
    assert not Deployment.objects.exists()


def test_the_client_exits_non_zero_with_the_servers_message(live_server, organization, repo):
    bad = run_client(live_server, "shl_not-a-real-token", repo)
    assert bad.returncode == 1
    assert "HTTP 401" in bad.stderr and "request id:" in bad.stderr
    _, plaintext = token_generate(organization=organization)
    future = run_client(live_server, plaintext, repo, "--deployed-at", "2099-01-01T00:00:00Z")
    assert future.returncode == 1
    assert "deployedAt: Must not be more than a day in the future." in future.stderr
    assert not Deployment.objects.exists()
