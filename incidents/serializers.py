"""The incidents API's JSON, camelCase like the deployments API. Validation only."""

from datetime import UTC

from django.core.validators import URLValidator
from rest_framework import serializers

from deployments.serializers import (
    MAX_FUTURE,
    DeploymentListParamsSerializer,
    DeploymentPageSerializer,
    ShaField,
    StrictCharField,
)
from incidents.models import Incident
from organizations.dates import supported_date_validate


def _time_field(**kwargs) -> serializers.DateTimeField:
    return serializers.DateTimeField(
        default_timezone=UTC, validators=[supported_date_validate], **kwargs
    )


class IncidentInputSerializer(serializers.Serializer):
    id = StrictCharField(
        source="external_id",
        max_length=255,
        help_text="Your id of the incident; posting the same id again updates it.",
    )
    title = StrictCharField(required=False, allow_blank=True, max_length=500)
    url = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="A link to the incident in your tool.",
    )
    severity = StrictCharField(
        required=False, allow_blank=True, max_length=100, help_text="e.g. SEV1, P2, high"
    )
    repository = StrictCharField(
        source="repository_name",
        required=False,
        allow_blank=True,
        max_length=200,
        help_text='The affected repository: its path ("owner/name", GitLab\'s '
        '"group/subgroup/project"), or its name alone when one repository has it. An '
        "unknown one is kept; the incident is then unattributed unless it names a "
        "deploymentSha.",
    )
    environmentName = StrictCharField(
        source="environment_name",
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Only deployments to this environment are attributed by rule.",
    )
    startedAt = _time_field(
        source="started_at", help_text="ISO 8601; an offset is converted to UTC, 1970–2100."
    )
    resolvedAt = _time_field(
        source="resolved_at",
        required=False,
        allow_null=True,
        help_text="ISO 8601, not before startedAt; null or absent while it is open.",
    )
    deploymentSha = ShaField(
        source="deployment_sha",
        required=False,
        help_text="A commit SHA (7–40 hex) of the deployment that caused it: explicit "
        "attribution to the latest counted deployment carrying it before startedAt.",
    )

    def _not_far_ahead(self, value):
        if value is not None and value > self.context["received_at"] + MAX_FUTURE:
            raise serializers.ValidationError("Must not be more than a day in the future.")
        return value and value.astimezone(UTC)

    def validate_startedAt(self, value):
        return self._not_far_ahead(value)

    def validate_resolvedAt(self, value):
        return self._not_far_ahead(value)

    def validate(self, data):
        resolved_at = data.get("resolved_at")
        if resolved_at is not None and resolved_at < data["started_at"]:
            raise serializers.ValidationError({"resolvedAt": "Must not be before startedAt."})
        return data


class AttributedDeploymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    commitSha = serializers.ListField(source="shas", child=serializers.CharField())
    environmentName = serializers.CharField(source="environment_name")
    deployedAt = serializers.DateTimeField(source="deployed_at")


class IncidentOutputSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="external_id")
    repository = serializers.SerializerMethodField()
    environmentName = serializers.CharField(source="environment_name")
    startedAt = serializers.DateTimeField(source="started_at")
    resolvedAt = serializers.DateTimeField(source="resolved_at", allow_null=True)
    deploymentSha = serializers.CharField(source="deployment_sha")
    attributedDeployment = AttributedDeploymentSerializer(
        source="attributed_deployment", allow_null=True
    )
    attribution = serializers.ChoiceField(choices=Incident.Attribution.choices)
    repositoryKnown = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "source",
            "title",
            "url",
            "severity",
            "repository",
            "repositoryKnown",
            "environmentName",
            "startedAt",
            "resolvedAt",
            "deploymentSha",
            "attributedDeployment",
            "attribution",
        ]

    def get_repository(self, incident) -> str | None:
        """The known repository's owner/name, else the name as sent (null when none)."""
        if incident.repository_id:
            return incident.repository.full_name
        return incident.repository_name or None

    def get_repositoryKnown(self, incident) -> bool:
        return incident.repository_id is not None


class IncidentListParamsSerializer(DeploymentListParamsSerializer):
    includeTests = None


class IncidentPageSerializer(DeploymentPageSerializer):
    results = IncidentOutputSerializer(many=True)
