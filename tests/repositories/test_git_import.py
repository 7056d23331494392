from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from organizations.models import Contributor
from repositories.git_graph import commits_only_in, generations
from repositories.git_import import git_history_import, merge_detect
from repositories.git_log import GitCommit
from repositories.models import Commit, PullRequest, Repository
from tests.repositories.gitrepo import GitRepo

ADA = ("Ada Lovelace", "ada@example.com")
BOB = ("Bob Builder", "Bob@Example.com")
CAROL = ("Carol Shaw", "carol@example.com")
DAN = ("Dan Abramov", "dan@example.com")
DEPENDABOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")


def at(day: int, hour: int) -> str:
    return f"2024-01-{day:02d}T{hour:02d}:00:00+00:00"


def utc(day: int, hour: int) -> datetime:
    return datetime(2024, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def history(tmp_path):
    """main with a GitHub merge (#1), a squash merge (#2), a GitLab merge (!3), a bot commit,
    and a commit reachable only from a tag."""
    repo = GitRepo(tmp_path / "web")
    shas = {"c1": repo.commit("Initial commit", at=at(1, 10))}
    repo.run("checkout", "-q", "-b", "feature")
    shas["f1"] = repo.commit("Start the feature", author=BOB, at=at(2, 9))
    shas["f2"] = repo.commit("Finish the feature", author=BOB, at=at(2, 11))
    repo.run("checkout", "-q", "main")
    shas["m1"] = repo.commit("Tweak the docs", at=at(2, 10))
    shas["merge1"] = repo.merge(
        "feature", "Merge pull request #1 from acme/feature", "Add the feature", at=at(3, 12)
    )
    shas["s1"] = repo.commit(
        "Fix the login bug (#2)\n\n* Fix it\n* Test it",
        author=CAROL,
        at=at(4, 8),
        committed_at=at(5, 9),
    )
    repo.run("checkout", "-q", "-b", "gl")
    shas["g1"] = repo.commit("Cache the build", author=DAN, at=at(6, 10))
    repo.run("checkout", "-q", "main")
    shas["merge3"] = repo.merge(
        "gl",
        "Merge branch 'gl' into 'main'",
        "Speed up the build",
        "See merge request acme/web!3",
        at=at(7, 15),
    )
    shas["bot"] = repo.commit("Bump django from 5.1 to 5.2", author=DEPENDABOT, at=at(8, 9))
    repo.run("checkout", "-q", "-b", "old", shas["c1"])
    shas["tagged"] = repo.commit("Experiment", at=at(9, 9))
    repo.run("tag", "v0.1")
    repo.run("checkout", "-q", "main")
    repo.run("branch", "-q", "-D", "old")
    repo.run("remote", "add", "origin", "git@github.com:acme/web.git")
    repo.shas = shas
    return repo


def _import(organization, repo, **kwargs):
    return git_history_import(organization=organization, path=repo.path, **kwargs)


def test_it_records_every_commit_reachable_from_branches_and_tags(organization, history):
    result = _import(organization, history)

    assert result.repository.full_name == "acme/web"
    assert set(Commit.objects.values_list("sha", flat=True)) == set(history.shas.values())
    squash = Commit.objects.get(sha=history.shas["s1"])
    assert squash.author_name == "Carol Shaw"
    assert squash.author_email == "carol@example.com"
    assert squash.authored_at == utc(4, 8)
    assert squash.committed_at == utc(5, 9)
    assert squash.message == "Fix the login bug (#2)\n\n* Fix it\n* Test it"


def test_it_finds_github_squash_and_gitlab_merges(organization, history):
    _import(organization, history)
    shas = history.shas

    prs = {pr.number: pr for pr in PullRequest.objects.select_related("author")}
    assert set(prs) == {1, 2, 3}
    github, squash, gitlab = prs[1], prs[2], prs[3]

    # Merge commit: the PR title is the body's first line; commits are those reachable from
    # the second parent only (f1, f2), not main's m1 or c1.
    assert github.title == "Add the feature"
    assert github.merge_commit_sha == shas["merge1"]
    assert github.merged_at == utc(3, 12)
    assert set(github.commits.values_list("sha", flat=True)) == {shas["f1"], shas["f2"]}
    assert github.first_commit_at == utc(2, 9)
    assert github.author.display_name == "Bob Builder"
    assert github.head_branch == "feature"
    assert github.state == PullRequest.State.MERGED
    assert github.opened_at is None and github.first_review_at is None

    # Squash: one commit, both merge commit and only commit; merged_at = committer time.
    assert squash.title == "Fix the login bug"
    assert squash.merge_commit_sha == shas["s1"]
    assert list(squash.commits.values_list("sha", flat=True)) == [shas["s1"]]
    assert squash.merged_at == utc(5, 9)
    assert squash.first_commit_at == utc(4, 8)
    assert squash.author.display_name == "Carol Shaw"

    assert gitlab.title == "Speed up the build"
    assert gitlab.merge_commit_sha == shas["merge3"]
    assert list(gitlab.commits.values_list("sha", flat=True)) == [shas["g1"]]
    assert gitlab.first_commit_at == utc(6, 10)
    assert gitlab.author.display_name == "Dan Abramov"


def test_it_resolves_authors_to_contributors_and_spots_bots(organization, history):
    _import(organization, history)

    bot = Commit.objects.get(sha=history.shas["bot"]).contributor
    assert bot.is_bot
    bob = Commit.objects.get(sha=history.shas["f1"]).contributor
    assert not bob.is_bot
    assert list(bob.identities.values_list("kind", "value")) == [("email", "bob@example.com")]
    # One contributor per distinct author; the committer ("Merge Bot") is not an author.
    assert Contributor.objects.filter(organization=organization).count() == 5


def test_it_leaves_unknown_authors_alone_when_auto_create_is_off(organization, history):
    organization.auto_create_contributors = False
    organization.save()

    _import(organization, history)

    assert Contributor.objects.count() == 0
    assert not Commit.objects.filter(contributor__isnull=False).exists()
    assert PullRequest.objects.get(number=1).author is None


def _snapshot():
    return (
        sorted(Commit.objects.values_list()),
        sorted(PullRequest.objects.values_list()),
        sorted(PullRequest.commits.through.objects.values_list("pullrequest_id", "commit_id")),
        sorted(Contributor.objects.values_list()),
    )


def test_a_second_import_adds_and_changes_nothing(
    organization, history, sent_signals, django_capture_on_commit_callbacks
):
    _import(organization, history)
    before = _snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        result = _import(organization, history)

    assert _snapshot() == before
    assert (result.commits_read, result.commits_added) == (len(history.shas), 0)
    assert (result.pull_requests_added, result.pull_requests_updated) == (0, 0)
    assert sent_signals == []


def test_it_tells_the_linker_which_shas_changed(
    organization, history, sent_signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _import(organization, history)

    assert len(sent_signals) == 1
    assert sent_signals[0]["organization"] == organization
    assert set(sent_signals[0]["shas"]) == set(history.shas.values())


def test_it_completes_a_pr_known_from_a_webhook_without_overwriting_it(organization, history):
    repository = Repository.objects.create(organization=organization, full_name="acme/web")
    opened = utc(2, 12)
    PullRequest.objects.create(
        organization=organization,
        repository=repository,
        number=1,
        title="Add the feature (from GitHub)",
        opened_at=opened,
        author_login="bob",
    )

    _import(organization, history)

    pr = PullRequest.objects.get(number=1)
    assert pr.title == "Add the feature (from GitHub)"
    assert pr.opened_at == opened
    assert pr.state == PullRequest.State.MERGED
    assert pr.merged_at == utc(3, 12)
    assert pr.merge_commit_sha == history.shas["merge1"]
    assert pr.commits.count() == 2


def test_since_limits_the_import_to_newer_commits(organization, history):
    call_command("import_git", str(history.path), "--org", "acme", "--since", "2024-01-06")

    assert set(Commit.objects.values_list("sha", flat=True)) == {
        history.shas[key] for key in ("g1", "merge3", "bot", "tagged")
    }


def test_the_command_names_the_repository_and_reports(organization, history, capsys):
    call_command("import_git", str(history.path), "--org", "acme", "--repository", "acme/site")

    assert Repository.objects.get().full_name == "acme/site"
    assert "10 commits read, 10 new; 3 merged pull requests, 3 new" in capsys.readouterr().out


def test_without_origin_the_folder_names_the_repository(organization, tmp_path):
    repo = GitRepo(tmp_path / "billing")
    repo.commit("Initial commit")

    call_command("import_git", str(repo.path), "--org", "acme")

    assert Repository.objects.get().full_name == "local/billing"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/clone"], "does not exist"),
        (["{tmp}"], "is not a git repository"),
        (["{repo}", "--org", "nope"], "No organization with slug 'nope'"),
        (
            ["{repo}", "--repository", "no-slash"],
            "must look like owner/name or group/subgroup/project",
        ),
        (["{repo}", "--since", "yesterday"], "--since 'yesterday' is not a date"),
        (["{repo}", "--since", "9999-12-01"], "--since '9999-12-01': Must be in the years"),
        (["{repo}", "--since", "1969-12-31"], "--since '1969-12-31': Must be in the years"),
    ],
)
def test_it_rejects_bad_input_clearly(organization, tmp_path, args, message):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("Initial commit")
    (tmp_path / "plain").mkdir()
    args = [arg.format(tmp=tmp_path / "plain", repo=repo.path) for arg in args]
    if "--org" not in args:
        args += ["--org", "acme"]

    with pytest.raises(CommandError, match=message):
        call_command("import_git", *args)

    assert not Commit.objects.exists()


