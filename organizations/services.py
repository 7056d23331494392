import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify

from organizations.models import (
    Contributor,
    ContributorIdentity,
    ContributorTeam,
    Membership,
    Organization,
    Team,
)
from organizations.signals import contributors_changed, counted_environments_changed

# Identity lookups are chunked so one statement of a large import binds few parameters.
_LOOKUP_CHUNK = 500


def password_generate() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def user_ensure(*, username: str, password: str | None = None) -> tuple[object, bool]:
    """Returns (user, created). A given password is (re)set; a new user without one gets none."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, created


@transaction.atomic
def organization_create(*, slug: str, name: str = "") -> Organization:
    organization, _ = Organization.objects.get_or_create(
        slug=slug, defaults={"name": name or slug.replace("-", " ").title()}
    )
    return organization


def organization_counting_validate(
    *, organization: Organization, counted_environments: list[str]
) -> list[str]:
    """The counted environments as organization_counting_update would save them;
    ValidationError naming the problem when it could not."""
    counted = list(counted_environments)
    Organization._meta.get_field("counted_environments").clean(counted, organization)
    return counted


@transaction.atomic
def organization_counting_update(
    *,
    organization: Organization,
    counted_environments: list[str],
    bot_names: list[str] | None = None,
) -> Organization:
    """Saves which environments count (and the bot names that flag new authors); when the
    counted environments changed, every deploy moment of the organization follows."""
    before = Organization.objects.values_list("counted_environments", flat=True).get(
        pk=organization.pk
    )
    organization.counted_environments = list(counted_environments)
    fields = ["counted_environments"]
    if bot_names is not None:
        organization.bot_names = list(bot_names)
        fields.append("bot_names")
    organization.full_clean(exclude=["slug"])
    organization.save(update_fields=fields)
    if sorted(before or ()) != sorted(organization.counted_environments):
        counted_environments_changed.send(sender=Organization, organization=organization)
    return organization


def github_deployments_set(*, organization: Organization, enabled: bool) -> Organization:
    """Turns GitHub deployment statuses as a source of deployments on or off (it changes
    nothing already recorded)."""
    organization.github_deployments_enabled = enabled
    organization.save(update_fields=["github_deployments_enabled"])
    return organization


def incident_label_set(*, organization: Organization, label: str) -> Organization:
    """The GitHub issue label that makes an issue an incident (from the next delivery on;
    incidents already recorded stay). ValidationError when blank or too long."""
    field = Organization._meta.get_field("incident_label")
    organization.incident_label = field.clean(label.strip(), organization)
    organization.save(update_fields=["incident_label"])
    return organization


@transaction.atomic
def bot_names_update(*, organization: Organization, bot_names: list[str]) -> Organization:
    """Saves the bot names (they flag authors seen from now on), keeping what counts."""
    counted = Organization.objects.values_list("counted_environments", flat=True).get(
        pk=organization.pk
    )
    return organization_counting_update(
        organization=organization, counted_environments=counted or [], bot_names=bot_names
    )


@transaction.atomic
def team_create(*, organization: Organization, name: str) -> Team:
    """A new team; its slug (the dashboard's `team` filter) comes from the name."""
    name, slug = name.strip()[:200], slugify(name)[:100]
    if not name or not slug:
        raise ValidationError("Give the team a name with at least one letter or digit.")
    if Team.objects.filter(organization=organization, slug=slug).exists():
        raise ValidationError(f"A team called {name!r} (slug {slug}) exists already.")
    return Team.objects.create(organization=organization, name=name, slug=slug)


def _same_organization(team: Team, contributor: Contributor) -> None:
    if team.organization_id != contributor.organization_id:
        raise ValidationError("The team and the contributor belong to different organizations.")


@transaction.atomic
def team_member_add(*, team: Team, contributor: Contributor) -> None:
    """Adds a contributor to a team; attribution follows (Contributor.teams' m2m_changed)."""
    _same_organization(team, contributor)
    contributor.teams.add(team, through_defaults={"organization_id": team.organization_id})


@transaction.atomic
def team_member_remove(*, team: Team, contributor: Contributor) -> bool:
    """Takes a contributor off a team; returns whether they were on it."""
    _same_organization(team, contributor)
    was_member = ContributorTeam.objects.filter(team=team, contributor=contributor).exists()
    contributor.teams.remove(team)
    return was_member


@transaction.atomic
def membership_set(*, organization: Organization, user, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    return membership


@dataclass(frozen=True)
class AuthorIdentity:
    """Who wrote a commit or opened a PR, as the source reported it (git or GitHub)."""

    name: str = ""
    email: str = ""
    login: str = ""
    # GitHub says so itself (user.type == "Bot") for app accounts.
    is_bot_account: bool = False

    def normalised(self) -> "AuthorIdentity":
        return AuthorIdentity(
            name=self.name.strip(),
            email=self.email.strip().lower(),
            login=self.login.strip().lower(),
            is_bot_account=self.is_bot_account,
        )

    def identity_keys(self) -> list[tuple[str, str]]:
        """(kind, value) pairs, login first: a GitHub login outlives changing emails."""
        keys = [
            (ContributorIdentity.Kind.LOGIN, self.login),
            (ContributorIdentity.Kind.EMAIL, self.email),
        ]
        return [(kind, value) for kind, value in keys if value]


def contributor_is_bot(*, organization: Organization, author: AuthorIdentity) -> bool:
    """A bot is flagged by GitHub, has "[bot]" in its login, name or email, or contains one
    of the organization's bot_names there."""
    if author.is_bot_account:
        return True
    haystacks = [author.login.lower(), author.name.lower(), author.email.lower()]
    needles = ["[bot]", *(str(name).lower() for name in organization.bot_names or [])]
    return any(needle in haystack for haystack in haystacks for needle in needles if needle)


def _identity_map(*, organization: Organization, keys: set[tuple[str, str]]) -> dict:
    found: dict[tuple[str, str], int] = {}
    for kind in (ContributorIdentity.Kind.LOGIN, ContributorIdentity.Kind.EMAIL):
        values = sorted(value for key_kind, value in keys if key_kind == kind)
        for start in range(0, len(values), _LOOKUP_CHUNK):
            rows = ContributorIdentity.objects.filter(
                organization=organization,
                kind=kind,
                value__in=values[start : start + _LOOKUP_CHUNK],
            ).values_list("value", "contributor_id")
            found.update(((kind, value), contributor_id) for value, contributor_id in rows)
    return found


def _display_name(author: AuthorIdentity) -> str:
    return (author.name or author.login or author.email.split("@")[0])[:200]


@transaction.atomic
def contributors_resolve(
    *, organization: Organization, authors: Iterable[AuthorIdentity]
) -> dict[AuthorIdentity, int | None]:
    """Maps each author (as given) to a contributor id, or None when they are not one.

    Known identities resolve to their contributor, and an author's other identity (the email
    beside a known login) is learnt. Unknown authors become contributors when the
    organization's auto_create_contributors is on. Three queries plus inserts per call.
    """
    normalised = {author: author.normalised() for author in authors}
    keys = {key for author in normalised.values() for key in author.identity_keys()}
    found = _identity_map(organization=organization, keys=keys)
    unknown = [a for a in set(normalised.values()) if a.identity_keys() and not _lookup(found, a)]
    if unknown and organization.auto_create_contributors:
        found.update(_contributors_create(organization=organization, authors=unknown))
    _identities_learn(organization=organization, authors=normalised.values(), found=found)
    return {original: _lookup(found, author) for original, author in normalised.items()}


def _lookup(found: dict, author: AuthorIdentity) -> int | None:
    return next((found[key] for key in author.identity_keys() if key in found), None)


def _identities_learn(*, organization, authors, found: dict) -> None:
    new_rows, seen = [], set()
    for author in authors:
        contributor_id = _lookup(found, author)
        for key in author.identity_keys():
            if contributor_id and key not in found and key not in seen:
                seen.add(key)
                new_rows.append(
                    ContributorIdentity(
                        organization=organization,
                        contributor_id=contributor_id,
                        kind=key[0],
                        value=key[1],
                    )
                )
    ContributorIdentity.objects.bulk_create(new_rows, ignore_conflicts=True)


def _contributors_create(*, organization, authors: list[AuthorIdentity]) -> dict:
    # One contributor per person even when a batch shows them twice (email only, then
    # email + login): authors sharing any identity are grouped before inserting.
    groups: list[list[AuthorIdentity]] = []
    group_of: dict[tuple[str, str], int] = {}
    for author in sorted(authors, key=lambda a: (a.login == "", a.email, a.login, a.name)):
        index = next((group_of[k] for k in author.identity_keys() if k in group_of), None)
        if index is None:
            index = len(groups)
            groups.append([])
        groups[index].append(author)
        for key in author.identity_keys():
            group_of.setdefault(key, index)
    contributors = Contributor.objects.bulk_create(
        Contributor(
            organization=organization,
            display_name=_display_name(group[0]),
            is_bot=any(contributor_is_bot(organization=organization, author=a) for a in group),
        )
        for group in groups
    )
    ContributorIdentity.objects.bulk_create(
        [
            ContributorIdentity(
                organization=organization, contributor=contributors[index], kind=kind, value=value
            )
            for (kind, value), index in group_of.items()
        ],
        ignore_conflicts=True,
    )
    # A concurrent writer may have claimed an identity first: use theirs, drop our orphans.
    found = _identity_map(organization=organization, keys=set(group_of))
    orphans = {c.pk for c in contributors} - set(found.values())
    Contributor.objects.filter(pk__in=orphans).delete()
    return found


@transaction.atomic
def contributors_merge(*, target: Contributor, others: Iterable[Contributor]) -> Contributor:
    """Merges `others` into `target`: their identities, commits, PR authorship and teams move
    to target, then they are deleted."""
    others = [other for other in others if other.pk != target.pk]
    if any(other.organization_id != target.organization_id for other in others):
        raise ValidationError("Only contributors of one organization can be merged.")
    # Every foreign key to Contributor (commits, PR authors, identities, ...) moves over;
    # walking the relations keeps organizations free of imports from the apps above it.
    for relation in Contributor._meta.related_objects:
        if relation.one_to_many:
            relation.related_model.objects.filter(**{f"{relation.field.name}__in": others}).update(
                **{relation.field.name: target}
            )
    target.teams.add(
        *{team for other in others for team in other.teams.all()},
        through_defaults={"organization_id": target.organization_id},
    )
    Contributor.objects.filter(pk__in=[other.pk for other in others]).delete()
    contributors_changed.send(sender=Contributor, contributor_ids=[target.pk])
    return target


@transaction.atomic
def contributors_flag(*, contributors: QuerySet[Contributor], **flags) -> int:
    """Sets `is_bot` / `is_tracked` on many contributors at once; returns how many."""
    contributor_ids = list(contributors.values_list("pk", flat=True))
    count = Contributor.objects.filter(pk__in=contributor_ids).update(**flags)
    contributors_changed.send(sender=Contributor, contributor_ids=contributor_ids)
    return count
