from django.core.management import call_command
from django.db import migrations


def cache_table_create(apps, schema_editor):
    """The table of settings.CACHES' database cache, which holds the login and management
    throttle counters, so that `migrate` alone makes a working install. createcachetable
    skips a table that already exists (installs that ran it by hand)."""
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("tokens", "0002_request_counts"),
    ]

    operations = [
        migrations.RunPython(cache_table_create, migrations.RunPython.noop),
    ]
