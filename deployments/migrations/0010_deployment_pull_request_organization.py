"""DeploymentPullRequest carries the organization, like every table of customer data."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("deployments", "0009_drop_deployment_record_function")]

    operations = [
        migrations.AddField(
            model_name="deploymentpullrequest",
            name="organization",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.organization"),
        ),
        migrations.RunSQL(
            "UPDATE deployments_deploymentpullrequest link SET organization_id = d.organization_id "
            "FROM deployments_deployment d WHERE d.id = link.deployment_id",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="deploymentpullrequest",
            name="organization",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.organization"),
        ),
    ]
