import json

from django.db import models
from django.db.models.functions import Cast, StrIndex, Upper
from django.db.models.lookups import GreaterThan

from organizations.models import Contributor, Organization, Team
from repositories.models import Commit, PullRequest, Repository
from tokens.models import ApiToken

# Tags that mark a failed deployment (the PR-title rule is PullRequest.title_marks_failure).
FAILURE_TAGS = ("is_failure", "rollback")
# Tags that mark rework, an unplanned deployment (metrics.selectors.failures.rework_q).
REWORK_TAGS = ("hotfix", "rollback")


def tags_q(tags, *, prefix: str = "") -> models.Q:
    """Deployments carrying any of `tags` (case-insensitive, whole tag); `prefix` reaches
    the deployment through a relation ("deployment__"), or names another list of tags
    ("shipped_": PullRequest.shipped_tags).

    jsonb containment (`@>`) compares exactly, so this finds the quoted tag in the
    upper-cased JSON text instead, spelt as PostgreSQL writes a jsonb string (`"`, `\\` and
    control characters escaped, other characters as they are). Written as a position > 0
    (what `icontains` does, without LIKE): PostgreSQL estimated the LIKE at a handful of rows
    where a common tag matches thousands, and nested loops over the tables around it.
    """
    tags_text = Upper(Cast(f"{prefix}tags", output_field=models.TextField()))
    condition = models.Q(pk__in=[])
    for spelling in dict.fromkeys(json.dumps(tag, ensure_ascii=False) for tag in tags):
        # ASCII is upper-cased here, as UPPER() would: in a generated column (marks_failure)
        # PostgreSQL cannot UPPER() a constant, having no collation to use.
        constant = (
            models.Value(spelling.upper()) if spelling.isascii() else Upper(models.Value(spelling))
        )
        condition |= models.Q(GreaterThan(StrIndex(tags_text, constant), 0))
    return condition


class ContributorRank(models.IntegerChoices):
    """The best author among a deployment's sent SHAs, which decides whether it counts."""

    NONE = 0, "No SHA matched a known commit"
    UNTRACKED = 1, "Only commits by untracked or unknown authors"
    BOT = 2, "Commits by tracked bots only"
    HUMAN = 3, "A commit by a tracked person"


