from datetime import UTC, datetime, timedelta

from deployments.linking import FEW_SHAS, commits_link
from deployments.models import DeploymentCommit
from deployments.recording import deployment_record
from repositories.models import Commit
from tests.factories import make_repository, make_sha

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def record(organization, shas, environment):
    return deployment_record(
        organization=organization,
        request_id="req",
        raw_body="{}",
        shas=shas,
        environment_name=environment,
        deployed_at=T0 + timedelta(days=1),
    )


def test_an_import_sized_batch_links_prefixes_of_every_length_sent(organization):
    repo = make_repository(organization, "acme/web")
    shas = [make_sha(f"import-{index}") for index in range(FEW_SHAS * 3)]
    # Deployments arrive first, with a full SHA, a 7- and an 11-character prefix.
    record(organization, [shas[0]], "production")
    record(organization, [shas[150][:7]], "staging")
    record(organization, [shas[299][:11]], "preview")
    Commit.objects.bulk_create(
        Commit(
            organization=organization,
            repository=repo,
            sha=sha,
            authored_at=T0,
            committed_at=T0,
            message=f"Commit {index}",
        )
        for index, sha in enumerate(shas)
    )

    commits_link(organization_id=organization.pk, shas=shas)

    linked = dict(DeploymentCommit.objects.values_list("sha", "commit__sha"))
    assert linked == {shas[0]: shas[0], shas[150][:7]: shas[150], shas[299][:11]: shas[299]}


def test_a_large_batch_leaves_other_organizations_alone(organization, other_organization):
    shas = [make_sha(f"theirs-{index}") for index in range(FEW_SHAS + 1)]
    record(other_organization, [shas[0][:9]], "production")
    repo = make_repository(organization, "acme/web")
    Commit.objects.bulk_create(
        Commit(
            organization=organization, repository=repo, sha=sha, authored_at=T0, committed_at=T0
        )
        for sha in shas
    )
    commits_link(organization_id=organization.pk, shas=shas)
    assert DeploymentCommit.objects.get().commit is None
