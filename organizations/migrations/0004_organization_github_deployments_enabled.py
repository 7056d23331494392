"""Organization.github_deployments_enabled: GitHub deployment statuses as a source, opt-in
(off, also as the column's database default)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("organizations", "0003_contributor_team_organization")]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="github_deployments_enabled",
            field=models.BooleanField(
                default=False,
                db_default=False,
                help_text="Record GitHub deployment statuses (state success) sent to the webhook.",
            ),
        ),
    ]
