# DeploymentTeam copies its deployment's marks_failure, filled here for the rows there are.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('deployments', '0010_deployment_pull_request_organization'),
        ('organizations', '0003_contributor_team_organization'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='deploymentteam',
            name='deployment_team_org_day',
        ),
        migrations.AddField(
            model_name='deploymentteam',
            name='marks_failure',
            field=models.BooleanField(default=False),
        ),
        migrations.RunSQL(
            """
            UPDATE deployments_deploymentteam team SET marks_failure = true
            FROM deployments_deployment d
            WHERE d.id = team.deployment_id AND d.marks_failure
            """,
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='deploymentteam',
            index=models.Index(fields=['organization', 'deployed_on'], include=('team', 'environment_name', 'is_test', 'marks_failure'), name='deployment_team_org_day'),
        ),
    ]