class Deployment(models.Model):
    """The deduplicated view of the receipts: one row per org + environment + SHA set."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="deployments"
    )
    # The repository of the first sent SHA that matches a known commit; null until one does.
    repository = models.ForeignKey(
        Repository, null=True, blank=True, on_delete=models.SET_NULL, related_name="deployments"
    )
    environment_name = models.CharField(max_length=200)
    deployed_at = models.DateTimeField()
    received_at = models.DateTimeField()
    title = models.CharField(max_length=500, blank=True, help_text="As sent by the client.")
    # Filled by linking: the message subject of the matched commit with the latest timestamp.
    default_title = models.CharField(max_length=500, blank=True)
    tags = models.JSONField(default=list, blank=True)
    is_test = models.BooleanField(default=False)
    shas = models.JSONField(help_text="The SHAs as sent, lowercased, in order.")
    # SHA-256 of the sorted distinct SHAs: the dedupe key within org + environment.
    dedupe_key = models.CharField(max_length=64)
    receipt_count = models.PositiveIntegerField(default=1)
    # Derived from the matched commits' contributors (deployments.attribution keeps it, and
    # the DeploymentTeam rows, in step with linking and with contributor changes), so the
    # metrics count a year of deployments without reading their commits.
    contributor_rank = models.PositiveSmallIntegerField(
        choices=ContributorRank, default=ContributorRank.NONE
    )
    pull_requests = models.ManyToManyField(
        PullRequest, through="DeploymentPullRequest", related_name="deployments", blank=True
    )
    # Computed by the database whenever the tags are written: the counts, recoveries and
    # tables read a flag instead of searching every deployment's tags.
    marks_failure = models.GeneratedField(
        expression=models.ExpressionWrapper(
            tags_q(FAILURE_TAGS), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    # Likewise for the rework tags: a range's rework reads a partial index, not every
    # tagged deployment's tags.
    marks_rework = models.GeneratedField(
        expression=models.ExpressionWrapper(
            tags_q(REWORK_TAGS), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "environment_name", "dedupe_key"],
                name="deployment_unique_env_sha_set",
            ),
        ]
        indexes = [
            # Covering (PostgreSQL): a range's deployment counts, its stability counts and
            # the ids its data-quality panel joins read only the index.
            models.Index(
                fields=["organization", "deployed_at"],
                include=[
                    "is_test",
                    "environment_name",
                    "contributor_rank",
                    "marks_failure",
                    "marks_rework",
                    "id",
                ],
                name="deployment_org_deployed",
            ),
            # The failed deployments of a range (recovery times): a few hundred a year.
            models.Index(
                fields=["organization", "deployed_at"],
                condition=models.Q(marks_failure=True),
                name="deployment_failed",
            ),
            models.Index(
                fields=["organization", "deployed_at"],
                condition=models.Q(marks_rework=True),
                name="deployment_rework",
            ),
            # With the id: the deployments of a repository while an incident was open (rework)
            # read only the index.
            models.Index(
                fields=["organization", "repository", "deployed_at"],
                include=["id"],
                name="deployment_org_repo",
            ),
            # The tag filter's choices on every dashboard (recent tags): the tagged minority
            # of a range instead of a scan of every deployment. Not covering: 50 long tags
            # would pass the API and exceed a btree entry's 2,704 bytes.
            models.Index(
                fields=["organization", "deployed_at"],
                condition=~models.Q(tags=[]),
                name="deployment_tagged",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.environment_name} @ {self.deployed_at:%Y-%m-%d %H:%M}"

    @property
    def display_title(self) -> str:
        return self.title or self.default_title


class DeploymentCommit(models.Model):
    """One sent SHA (7–40 hex) of a deployment, and the commit it matched, if any yet."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="deployment_commits"
    )
    sha = models.CharField(max_length=40)
    position = models.PositiveIntegerField()
    commit = models.ForeignKey(
        Commit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The matched commit's contributor, copied by linking so the metrics attribute a
    # deployment to people without reading the commit table. It follows the commit's:
    # contributors_merge moves every foreign key to Contributor (this one too, so it needs a
    # real related_name), deleting a contributor nulls both, and saving a Commit copies it
    # over (deployments.apps). Whether that person is tracked, a bot or in a team lives on
    # Contributor; deployments.attribution derives the deployment's rank and teams from it.
    contributor = models.ForeignKey(
        Contributor,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deployment_commits",
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "sha"], name="deployment_commit_unique")
        ]
        indexes = [
            models.Index(fields=["organization", "sha"], name="deployment_commit_org_sha"),
            models.Index(fields=["commit"], name="deployment_commit_commit"),
            # The data-quality panel's SHAs that never matched: a few of millions.
            models.Index(
                fields=["deployment"],
                include=["sha"],
                condition=models.Q(commit__isnull=True),
                name="deployment_commit_unmatched",
            ),
            # Index-only status and team attribution for a range of deployments.
            models.Index(
                fields=["deployment", "contributor", "commit"], name="deployment_commit_people"
            ),
        ]

    def __str__(self) -> str:
        return self.sha


class DeploymentPullRequest(models.Model):
    """A PR the deployment ships (deployments.linking decides)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE)
    pull_request = models.ForeignKey(PullRequest, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deployment", "pull_request"], name="deployment_pr_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deployment_id} ships {self.pull_request_id}"


class DeploymentTeam(models.Model):
    """A team the deployment is attributed to: a tracked person of the team authored one of
    its matched commits. Derived, like Deployment.contributor_rank; the deployment's UTC
    day, environment, test flag and failure mark are copied (a replacement derives the rows
    again) so a range of an organization's team lines is one index scan, without a join,
    grouped by day."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="team_attributions"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The UTC date of the deployment's deployed_at (metric ranges are whole UTC days).
    deployed_on = models.DateField()
    environment_name = models.CharField(max_length=200)
    is_test = models.BooleanField()
    # The deployment's marks_failure (its tags only change with a replacement, which derives
    # the rows again): the team comparison's failure counts read only the index.
    marks_failure = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deployment", "team"], name="deployment_team_unique")
        ]
        indexes = [
            # Covering (PostgreSQL): the team lines of a range read only the index.
            models.Index(
                fields=["organization", "deployed_on"],
                include=["team", "environment_name", "is_test", "marks_failure"],
                name="deployment_team_org_day",
            ),
            models.Index(fields=["team", "deployed_on"], name="deployment_team_team_day"),
        ]

    def __str__(self) -> str:
        return f"{self.deployment_id} for team {self.team_id}"


class DeploymentReceipt(models.Model):
    """Append-only log of every accepted POST: nothing a client sent is ever lost."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="deployment_receipts"
    )
    token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="receipts"
    )
    deployment = models.ForeignKey(
        Deployment, null=True, blank=True, on_delete=models.SET_NULL, related_name="receipts"
    )
    request_id = models.CharField(max_length=64)
    raw_body = models.TextField()
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organization", "received_at"], name="receipt_org_recv")]

    def __str__(self) -> str:
        return f"receipt {self.request_id}"
