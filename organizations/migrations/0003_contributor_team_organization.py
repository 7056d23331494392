"""Contributor.teams gets an explicit through model, ContributorTeam, on the same table,
with the organization every table of customer data carries."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("organizations", "0002_organization_names_validated")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ContributorTeam",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("contributor", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="organizations.contributor")),
                        ("team", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="organizations.team")),
                    ],
                    options={
                        "db_table": "organizations_contributor_teams",
                        "unique_together": {("contributor", "team")},
                    },
                ),
                migrations.AlterField(
                    model_name="contributor",
                    name="teams",
                    field=models.ManyToManyField(blank=True, related_name="contributors", through="organizations.ContributorTeam", to="organizations.team"),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="contributorteam",
            name="organization",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.organization"),
        ),
        migrations.RunSQL(
            "UPDATE organizations_contributor_teams member SET organization_id = c.organization_id "
            "FROM organizations_contributor c WHERE c.id = member.contributor_id",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="contributorteam",
            name="organization",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.organization"),
        ),
    ]