def test_an_empty_repository_imports_nothing(organization, tmp_path):
    repo = GitRepo(tmp_path / "empty")

    result = _import(organization, repo)

    assert result.commits_read == 0


def test_branch_commits_exclude_mainline_merged_into_the_branch():
    # main: a - b - M(d2, e)     feature: c - d (merges b) - e ... d2 is "Merge main into feature"
    parents = {
        "M": ("b", "e"),
        "e": ("d2",),
        "d2": ("c", "b"),
        "c": ("a",),
        "b": ("a",),
        "a": (),
    }

    found = commits_only_in(parents, generations(parents), tip="e", base="b")

    assert set(found) == {"e", "d2", "c"}


def test_merge_detection_ignores_look_alikes():
    def commit(message, parents=("p",)):
        return GitCommit("s", parents, "", "", 0, 0, message)

    assert merge_detect(commit("Merge pull request #7 from a/b")) is None  # one parent
    assert merge_detect(commit("Mention (#7) in passing")) is None
    assert merge_detect(commit("Revert (#7) fix (#8)")).number == 8
    assert merge_detect(commit("Merge pull request #7 from a/b", ("p", "q"))).title == (
        "Merge pull request #7 from a/b"
    )


@pytest.mark.parametrize(
    ("dates", "field"),
    [
        ({"at": "@4133980800 +0000"}, "authored_at"),  # 2101
        ({"committed_at": "@9999999999 +0000"}, "committed_at"),  # 2286
    ],
)
def test_a_commit_time_outside_the_supported_years_refuses_the_import(
    organization, tmp_path, dates, field
):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("Initial commit")
    sha = repo.commit("From the future", **dates)

    with pytest.raises(CommandError, match=f"Commit {sha}: {field} .*Must be in the years"):
        call_command("import_git", str(repo.path), "--org", "acme")

    assert not Commit.objects.exists()
