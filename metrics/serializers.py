"""The documented shape of GET /api/v1/metrics (for the OpenAPI schema), and the parameters
and page of GET /api/v1/pull-requests."""

from rest_framework import serializers

from deployments.serializers import DeploymentListParamsSerializer, DeploymentPageSerializer
from repositories.models import PullRequest


class SummarySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True, help_text="Seconds, interpolated.")
    p75 = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)


class LeadTimePartsSerializer(serializers.Serializer):
    coding = SummarySerializer(help_text="First commit → PR opened.")
    reviewWait = SummarySerializer(help_text="PR opened → first review.")
    editing = SummarySerializer(help_text="First review → merge.")
    deploy = SummarySerializer(help_text="Merge → deploy moment.")


class BandsSerializer(serializers.Serializer):
    deploymentFrequency = serializers.CharField(allow_null=True)
    changeLeadTime = serializers.CharField(allow_null=True)
    deployTime = serializers.CharField(allow_null=True)
    changeFailureRate = serializers.CharField(allow_null=True)
    recoveryTime = serializers.CharField(allow_null=True)
    deploymentReworkRate = serializers.CharField(
        allow_null=True, help_text="Always null: DORA publishes no levels for rework rate."
    )


class IncidentCountsSerializer(serializers.Serializer):
    attributed = serializers.IntegerField(help_text="Attributed to a deployment (SHA or rule).")
    unattributed = serializers.IntegerField()


class TotalsSerializer(serializers.Serializer):
    deployments = serializers.IntegerField()
    deploymentsPerWeek = serializers.FloatField()
    changeLeadTime = SummarySerializer()
    deployTime = SummarySerializer()
    leadTimeParts = LeadTimePartsSerializer()
    mergeBasedPullRequests = serializers.IntegerField(
        help_text="PRs of repositories that never received a deployment: lead time ends at merge."
    )
    changeFailureRate = serializers.FloatField(
        allow_null=True,
        help_text="Failed / counted deployments; failed: a failure tag (is_failure, rollback) "
        "or an attributed incident, each deployment once.",
    )
    failedDeployments = serializers.IntegerField()
    recoveryTime = SummarySerializer(
        help_text="Failed deployment → its incidents' latest resolution, or (tag-only) the "
        "next good deployment of its repository and environment."
    )
    unrecoveredFailures = serializers.IntegerField(
        help_text="Failures not ended yet (an open incident, no good deployment since)."
    )
    deploymentReworkRate = serializers.FloatField(
        allow_null=True,
        help_text="Rework / counted deployments; rework: tagged hotfix or rollback, or "
        "deployed while an incident attributed to its repository was open.",
    )
    reworkDeployments = serializers.IntegerField()
    incidents = IncidentCountsSerializer(help_text="Incidents started in the range.")
    pullRequestTitleFailureRate = serializers.FloatField(allow_null=True)
    bands = BandsSerializer(help_text="DORA 2024 performance bands: elite, high, medium, low.")


class PeriodSerializer(serializers.Serializer):
    periodStart = serializers.DateField()
    deployments = serializers.IntegerField()
    deploymentsPerPerson = serializers.FloatField(
        allow_null=True, help_text="Only when teams are selected."
    )
    changeLeadTime = SummarySerializer()
    deployTime = SummarySerializer()
    changeFailureRate = serializers.FloatField(
        allow_null=True, help_text="Failed / counted deployments deployed in the period."
    )
    failedDeployments = serializers.IntegerField()
    recoveryTime = SummarySerializer(help_text="Of the failures deployed in the period.")
    unrecoveredFailures = serializers.IntegerField()
    deploymentReworkRate = serializers.FloatField(allow_null=True)
    reworkDeployments = serializers.IntegerField()


