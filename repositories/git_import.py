"""Importing history from a local clone: one streaming `git log`, PRs found in the messages.

Every commit reachable from a branch, tag, remote-tracking branch or HEAD is recorded. Merged
pull requests are recognised from the merge commits hosting services write:

- GitHub merge commits, "Merge pull request #N from owner/branch": the PR's commits are those
  reachable from the second parent and not from the first; its title is the first body line
  (GitHub writes the PR title there), else the subject.
- Squash merges whose subject ends in "(#N)": the commit is both the PR's merge commit and its
  only commit; the title is the subject without " (#N)".
- GitLab merge commits carrying "See merge request GROUP/PROJECT!N": like GitHub's.

The PR's author is the author of its earliest commit; merged_at is the merge commit's
committer time. Git knows no PR open or review time, so those stay empty.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.db import connection, transaction

from config.fields import column_fitted
from organizations.dates import OUT_OF_RANGE_MESSAGE, date_is_supported
from organizations.models import Organization
from organizations.services import AuthorIdentity, contributors_resolve
from repositories.git_graph import commits_only_in, generations
from repositories.git_log import (
    GitCommit,
    GitImportError,
    git_log,
    repository_check,
    repository_name_guess,
)
from repositories.models import (
    REPOSITORY_FULL_NAME,
    REPOSITORY_FULL_NAME_MESSAGE,
    PullRequest,
    Repository,
)
from repositories.services import (
    BATCH_SIZE,
    CommitData,
    chunked,
    commit_data_changed_send,
    commits_upsert,
    pull_request_commits_add,
    repository_ensure,
    rows_insert,
)

_PROGRESS_EVERY = 10_000
_GITHUB_MERGE = re.compile(r"^Merge pull request #(\d+) from (\S+)")
_SQUASH = re.compile(r"\s*\(#(\d+)\)\s*$")
_GITLAB = re.compile(r"^See merge request (\S+)!(\d+)\s*$", re.MULTILINE)
_GITLAB_BRANCH = re.compile(r"^Merge branch '([^']+)'")
_FULL_NAME = re.compile(REPOSITORY_FULL_NAME)


@dataclass(slots=True)
class MergeFound:
    number: int
    sha: str
    title: str
    head_branch: str
    committed_ts: int
    # A squash (or single-parent GitLab) merge is its own only commit.
    is_single_commit: bool
    commits: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    repository: Repository
    commits_read: int = 0
    commits_added: int = 0
    pull_requests_found: int = 0
    pull_requests_added: int = 0
    pull_requests_updated: int = 0


def merge_detect(commit: GitCommit) -> MergeFound | None:
    """The merged PR this commit records, if its message says so (see the module docstring)."""
    subject, _, body = commit.message.partition("\n")
    body_lines = [line.strip() for line in body.splitlines() if line.strip()]
    is_merge = len(commit.parents) >= 2
    found = None
    if is_merge and (match := _GITHUB_MERGE.match(subject)):
        title = body_lines[0] if body_lines else subject
        found = (int(match[1]), title, match[2].split("/", 1)[-1], False)
    elif match := _GITLAB.search(body):
        lines = [line for line in body_lines if not line.startswith("See merge request")]
        branch = _GITLAB_BRANCH.match(subject)
        found = (
            int(match[2]),
            lines[0] if lines else subject,
            branch[1] if branch else "",
            not is_merge,
        )
    elif not is_merge and (match := _SQUASH.search(subject)):
        found = (int(match[1]), subject[: match.start()], "", True)
    if found is None:
        return None
    number, title, head_branch, is_single_commit = found
    return MergeFound(
        number=number,
        sha=commit.sha,
        title=column_fitted(PullRequest, "title", title),
        head_branch=column_fitted(PullRequest, "head_branch", head_branch),
        committed_ts=commit.committed_ts,
        is_single_commit=is_single_commit,
    )


def _merges_resolve(merges: list[MergeFound], parents: dict) -> list[MergeFound]:
    # A number seen twice (a cherry-picked "(#N)" on a release branch) keeps the earliest.
    first: dict[int, MergeFound] = {}
    for merge in sorted(merges, key=lambda m: (m.committed_ts, m.sha)):
        first.setdefault(merge.number, merge)
    generation = (
        generations(parents) if any(not m.is_single_commit for m in first.values()) else {}
    )
    for merge in first.values():
        if merge.is_single_commit:
            merge.commits = [merge.sha]
        else:
            base, tip = parents[merge.sha][:2]
            merge.commits = commits_only_in(parents, generation, tip=tip, base=base)
    return list(first.values())


def _timestamp(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


@dataclass
class _History:
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    earliest: dict[str, tuple[int, AuthorIdentity]] = field(default_factory=dict)
    merges: list[MergeFound] = field(default_factory=list)
    new_shas: list[str] = field(default_factory=list)
    known_shas: set[str] = field(default_factory=set)


@transaction.atomic
def git_history_import(
    *,
    organization: Organization,
    path: Path,
    repository_full_name: str = "",
    since: datetime | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> ImportResult:
    """Records the clone's commits and merged PRs; running it again changes nothing."""
    repository_check(path)
    full_name = repository_full_name or repository_name_guess(path)
    if not _FULL_NAME.match(full_name):
        raise GitImportError(f"Repository name {full_name!r} {REPOSITORY_FULL_NAME_MESSAGE}.")
    result = ImportResult(
        repository=repository_ensure(organization=organization, full_name=full_name)
    )
    # One query for what the repository already has beats a lookup per batch.
    history = _History(known_shas=set(result.repository.commits.values_list("sha", flat=True)))
    contributor_ids: dict[AuthorIdentity, int | None] = {}
    batch: list[CommitData] = []
    for commit in git_log(path, since=since):
        author = AuthorIdentity(name=commit.author_name, email=commit.author_email)
        history.parents[commit.sha] = commit.parents
        history.earliest[commit.sha] = (commit.authored_ts, author)
        if merge := merge_detect(commit):
            history.merges.append(merge)
        batch.append(_commit_data(commit, author))
        if len(batch) >= BATCH_SIZE:
            _batch_store(result, batch, history, contributor_ids, progress)
            batch = []
    _batch_store(result, batch, history, contributor_ids, progress)
    merges = _merges_resolve(history.merges, history.parents)
    changed_shas = _pull_requests_store(result, merges, history, contributor_ids)
    commit_data_changed_send(organization=organization, shas=[*history.new_shas, *changed_shas])
    return result


