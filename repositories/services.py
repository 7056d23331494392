"""Writes for code history: repositories, commits, pull requests and their membership.

Both ingestion paths (GitHub webhooks and `import_git`) end here, so the rules for bulk
upserts, contributor resolution and notifying the deployment linker live in one place.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q

from config.fields import column_fitted
from organizations.models import Organization
from organizations.services import AuthorIdentity, contributor_is_bot, contributors_resolve
from repositories.models import GITHUB_URL, Commit, PullRequest, Repository
from repositories.selectors import login_is_marked_bot
from repositories.signals import commit_data_changed

BATCH_SIZE = 2000
# Bound parameters per IN (...) lookup: few round trips for a large import, and well under
# the 65,535 parameters of a server-side-bound statement.
_LOOKUP_CHUNK = 10_000


@dataclass(frozen=True)
class CommitData:
    sha: str
    message: str
    author: AuthorIdentity
    authored_at: datetime
    committed_at: datetime


@dataclass(frozen=True)
class PullRequestData:
    number: int
    title: str
    state: str
    author: AuthorIdentity
    is_draft: bool = False
    head_branch: str = ""
    opened_at: datetime | None = None
    merged_at: datetime | None = None
    merge_commit_sha: str = ""
    # The code host's updated_at of this snapshot, when the source sends one.
    updated_at: datetime | None = None


@dataclass(frozen=True)
class PullRequestReviewData:
    reviewer: AuthorIdentity
    # None for a PENDING (draft) review, which GitHub has not submitted.
    submitted_at: datetime | None
    state: str = ""
    # The source already knows the reviewer is the PR's author (GitLab compares user ids,
    # which also holds when the author's username is not known yet).
    by_author: bool = False


def chunked(items: list, size: int | None = None) -> Iterable[list]:
    if size is None:
        size = _LOOKUP_CHUNK
    for start in range(0, len(items), size):
        yield items[start : start + size]


def commit_data_changed_send(*, organization: Organization, shas: Iterable[str]) -> None:
    """Tells listeners (the deployment linker) after commit that these SHAs have new data."""
    shas = sorted(set(shas))
    if shas:
        transaction.on_commit(
            lambda: commit_data_changed.send(sender=Commit, organization=organization, shas=shas)
        )


@dataclass(frozen=True)
class CodeHost:
    """Where a repository lives: its kind and its web root (no trailing slash)."""

    kind: str
    url: str


GITHUB = CodeHost(kind=Repository.Host.GITHUB, url=GITHUB_URL)


def repository_ensure(
    *, organization: Organization, full_name: str, host: CodeHost | None = None
) -> Repository:
    """The organization's repository of that path, created on first sight. A source that
    names the host (GitLab's webhook and backfill) records it; one that does not (GitHub's,
    which is the default, and git import) keeps what is stored, GitHub for a new row."""
    known = host or GITHUB
    repository, created = Repository.objects.get_or_create(
        organization=organization,
        full_name=full_name,
        defaults={"host": known.kind, "host_url": known.url},
    )
    if host and not created and (repository.host, repository.host_url) != (host.kind, host.url):
        repository.host, repository.host_url = host.kind, host.url
        repository.save(update_fields=["host", "host_url"])
    return repository


@transaction.atomic
def commits_upsert(
    *,
    repository: Repository,
    commits: list[CommitData],
    contributor_ids: dict[AuthorIdentity, int | None] | None = None,
    known_shas: set[str] | None = None,
) -> list[str]:
    """Inserts the commits the repository does not have yet; returns their SHAs.

    Commits are immutable by SHA, so a known one is left exactly as it is. The importer
    passes `contributor_ids` to reuse resolutions across batches and `known_shas` (the
    repository's SHAs, loaded once, updated here) to skip a lookup per batch.
    """
    if known_shas is None:
        known_shas = set(commit_ids_by_sha(repository=repository, shas=[c.sha for c in commits]))
    new = list({c.sha: c for c in commits if c.sha not in known_shas}.values())
    known_shas.update(commit.sha for commit in new)
    if contributor_ids is None:
        contributor_ids = {}
    unresolved = {commit.author for commit in new} - contributor_ids.keys()
    if unresolved:
        contributor_ids.update(
            contributors_resolve(organization=repository.organization, authors=unresolved)
        )
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        (
            repository.organization_id,
            repository.pk,
            commit.sha,
            commit.author.name[:200],
            commit.author.email[:254],
            commit.author.login[:100],
            contributor_ids[commit.author],
            commit.message,
            adapt(commit.authored_at),
            adapt(commit.committed_at),
        )
        for commit in new
    ]
    rows_insert(model=Commit, fields=_COMMIT_FIELDS, rows=rows)
    return [commit.sha for commit in new]


_COMMIT_FIELDS = (
    "organization",
    "repository",
    "sha",
    "author_name",
    "author_email",
    "author_login",
    "contributor",
    "message",
    "authored_at",
    "committed_at",
)


def rows_insert(*, model, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING of plain tuples, COPYed into a temporary table
    first: no model instances, no per-row round trips, no parameters to bind. ON CONFLICT
    only skips duplicates: CHECK constraints still apply.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    # Only model metadata (quoted) is interpolated; every value is a bound parameter.
    insert = f"INSERT INTO {table} ({columns})"  # noqa: S608
    staging = quote(f"staging_{model._meta.db_table}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"{insert} SELECT * FROM {staging} ON CONFLICT DO NOTHING")  # noqa: S608
        cursor.execute(f"DROP TABLE {staging}")


def commit_ids_by_sha(*, repository: Repository, shas: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunked(sorted(set(shas))):
        found.update(
            Commit.objects.filter(repository=repository, sha__in=chunk).values_list("sha", "id")
        )
    return found


@transaction.atomic
def pull_request_commits_add(
    *, organization_id: int, memberships: Iterable[tuple[int, int]]
) -> set[int]:
    """Adds (pull_request_id, commit_id) pairs of the organization; returns the PR ids whose
    commits changed."""
    through = PullRequest.commits.through
    pairs = set(memberships)
    existing = set()
    for pr_ids in chunked(sorted({pr_id for pr_id, _ in pairs})):
        existing.update(
            through.objects.filter(pullrequest_id__in=pr_ids).values_list(
                "pullrequest_id", "commit_id"
            )
        )
    new = sorted(pairs - existing)
    rows_insert(
        model=through,
        fields=("organization", "pullrequest", "commit"),
        rows=[(organization_id, pr_id, commit_id) for pr_id, commit_id in new],
    )
    changed = {pr_id for pr_id, _ in new}
    pull_requests_refresh_first_commit_at(pull_request_ids=changed)
    return changed


def pull_requests_refresh_first_commit_at(*, pull_request_ids: Iterable[int]) -> None:
    """first_commit_at = the earliest authored_at among the PR's commits.

    One set-based UPDATE ... FROM (grouped) per chunk, writing only the PRs whose value
    differs: a grouped join keeps a good plan right after a bulk load (before ANALYZE),
    where a correlated UPDATE does not, and nothing is read into Python to compare."""
    quote = connection.ops.quote_name
    through = PullRequest.commits.through._meta.db_table
    # Only table names from the models (quoted) are interpolated; the ids are parameters.
    with connection.cursor() as cursor:
        for ids in chunked(sorted(set(pull_request_ids))):
            placeholders = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f"""
                UPDATE {quote(PullRequest._meta.db_table)} AS pr
                SET first_commit_at = earliest.earliest_at
                FROM (
                    SELECT member.pullrequest_id, MIN(source.authored_at) AS earliest_at
                    FROM {quote(through)} AS member
                    JOIN {quote(Commit._meta.db_table)} AS source
                        ON source.id = member.commit_id
                    WHERE member.pullrequest_id IN ({placeholders})
                    GROUP BY member.pullrequest_id
                ) AS earliest
                WHERE pr.id = earliest.pullrequest_id
                    AND (pr.first_commit_at IS NULL OR pr.first_commit_at <> earliest.earliest_at)
                """,  # noqa: S608
                ids,
            )


@transaction.atomic
def pull_request_upsert(*, repository: Repository, data: PullRequestData) -> PullRequest:
    """Creates or updates a PR from what GitHub reported.

    Events can arrive out of order, so a PR already recorded as merged keeps its merge
    data (GitHub cannot un-merge), a snapshot older than the stored one (by the code host's
    updated_at) changes nothing, and a known author (or login) is never replaced by nobody
    (GitLab's hooks name the author only when the author acted). A value
    longer than its column is truncated.
    """
    author_ids = contributors_resolve(organization=repository.organization, authors=[data.author])
    fields = {
        "title": column_fitted(PullRequest, "title", data.title),
        "is_draft": data.is_draft,
        "head_branch": column_fitted(PullRequest, "head_branch", data.head_branch),
        "author_login": column_fitted(PullRequest, "author_login", data.author.login.lower()),
        "opened_at": data.opened_at,
        "state": data.state,
        "merged_at": data.merged_at,
        "merge_commit_sha": data.merge_commit_sha,
        "source_updated_at": data.updated_at,
    }
    pull_request, created = PullRequest.objects.select_for_update().get_or_create(
        repository=repository,
        number=data.number,
        defaults={
            "organization_id": repository.organization_id,
            "author_id": author_ids[data.author],
            **fields,
        },
    )
    if created:
        _merge_data_changed(pull_request)
        return pull_request
    stored_at = pull_request.source_updated_at
    if data.updated_at is None:
        fields["source_updated_at"] = stored_at
    elif stored_at and data.updated_at < stored_at:
        return pull_request
    if pull_request.state == PullRequest.State.MERGED:
        for key in ("state", "merged_at", "merge_commit_sha"):
            fields.pop(key)
    fields["author_id"] = author_ids[data.author] or pull_request.author_id
    fields["author_login"] = fields["author_login"] or pull_request.author_login
    fields["opened_at"] = data.opened_at or pull_request.opened_at
    changed = [key for key, value in fields.items() if getattr(pull_request, key) != value]
    merge_changed = {"merged_at", "merge_commit_sha"} & set(changed)
    for key in changed:
        setattr(pull_request, key, fields[key])
    pull_request.save(update_fields=changed)
    if merge_changed:
        _merge_data_changed(pull_request)
    return pull_request


def _merge_data_changed(pull_request: PullRequest) -> None:
    # A deployment carrying the merge commit, or any PR commit, may now ship this PR.
    shas = list(pull_request.commits.values_list("sha", flat=True))
    if pull_request.merge_commit_sha:
        shas.append(pull_request.merge_commit_sha)
    commit_data_changed_send(organization=pull_request.organization, shas=shas)


@transaction.atomic
def pull_request_merge_commit_correct(*, pull_request: PullRequest, merge_commit_sha: str) -> bool:
    """Replaces a merged PR's merge commit when its source first reported a stand-in: GitLab's
    hook names the head of a squashed fast-forward merge, its API the squash commit that
    landed. Deployments are relinked; True when it changed."""
    if pull_request.state != PullRequest.State.MERGED or not merge_commit_sha:
        return False
    if pull_request.merge_commit_sha == merge_commit_sha:
        return False
    stand_in = pull_request.merge_commit_sha
    pull_request.merge_commit_sha = merge_commit_sha
    pull_request.save(update_fields=["merge_commit_sha"])
    _merge_data_changed(pull_request)
    commit_data_changed_send(organization=pull_request.organization, shas=[stand_in])
    return True


def pull_request_review_record(*, pull_request: PullRequest, submitted_at: datetime) -> bool:
    """Keeps first_review_at at the earliest qualifying review; True when it moved."""
    return bool(
        PullRequest.objects.filter(pk=pull_request.pk)
        .filter(Q(first_review_at__isnull=True) | Q(first_review_at__gt=submitted_at))
        .update(first_review_at=submitted_at)
    )


def review_counts_as_first_review(
    *, pull_request: PullRequest, review: PullRequestReviewData
) -> bool:
    """The first-review rule: a submitted review (not PENDING) by someone other than the
    PR's author, and not by a bot (`contributor_is_bot`, or a login an admin marked as a
    bot). first_review_at is the earliest review that counts."""
    login = review.reviewer.login.lower()
    if review.submitted_at is None or review.state.upper() == "PENDING":
        return False
    if review.by_author or (login and login == pull_request.author_login):
        return False
    organization = pull_request.organization
    return not (
        contributor_is_bot(organization=organization, author=review.reviewer)
        or login_is_marked_bot(organization=organization, login=login)
    )


def pull_request_reviews_record(
    *, pull_request: PullRequest, reviews: list[PullRequestReviewData]
) -> bool:
    """Records the earliest of the reviews that count; True when first_review_at moved."""
    counted = [
        review.submitted_at
        for review in reviews
        if review_counts_as_first_review(pull_request=pull_request, review=review)
    ]
    return bool(counted) and pull_request_review_record(
        pull_request=pull_request, submitted_at=min(counted)
    )


@transaction.atomic
def pull_request_claim_commits(*, pull_request: PullRequest, shas: Iterable[str]) -> set[int]:
    """Adds the pushed commits no other PR of the repository owns (a branch name can be
    reused after an earlier PR from it closed)."""
    commit_ids = set(commit_ids_by_sha(repository=pull_request.repository, shas=shas).values())
    through = PullRequest.commits.through
    owned = set()
    for ids in chunked(sorted(commit_ids)):
        owned.update(
            through.objects.filter(commit_id__in=ids)
            .exclude(pullrequest_id=pull_request.pk)
            .values_list("commit_id", flat=True)
        )
    return pull_request_commits_add(
        organization_id=pull_request.organization_id,
        memberships=[(pull_request.pk, commit_id) for commit_id in commit_ids - owned],
    )
