"""ApiTokenRequestCount carries the organization, like every table of customer data."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0002_organization_names_validated"),
        ("tokens", "0003_cache_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitokenrequestcount",
            name="organization",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.organization"),
        ),
        migrations.RunSQL(
            "UPDATE tokens_apitokenrequestcount c SET organization_id = t.organization_id "
            "FROM tokens_apitoken t WHERE t.id = c.token_id",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="apitokenrequestcount",
            name="organization",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.organization"),
        ),
    ]