class PreviousSerializer(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    totals = TotalsSerializer(help_text="The same keys as the range's own totals.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class TeamBandsSerializer(serializers.Serializer):
    deploymentFrequency = serializers.CharField(allow_null=True)
    changeLeadTime = serializers.CharField(allow_null=True)
    changeFailureRate = serializers.CharField(allow_null=True)
    recoveryTime = serializers.CharField(allow_null=True)


class TeamSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    deployments = serializers.IntegerField(help_text="The team's counted deployments.")
    deploymentsPerWeek = serializers.FloatField()
    changeLeadTime = SummarySerializer(help_text="PRs authored by the team's people.")
    changeFailureRate = serializers.FloatField(allow_null=True)
    failedDeployments = serializers.IntegerField()
    recoveryTime = SummarySerializer()
    unrecoveredFailures = serializers.IntegerField()
    bands = TeamBandsSerializer(help_text="DORA 2024 bands of the team's medians.")


class ExcludedSerializer(serializers.Serializer):
    test = serializers.IntegerField()
    environmentNotCounted = serializers.IntegerField()
    noKnownCommits = serializers.IntegerField()
    noContributorCommits = serializers.IntegerField()
    botsOnly = serializers.IntegerField(help_text="Counted in the organization line only.")


class MetricsResponseSerializer(serializers.Serializer):
    # `from` is a Python keyword, so the field is renamed in the schema's output.
    from_ = serializers.DateField()
    to = serializers.DateField()
    granularity = serializers.ChoiceField(choices=["day", "week", "month"])
    totals = TotalsSerializer()
    series = PeriodSerializer(many=True)
    excluded = ExcludedSerializer()
    previous = PreviousSerializer(
        help_text="The same-length range right before, with the same filters."
    )
    teams = TeamSerializer(
        many=True, help_text="Each team's keys for the range (the selected ones)."
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class PullRequestListParamsSerializer(DeploymentListParamsSerializer):
    """`page` and `pageSize`, bounded and defaulted as the deployments GET's."""

    includeTests = None


class PullRequestOutputSerializer(serializers.ModelSerializer):
    """A merged PR with its lead time and parts in seconds (`pull_request_list`'s columns)."""

    repository = serializers.CharField(source="repository.full_name")
    authorLogin = serializers.CharField(source="author_login")
    openedAt = serializers.DateTimeField(source="opened_at", allow_null=True)
    firstCommitAt = serializers.DateTimeField(source="first_commit_at", allow_null=True)
    firstReviewAt = serializers.DateTimeField(source="first_review_at", allow_null=True)
    mergedAt = serializers.DateTimeField(source="merged_at")
    mergeCommitSha = serializers.CharField(source="merge_commit_sha")
    deployedAt = serializers.DateTimeField(
        source="shipped_at", allow_null=True, help_text="The deploy moment; null if none yet."
    )
    leadTimeSeconds = serializers.FloatField(
        source="total_seconds",
        allow_null=True,
        help_text="First commit → deploy moment (or merge, when leadTimeEndsAtMerge).",
    )
    leadTimeEndsAtMerge = serializers.BooleanField(
        source="ends_at_merge", help_text="The repository never received a counted deployment."
    )
    codingSeconds = serializers.FloatField(
        source="coding_seconds", allow_null=True, help_text="First commit → PR opened."
    )
    reviewWaitSeconds = serializers.FloatField(
        source="review_wait_seconds", allow_null=True, help_text="PR opened → first review."
    )
    editingSeconds = serializers.FloatField(
        source="editing_seconds", allow_null=True, help_text="First review → merge."
    )
    deploySeconds = serializers.FloatField(
        source="deploy_seconds", allow_null=True, help_text="Merge → deploy moment."
    )

    class Meta:
        model = PullRequest
        fields = [
            "repository",
            "number",
            "title",
            "authorLogin",
            "state",
            "openedAt",
            "firstCommitAt",
            "firstReviewAt",
            "mergedAt",
            "mergeCommitSha",
            "deployedAt",
            "leadTimeSeconds",
            "leadTimeEndsAtMerge",
            "codingSeconds",
            "reviewWaitSeconds",
            "editingSeconds",
            "deploySeconds",
        ]


class PullRequestPageSerializer(DeploymentPageSerializer):
    """The deployments GET's envelope: count, page, pageSize, results."""

    results = PullRequestOutputSerializer(many=True)
