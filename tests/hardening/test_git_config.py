"""Importing a clone someone else made runs none of the programs its git config names."""

import os
import shutil
from pathlib import Path

import pytest

from repositories.git_import import GitImportError, git_history_import
from repositories.models import Commit
from tests.repositories.gitrepo import GitRepo

SIGNER = """#!/bin/sh
cat >/dev/null
echo "[GNUPG:] SIG_CREATED D 1 8 00 1 X" >&2
printf -- '-----BEGIN PGP SIGNATURE-----\\n\\niQEzBAABCAAdFiEE\\n-----END PGP SIGNATURE-----\\n'
"""


def _program(path: Path, body: str) -> Path:
    path.write_text(body)
    path.chmod(0o755)
    return path


@pytest.fixture
def marker(tmp_path):
    """A file that the hostile programs create: it must never exist."""
    return tmp_path / "pwned"


@pytest.fixture
def hostile(tmp_path, marker):
    """A program that leaves the marker behind, as an attacker's payload would."""
    return _program(tmp_path / "payload.sh", f"#!/bin/sh\ntouch {marker}\ncat >/dev/null\n")


@pytest.fixture
def signed_repo(tmp_path):
    """A clone with a signed commit, so that showing signatures has something to verify."""
    repo = GitRepo(tmp_path / "clone")
    repo.commit("Initial commit")
    repo.commit_signed("Signed change (#1)", signer=_program(tmp_path / "signer.sh", SIGNER))
    return repo


def _import(organization, repo):
    return git_history_import(organization=organization, path=repo.path)


def test_the_hostile_signer_does_run_under_plain_git(signed_repo, hostile, marker):
    # The premise: without the hardening, `git log` runs the repository's gpg.program.
    signed_repo.config("log.showSignature", "true")
    signed_repo.config("gpg.program", str(hostile))
    signed_repo.run("log", "--format=%H")
    assert marker.exists()


def test_it_never_runs_the_repositorys_gpg_program(organization, signed_repo, hostile, marker):
    signed_repo.config("log.showSignature", "true")
    signed_repo.config("gpg.program", str(hostile))
    signed_repo.config("gpg.ssh.program", str(hostile))
    result = _import(organization, signed_repo)
    assert result.commits_added == 2
    assert result.pull_requests_found == 1
    assert not marker.exists()


@pytest.mark.parametrize(
    "key",
    ["core.fsmonitor", "core.pager", "pager.log", "diff.external", "core.sshCommand"],
)
def test_it_never_runs_a_program_the_repository_config_names(
    organization, signed_repo, hostile, marker, key
):
    signed_repo.config(key, str(hostile))
    signed_repo.config("core.hooksPath", str(hostile.parent))
    assert _import(organization, signed_repo).commits_added == 2
    assert not marker.exists()


def test_it_ignores_the_callers_git_configuration(
    organization, signed_repo, hostile, marker, tmp_path, monkeypatch
):
    global_config = tmp_path / "gitconfig"
    global_config.write_text(f"[log]\n\tshowSignature = true\n[gpg]\n\tprogram = {hostile}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(global_config))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'gpg.program'='{hostile}'")
    assert _import(organization, signed_repo).commits_added == 2
    assert not marker.exists()


def test_a_foreign_log_encoding_does_not_garble_the_import(organization, tmp_path):
    repo = GitRepo(tmp_path / "clone")
    repo.commit("Café au lait (#4)", author=("Zoë Noël", "zoe@example.com"))
    repo.config("i18n.logOutputEncoding", "ISO-8859-1")
    _import(organization, repo)
    commit = Commit.objects.get()
    assert (commit.message, commit.author_name) == ("Café au lait (#4)", "Zoë Noël")


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder away needs root")
def test_it_still_refuses_a_repository_another_user_owns(organization, tmp_path):
    # safe.directory stays in force: a clone owned by someone else is not opened at all.
    repo = GitRepo(tmp_path / "theirs")
    repo.commit("Initial commit")
    for folder, _, files in os.walk(repo.path):
        for name in [folder, *(os.path.join(folder, file) for file in files)]:
            shutil.chown(name, user="nobody")
    with pytest.raises(GitImportError, match="not a git repository"):
        _import(organization, repo)
