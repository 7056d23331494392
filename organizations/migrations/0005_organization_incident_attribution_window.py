"""Organization.incident_attribution_window: how long before an incident a deployment of its
repository can have caused it (the incident attribution rule), 7 days by default (also as
the column's database default)."""

import datetime

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("organizations", "0004_organization_github_deployments_enabled")]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="incident_attribution_window",
            field=models.DurationField(
                default=datetime.timedelta(days=7),
                db_default=datetime.timedelta(days=7),
                help_text="How long before an incident a deployment of its repository can "
                "have caused it.",
            ),
        ),
    ]
