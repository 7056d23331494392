"""Reading a local clone: whether it is one, the name its origin remote gives, and every
commit from one streaming `git log` (repositories/git_import.py records them)."""

import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from repositories.git_process import git_invocation, git_run
from repositories.models import REPOSITORY_FULL_NAME

# Records start with RS; fields are NUL-separated (neither occurs in names or messages).
_FORMAT = "%x1e%H%x00%P%x00%an%x00%ae%x00%at%x00%ct%x00%B"
_READ_SIZE = 1 << 20
# The path of a remote URL: after the host of "scheme://host/path" or of scp-like
# "user@host:path" (GitLab paths may hold subgroups: group/subgroup/project).
_REMOTE_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://[^/]+/|[^/:\s]+:)(\S+?)(?:\.git)?/?$", re.I)
_FULL_NAME = re.compile(REPOSITORY_FULL_NAME)


class GitImportError(Exception):
    """The path cannot be imported; the message says why."""


@dataclass(slots=True)
class GitCommit:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    authored_ts: int
    committed_ts: int
    message: str


def repository_check(path: Path) -> None:
    if not path.is_dir():
        raise GitImportError(f"{path} does not exist or is not a folder.")
    if git_run(path, "rev-parse", "--git-dir").returncode != 0:
        raise GitImportError(f"{path} is not a git repository.")


def repository_name_guess(path: Path) -> str:
    """The path of the `origin` remote URL (owner/name, group/subgroup/project), else
    "local/<folder name>"."""
    remote = git_run(path, "remote", "get-url", "origin")
    match = _REMOTE_URL.match(remote.stdout.strip()) if remote.returncode == 0 else None
    if match and _FULL_NAME.match(match[1]):
        return match[1]
    return f"local/{path.resolve().name}"


def _commit_parse(record: bytes) -> GitCommit:
    sha, parents, name, email, authored, committed, message = record.split(b"\x00", 6)
    return GitCommit(
        sha=sha.decode(),
        parents=tuple(parents.decode().split()),
        author_name=name.decode("utf-8", "replace"),
        author_email=email.decode("utf-8", "replace"),
        authored_ts=int(authored),
        committed_ts=int(committed),
        message=message.decode("utf-8", "replace").rstrip("\n"),
    )


def git_log(path: Path, *, since: datetime | None = None) -> Iterator[GitCommit]:
    """Streams every commit from one `git log` process, newest first."""
    # --branches/--tags/--remotes rather than --all: refs/stash and refs/notes hold commits
    # that are not code history. HEAD covers detached CI checkouts.
    revisions = ["--branches", "--tags", "--remotes"]
    if git_run(path, "rev-parse", "--verify", "-q", "HEAD").returncode == 0:
        revisions.append("HEAD")
    args = [*revisions, f"--format={_FORMAT}", "--no-color"]
    if since is not None:
        args.append(f"--since={since.isoformat()}")
    argv, environment = git_invocation(path, "log", *args)
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(argv, env=environment, stdout=subprocess.PIPE, stderr=stderr)
        pending = b""
        for chunk in iter(lambda: process.stdout.read(_READ_SIZE), b""):
            records = (pending + chunk).split(b"\x1e")
            pending = records.pop()
            yield from (_commit_parse(record) for record in records if record)
        if pending:
            yield _commit_parse(pending)
        if process.wait() != 0:
            stderr.seek(0)
            message = stderr.read().decode("utf-8", "replace").strip()
            raise GitImportError(f"git log failed: {message}")