def _commit_data(commit: GitCommit, author: AuthorIdentity) -> CommitData:
    return CommitData(
        sha=commit.sha,
        message=commit.message,
        author=author,
        authored_at=_commit_time(commit.authored_ts, sha=commit.sha, field="authored_at"),
        committed_at=_commit_time(commit.committed_ts, sha=commit.sha, field="committed_at"),
    )


def _commit_time(ts: int, *, sha: str, field: str) -> datetime:
    """A commit's time; one outside the supported years refuses the whole import."""
    try:
        moment = _timestamp(ts)
    except (OverflowError, OSError, ValueError):
        moment = None
    if moment is None or not date_is_supported(moment):
        raise GitImportError(f"Commit {sha}: {field} {ts}: {OUT_OF_RANGE_MESSAGE}")
    return moment


def _batch_store(result, batch, history, contributor_ids, progress) -> None:
    added = commits_upsert(
        repository=result.repository,
        commits=batch,
        contributor_ids=contributor_ids,
        known_shas=history.known_shas,
    )
    history.new_shas.extend(added)
    before = result.commits_read
    result.commits_read += len(batch)
    result.commits_added += len(added)
    if result.commits_read // _PROGRESS_EVERY > before // _PROGRESS_EVERY:
        progress(f"{result.commits_read} commits read, {result.commits_added} new")


