"""The API's JSON, in the reference's camelCase field names. Validation only: no business rules."""

import re
from datetime import UTC, timedelta

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deployments.models import Deployment
from organizations.dates import supported_date_validate

MAX_SHAS = 5000
MAX_TAGS = 50
MAX_PAGE = 1_000_000
SHA_PATTERN = re.compile(r"[0-9a-fA-F]{7,40}")
# A clock a little ahead is fine; a date in another year is a bug in the pipeline.
MAX_FUTURE = timedelta(days=1)


class StrictCharField(serializers.CharField):
    """A JSON string only: DRF's CharField would turn 42 or 4.2 into text."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false only: DRF's BooleanField would also take 0, 1, "yes" and "on"."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class ShaField(StrictCharField):
    default_error_messages = {
        "invalid": "Must be a string.",
        "not_a_sha": "Must be 7 to 40 hexadecimal characters (a commit SHA or a prefix of one).",
    }

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not SHA_PATTERN.fullmatch(value):
            self.fail("not_a_sha")
        return value.lower()


class OneOrManyField(serializers.ListField):
    """A list, or a single value taken as a one-item list (as the reference allows)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [data]
        return super().to_internal_value(data)


class DeploymentInputSerializer(serializers.Serializer):
    commitSha = OneOrManyField(
        source="shas",
        child=ShaField(),
        allow_empty=False,
        max_length=MAX_SHAS,
        help_text="One SHA or a list (1 to 5000); each 7–40 hex characters, any case.",
    )
    environmentName = StrictCharField(
        source="environment_name", max_length=200, help_text="e.g. production"
    )
    deployedAt = serializers.DateTimeField(
        source="deployed_at",
        required=False,
        default_timezone=UTC,
        validators=[supported_date_validate],
        help_text="ISO 8601; an offset is converted to UTC, years 1970–2100. "
        "Default: when the request arrived.",
    )
    title = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Default: the message of the matched commit with the latest commit time.",
    )
    tags = OneOrManyField(
        child=StrictCharField(max_length=100),
        required=False,
        max_length=MAX_TAGS,
        help_text='Labels, e.g. ["is_failure", "sev1"]; one string is a one-item list.',
    )
    isTest = StrictBooleanField(
        source="is_test", required=False, default=False, help_text="Excluded from metrics."
    )

    def validate_deployedAt(self, value):
        if value > self.context["received_at"] + MAX_FUTURE:
            raise serializers.ValidationError("Must not be more than a day in the future.")
        return value.astimezone(UTC)


class DeploymentListParamsSerializer(serializers.Serializer):
    # Bounded so the offset fits the database's integers (a huge page is a 400, not a 500).
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=MAX_PAGE)
    pageSize = serializers.IntegerField(
        source="page_size", required=False, default=20, min_value=1, max_value=100
    )
    includeTests = serializers.BooleanField(source="include_tests", required=False, default=False)


class DeploymentOutputSerializer(serializers.ModelSerializer):
    commitSha = serializers.ListField(source="shas", child=serializers.CharField())
    environmentName = serializers.CharField(source="environment_name")
    deployedAt = serializers.DateTimeField(source="deployed_at")
    receivedAt = serializers.DateTimeField(source="received_at")
    title = serializers.CharField(source="display_title")
    tags = serializers.ListField(child=serializers.CharField())
    isTest = serializers.BooleanField(source="is_test")
    repository = serializers.CharField(source="repository.full_name", allow_null=True)

    class Meta:
        model = Deployment
        fields = [
            "id",
            "commitSha",
            "environmentName",
            "deployedAt",
            "receivedAt",
            "title",
            "tags",
            "isTest",
            "repository",
        ]


class PullRequestRefSerializer(serializers.Serializer):
    repository = serializers.CharField(source="repository.full_name")
    number = serializers.IntegerField()
    title = serializers.CharField()


class MatchReportSerializer(serializers.Serializer):
    matchedShas = serializers.ListField(source="matched_shas", child=serializers.CharField())
    unknownShas = serializers.ListField(source="unknown_shas", child=serializers.CharField())
    pullRequests = PullRequestRefSerializer(source="pull_requests", many=True)
    replacedExisting = serializers.BooleanField(source="replaced_existing")


class DeploymentCreatedSerializer(DeploymentOutputSerializer):
    """The stored deployment, as GET lists it, plus the match report (context "result")."""

    match = serializers.SerializerMethodField()

    class Meta(DeploymentOutputSerializer.Meta):
        fields = [*DeploymentOutputSerializer.Meta.fields, "match"]

    @extend_schema_field(MatchReportSerializer)
    def get_match(self, deployment) -> dict:
        return MatchReportSerializer(self.context["result"]).data


class DeploymentPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pageSize = serializers.IntegerField(source="page_size")
    results = DeploymentOutputSerializer(many=True)
