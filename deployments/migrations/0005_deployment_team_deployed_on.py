"""DeploymentTeam keeps the deployment's UTC day instead of its timestamp: team lines group
by day (and fold days into periods in Python) instead of truncating every timestamp."""

from datetime import UTC

from django.db import migrations, models
from django.db.models.functions import TruncDate


def days_copy(apps, schema_editor):
    DeploymentTeam = apps.get_model("deployments", "DeploymentTeam")
    DeploymentTeam.objects.update(deployed_on=TruncDate("deployed_at", tzinfo=UTC))


class Migration(migrations.Migration):
    dependencies = [
        ("deployments", "0004_deployment_marks_failure"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="deploymentteam", name="deployment_team_org_time"),
        migrations.RemoveIndex(model_name="deploymentteam", name="deployment_team_team_time"),
        migrations.AddField(
            model_name="deploymentteam",
            name="deployed_on",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(days_copy, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="deploymentteam",
            name="deployed_on",
            field=models.DateField(),
        ),
        migrations.RemoveField(model_name="deploymentteam", name="deployed_at"),
        migrations.AddIndex(
            model_name="deploymentteam",
            index=models.Index(
                fields=["organization", "deployed_on"],
                include=["team", "environment_name", "is_test"],
                name="deployment_team_org_day",
            ),
        ),
        migrations.AddIndex(
            model_name="deploymentteam",
            index=models.Index(fields=["team", "deployed_on"], name="deployment_team_team_day"),
        ),
    ]
