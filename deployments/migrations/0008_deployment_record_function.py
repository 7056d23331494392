"""Once created a database function that recorded a deployment beside the Python path.

Recording and linking now have one implementation (deployments.recording and
deployments.linking), so this migration does nothing on a new install, and 0009 drops the
function where it was created.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("deployments", "0007_deployment_tagged_index"),
        ("organizations", "0001_initial"),
        ("repositories", "0005_pull_request_dashboard_indexes"),
    ]

    operations = []
