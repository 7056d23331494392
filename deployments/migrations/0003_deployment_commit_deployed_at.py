from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def deployed_at_copy(apps, schema_editor):
    """Existing SHAs take their deployment's deployed_at, as storing them does from now on."""
    Deployment = apps.get_model("deployments", "Deployment")
    DeploymentCommit = apps.get_model("deployments", "DeploymentCommit")
    DeploymentCommit.objects.update(
        deployed_at=Subquery(
            Deployment.objects.filter(pk=OuterRef("deployment_id")).values("deployed_at")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("deployments", "0002_deployment_commit_contributor")]

    operations = [
        migrations.AddField(
            model_name="deploymentcommit",
            name="deployed_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(deployed_at_copy, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="deploymentcommit",
            name="deployed_at",
            field=models.DateTimeField(),
        ),
        migrations.AddIndex(
            model_name="deploymentcommit",
            index=models.Index(
                fields=["organization", "deployed_at"], name="deployment_commit_org_time"
            ),
        ),
    ]
