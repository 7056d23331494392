from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("deployments", "0008_deployment_record_function")]

    operations = [
        migrations.RunSQL(
            "DROP FUNCTION IF EXISTS shiplog_deployment_record", reverse_sql=migrations.RunSQL.noop
        )
    ]
