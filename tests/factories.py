"""Plain helpers that make rows for tests. Defaults are valid; pass what the test cares about."""

import hashlib
import itertools
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from organizations.models import Contributor, ContributorIdentity, Membership, Organization, Team
from repositories.models import Commit, PullRequest, Repository

_counter = itertools.count(1)


def make_sha(seed: object = None) -> str:
    return hashlib.sha1(str(seed if seed is not None else next(_counter)).encode()).hexdigest()  # noqa: S324


def make_user(username: str | None = None, password: str = "correct horse battery"):
    user = get_user_model().objects.create_user(
        username=username or f"user{next(_counter)}", password=password
    )
    return user


def make_organization(slug: str | None = None, **fields) -> Organization:
    slug = slug or f"org-{next(_counter)}"
    return Organization.objects.create(slug=slug, name=fields.pop("name", slug.title()), **fields)


def make_membership(user, organization, role: str = "member") -> Membership:
    return Membership.objects.create(user=user, organization=organization, role=role)


def make_team(organization, name: str = "Platform", slug: str | None = None) -> Team:
    return Team.objects.create(organization=organization, name=name, slug=slug or name.lower())


def make_contributor(
    organization,
    name: str = "Ada Lovelace",
    *,
    teams=(),
    is_bot=False,
    login: str | None = None,
    email: str | None = None,
    **fields,
) -> Contributor:
    contributor = Contributor.objects.create(
        organization=organization, display_name=name, is_bot=is_bot, **fields
    )
    contributor.teams.set(teams, through_defaults={"organization": organization})
    for kind, value in (("login", login), ("email", email)):
        if value:
            ContributorIdentity.objects.create(
                organization=organization, contributor=contributor, kind=kind, value=value.lower()
            )
    return contributor


def make_repository(organization, full_name: str = "acme/web") -> Repository:
    return Repository.objects.create(organization=organization, full_name=full_name)


def make_commit(
    repository,
    sha: str | None = None,
    *,
    contributor=None,
    at: datetime | None = None,
    message: str = "Change things",
    **fields,
) -> Commit:
    at = at or timezone.now()
    return Commit.objects.create(
        organization=repository.organization,
        repository=repository,
        sha=sha or make_sha(),
        contributor=contributor,
        message=message,
        authored_at=fields.pop("authored_at", at),
        committed_at=fields.pop("committed_at", at),
        author_name=contributor.display_name if contributor else fields.pop("author_name", ""),
        **fields,
    )


def make_pull_request(
    repository,
    number: int | None = None,
    *,
    author=None,
    commits=(),
    merged_at: datetime | None = None,
    **fields,
) -> PullRequest:
    pull_request = PullRequest.objects.create(
        organization=repository.organization,
        repository=repository,
        number=number or next(_counter),
        author=author,
        merged_at=merged_at,
        state=PullRequest.State.MERGED if merged_at else PullRequest.State.OPEN,
        title=fields.pop("title", "A pull request"),
        **fields,
    )
    pull_request.commits.set(
        commits, through_defaults={"organization_id": repository.organization_id}
    )
    return pull_request
