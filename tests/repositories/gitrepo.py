"""Builds small real git repositories for import tests, with exact authors and times."""

import os
import subprocess
from pathlib import Path


class GitRepo:
    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.run("init", "-q", "-b", "main")

    def run(
        self,
        *args: str,
        author=("Ada Lovelace", "ada@example.com"),
        at="2024-01-01T10:00:00+00:00",
        committed_at=None,
    ) -> str:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.path),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_AUTHOR_DATE": at,
            "GIT_COMMITTER_NAME": "Merge Bot",
            "GIT_COMMITTER_EMAIL": "merges@example.com",
            "GIT_COMMITTER_DATE": committed_at or at,
        }
        completed = subprocess.run(
            ["git", "-C", str(self.path), *args],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return completed.stdout.strip()

    def commit(self, message: str, **kwargs) -> str:
        self.run("commit", "-q", "--allow-empty", "-m", message, **kwargs)
        return self.head()

    def merge(self, branch: str, *messages: str, **kwargs) -> str:
        args = [part for message in messages for part in ("-m", message)]
        self.run("merge", "-q", "--no-ff", branch, *args, **kwargs)
        return self.head()

    def commit_signed(self, message: str, *, signer: Path, **kwargs) -> str:
        """A commit carrying a PGP signature made by the `signer` program (any stand-in)."""
        self.run(
            "-c",
            f"gpg.program={signer}",
            "commit",
            "-q",
            "-S",
            "--allow-empty",
            "-m",
            message,
            **kwargs,
        )
        return self.head()

    def config(self, key: str, value: str) -> None:
        self.run("config", key, value)

    def head(self) -> str:
        return self.run("rev-parse", "HEAD")
