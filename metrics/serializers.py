"""The documented shape of GET /api/v1/metrics (for the OpenAPI schema)."""

from rest_framework import serializers


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


class TotalsSerializer(serializers.Serializer):
    deployments = serializers.IntegerField()
    deploymentsPerWeek = serializers.FloatField()
    changeLeadTime = SummarySerializer()
    deployTime = SummarySerializer()
    leadTimeParts = LeadTimePartsSerializer()
    mergeBasedPullRequests = serializers.IntegerField(
        help_text="PRs of repositories that never received a deployment: lead time ends at merge."
    )
    changeFailureRate = serializers.FloatField(allow_null=True)
    failedDeployments = serializers.IntegerField()
    recoveryTime = SummarySerializer()
    unrecoveredFailures = serializers.IntegerField()
    pullRequestTitleFailureRate = serializers.FloatField(allow_null=True)
    bands = BandsSerializer(help_text="DORA 2023 performance bands: elite, high, medium, low.")


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
    bands = TeamBandsSerializer(help_text="DORA 2023 bands of the team's medians.")


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
