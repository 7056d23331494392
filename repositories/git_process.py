"""Starting git on a repository Shiplog did not make."""

import os
import subprocess
from pathlib import Path

# A clone made by someone else can carry a hostile .git/config: with log.showSignature and
# gpg.program, a plain `git log` runs their program. Every git process of the importer is
# started by git_invocation, which ignores the system and global config, neutralises every
# setting of the repository's config that names a program, and refuses to reach a network
# (a partial clone would otherwise fetch through the repository's core.sshCommand).
# safe.directory is left alone: git keeps refusing a repository another user owns.
_HARDENING = (
    "--no-pager",
    "-c", "log.showSignature=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.fsmonitor=false",
    "-c", "core.pager=cat",
    "-c", "gpg.program=false",
    "-c", "gpg.ssh.program=false",
    "-c", "gpg.x509.program=false",
    "-c", "core.sshCommand=false",
    "-c", "core.askPass=false",
    "-c", "credential.helper=",
    "-c", "protocol.allow=never",
    "-c", "i18n.logOutputEncoding=UTF-8",
)  # fmt: skip
# Per subcommand, the options that stop it running the repository's programs.
_SUBCOMMAND_HARDENING = {"log": ("--no-show-signature", "--no-ext-diff", "--no-textconv")}
_ENVIRONMENT = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
}


def git_invocation(path: Path, subcommand: str, *args: str) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of a git process that runs nothing the repository names.

    The caller's GIT_* variables are dropped too: GIT_CONFIG_PARAMETERS, GIT_DIR or
    GIT_EXTERNAL_DIFF would otherwise reach the process."""
    argv = ["git", *_HARDENING, "-C", str(path), subcommand]
    argv += [*_SUBCOMMAND_HARDENING.get(subcommand, ()), *args]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return argv, environment | _ENVIRONMENT


def git_run(path: Path, subcommand: str, *args: str) -> subprocess.CompletedProcess:
    argv, environment = git_invocation(path, subcommand, *args)
    return subprocess.run(argv, env=environment, capture_output=True, text=True, check=False)
