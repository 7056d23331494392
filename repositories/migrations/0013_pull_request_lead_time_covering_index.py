import django.db.models.functions.comparison
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built beside the old index, then the old one dropped, without blocking writes.
    atomic = False

    dependencies = [
        ("organizations", "0006_organization_incident_label"),
        ("repositories", "0012_gitlab_api_token"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="pullrequest",
            index=models.Index(
                models.F("organization"),
                django.db.models.functions.comparison.Coalesce("deploy_moment", "merged_at"),
                models.F("id"),
                include=(
                    "deploy_moment",
                    "merged_at",
                    "first_commit_at",
                    "opened_at",
                    "first_review_at",
                    "author",
                    "repository",
                    "title_marks_failure",
                ),
                name="pr_org_end_covering",
            ),
        ),
        RemoveIndexConcurrently(model_name="pullrequest", name="pr_org_end_order"),
    ]
