"""PullRequest.commits gets an explicit through model, PullRequestCommit, on the same table,
with the organization every table of customer data carries."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0003_contributor_team_organization"),
        ("repositories", "0005_pull_request_dashboard_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PullRequestCommit",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("pullrequest", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="repositories.pullrequest")),
                        ("commit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="repositories.commit")),
                    ],
                    options={
                        "db_table": "repositories_pullrequest_commits",
                        "unique_together": {("pullrequest", "commit")},
                    },
                ),
                migrations.AlterField(
                    model_name="pullrequest",
                    name="commits",
                    field=models.ManyToManyField(blank=True, related_name="pull_requests", through="repositories.PullRequestCommit", to="repositories.commit"),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="pullrequestcommit",
            name="organization",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.organization"),
        ),
        migrations.RunSQL(
            "UPDATE repositories_pullrequest_commits member SET organization_id = pr.organization_id "
            "FROM repositories_pullrequest pr WHERE pr.id = member.pullrequest_id",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="pullrequestcommit",
            name="organization",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.organization"),
        ),
    ]