def _pull_requests_store(result, merges, history, contributor_ids) -> list[str]:
    """Creates the PRs git shows, fills what an existing PR lacks, adds their commits;
    returns the SHAs whose PR data changed."""
    repository = result.repository
    result.pull_requests_found = len(merges)
    author_ids = _author_ids(repository, merges, history, contributor_ids)
    created, updated = _pull_requests_write(repository, merges, author_ids, history)
    result.pull_requests_added, result.pull_requests_updated = len(created), len(updated)
    ids = _pull_request_ids(repository, [merge.number for merge in merges])
    commit_ids = dict(repository.commits.values_list("sha", "id"))
    changed_ids = pull_request_commits_add(
        organization_id=repository.organization_id,
        memberships=[
            (ids[merge.number], commit_ids[sha])
            for merge in merges
            for sha in merge.commits
            if sha in commit_ids
        ],
    )
    changed_ids |= {ids[number] for number in created + updated}
    changed = [merge for merge in merges if ids[merge.number] in changed_ids]
    return [sha for merge in changed for sha in (merge.sha, *merge.commits)]


def _author_ids(repository, merges, history, contributor_ids) -> dict[int, int | None]:
    """PR number -> contributor id of the author of the PR's earliest commit."""
    authors = {
        merge.number: min(history.earliest[sha] for sha in merge.commits or [merge.sha])[1]
        for merge in merges
    }
    missing = set(authors.values()) - contributor_ids.keys()
    if missing:
        contributor_ids.update(
            contributors_resolve(organization=repository.organization, authors=missing)
        )
    return {number: contributor_ids[author] for number, author in authors.items()}


def _pull_request_ids(repository: Repository, numbers: list[int]) -> dict[int, int]:
    return {
        number: pk
        for chunk in chunked(numbers)
        for number, pk in PullRequest.objects.filter(
            repository=repository, number__in=chunk
        ).values_list("number", "id")
    }


_PR_FIELDS = (
    "organization",
    "repository",
    "number",
    "title",
    "state",
    "is_draft",
    "head_branch",
    "author",
    "author_login",
    "merged_at",
    "merge_commit_sha",
    "first_commit_at",
)


def _pull_requests_write(repository, merges, author_ids, history) -> tuple[list[int], list[int]]:
    """Inserts unknown PRs and completes known ones; returns (created, updated) numbers."""
    numbers = [merge.number for merge in merges]
    existing = {
        pr.number: pr
        for chunk in chunked(numbers)
        for pr in PullRequest.objects.filter(repository=repository, number__in=chunk)
    }
    adapt = connection.ops.adapt_datetimefield_value
    rows, updated = [], []

    # Known already, so the membership refresh that follows finds nothing to rewrite.
    def first_commit_at(merge: MergeFound) -> datetime:
        return _timestamp(min(history.earliest[sha][0] for sha in merge.commits or [merge.sha]))

    for merge in merges:
        fields = {
            "title": merge.title,
            "state": PullRequest.State.MERGED,
            "merged_at": _timestamp(merge.committed_ts),
            "merge_commit_sha": merge.sha,
            "author_id": author_ids[merge.number],
            "head_branch": merge.head_branch,
        }
        if merge.number not in existing:
            rows.append(
                (repository.organization_id, repository.pk, merge.number, merge.title)
                + (PullRequest.State.MERGED, False, merge.head_branch, fields["author_id"], "")
                + (adapt(fields["merged_at"]), merge.sha, adapt(first_commit_at(merge)))
            )
        elif _fill_missing(existing[merge.number], fields):
            updated.append(existing[merge.number])
    rows_insert(model=PullRequest, fields=_PR_FIELDS, rows=rows)
    PullRequest.objects.bulk_update(updated, _UPDATABLE, batch_size=BATCH_SIZE)
    return [row[2] for row in rows], [pr.number for pr in updated]


_UPDATABLE = ["title", "state", "merged_at", "merge_commit_sha", "author_id", "head_branch"]


def _fill_missing(pull_request: PullRequest, fields: dict) -> bool:
    """Git only knows a PR after its merge; webhook data about it wins, gaps are filled."""
    changed = False
    if pull_request.state != PullRequest.State.MERGED:
        for key in ("state", "merged_at", "merge_commit_sha"):
            setattr(pull_request, key, fields[key])
        changed = True
    for key in ("title", "author_id", "head_branch", "merge_commit_sha"):
        if not getattr(pull_request, key) and fields[key]:
            setattr(pull_request, key, fields[key])
            changed = True
    return changed
