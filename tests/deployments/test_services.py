"""deployment_record, commits_link and deploy_moment, tested at the service seam."""

from datetime import UTC, datetime, timedelta

import pytest

from deployments.linking import commits_link
from deployments.models import (
    Deployment,
    DeploymentCommit,
    DeploymentPullRequest,
    DeploymentReceipt,
)
from deployments.recording import deployment_record, deployments_delete
from organizations.models import Organization
from organizations.services import organization_counting_update
from repositories.models import PullRequest
from repositories.signals import commit_data_changed
from tests.factories import make_commit, make_pull_request, make_repository, make_sha

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def record(organization, shas, environment="production", **fields):
    fields.setdefault("deployed_at", T0 + timedelta(days=1))
    return deployment_record(
        organization=organization,
        request_id=fields.pop("request_id", "req"),
        raw_body=fields.pop("raw_body", "{}"),
        shas=shas,
        environment_name=environment,
        **fields,
    )


@pytest.fixture
def repo(organization):
    return make_repository(organization, "acme/web")


def test_dedupe_keeps_the_latest_received(organization):
    shas = [make_sha(1), make_sha(2)]
    first = record(organization, shas, title="first", received_at=T0)
    second = record(
        organization,
        [s.upper() for s in reversed(shas)],
        title="second",
        received_at=T0 + timedelta(minutes=1),
    )
    assert first.deployment.pk == second.deployment.pk
    assert not first.replaced_existing and second.replaced_existing
    deployment = Deployment.objects.get()
    assert deployment.title == "second"
    assert deployment.shas == list(reversed(shas))
    assert deployment.receipt_count == 2


def test_dedupe_ignores_a_receipt_older_than_the_stored_one(organization):
    shas = [make_sha(1)]
    record(organization, shas, title="newer", received_at=T0 + timedelta(minutes=5))
    late = record(organization, shas, title="older", received_at=T0)
    assert late.replaced_existing
    assert Deployment.objects.get().title == "newer"
    assert DeploymentReceipt.objects.count() == 2


def test_a_different_environment_or_sha_set_is_another_deployment(organization):
    record(organization, [make_sha(1)], "production")
    record(organization, [make_sha(1)], "staging")
    record(organization, [make_sha(1), make_sha(2)], "production")
    assert Deployment.objects.count() == 3


def test_every_record_appends_a_receipt_with_body_request_id_and_token(organization, token):
    result = record(
        organization, [make_sha(1)], token=token[0], request_id="abc", raw_body='{"x":1}'
    )
    receipt = DeploymentReceipt.objects.get()
    assert (receipt.request_id, receipt.raw_body, receipt.token) == ("abc", '{"x":1}', token[0])
    assert receipt.deployment == result.deployment


def test_a_sha_prefix_of_seven_characters_matches_its_commit(organization, repo):
    commit = make_commit(repo)
    result = record(organization, [commit.sha[:7].upper()])
    assert result.matched_shas == [commit.sha[:7]]
    assert DeploymentCommit.objects.get().commit == commit


def test_repository_is_that_of_the_first_matching_sha(organization, repo):
    api = make_repository(organization, "acme/api")
    web_commit, api_commit = make_commit(repo), make_commit(api)
    result = record(organization, [make_sha("unknown"), api_commit.sha, web_commit.sha])
    assert result.deployment.repository == api
    assert result.unknown_shas == [make_sha("unknown")]


def test_title_defaults_to_the_message_of_the_latest_matched_commit(organization, repo):
    old = make_commit(repo, message="Old change", at=T0)
    new = make_commit(repo, message="Newest change\n\nLong body", at=T0 + timedelta(hours=1))
    result = record(organization, [new.sha, old.sha])
    assert result.deployment.display_title == "Newest change"
    titled = record(organization, [old.sha], title="Release 42")
    assert titled.deployment.display_title == "Release 42"


def test_a_deployment_ships_the_pr_whose_merge_commit_it_carries(organization, repo):
    merge = make_commit(repo, at=T0)
    pull_request = make_pull_request(repo, 7, merged_at=T0, merge_commit_sha=merge.sha)
    result = record(organization, [merge.sha], deployed_at=T0 - timedelta(hours=1))
    assert result.pull_requests == [pull_request]


def test_a_deployment_of_a_pr_commit_ships_it_only_at_or_after_the_merge(organization, repo):
    commit = make_commit(repo, at=T0)
    pull_request = make_pull_request(repo, 8, commits=[commit], merged_at=T0 + timedelta(hours=2))
    before = record(organization, [commit.sha], "staging", deployed_at=T0 + timedelta(hours=1))
    at_merge = record(
        organization, [commit.sha], "production", deployed_at=T0 + timedelta(hours=2)
    )
    assert before.pull_requests == []
    assert at_merge.pull_requests == [pull_request]


def test_deploy_moment_is_the_latest_deployment_across_environments(organization, repo):
    merge = make_commit(repo, at=T0)
    pull_request = make_pull_request(repo, 9, merged_at=T0, merge_commit_sha=merge.sha)
    record(organization, [merge.sha], "staging", deployed_at=T0 + timedelta(hours=1))
    record(organization, [merge.sha], "production", deployed_at=T0 + timedelta(hours=3))
    pull_request.refresh_from_db()
    assert pull_request.deploy_moment == T0 + timedelta(hours=3)


def test_an_older_new_deployment_leaves_the_deploy_moment(organization, repo):
    merge = make_commit(repo, at=T0)
    pull_request = make_pull_request(repo, 12, merged_at=T0, merge_commit_sha=merge.sha)
    record(organization, [merge.sha], "production", deployed_at=T0 + timedelta(hours=3))
    record(organization, [merge.sha], "staging", deployed_at=T0 + timedelta(hours=1))
    pull_request.refresh_from_db()
    assert pull_request.deploy_moment == T0 + timedelta(hours=3)


def test_deploy_moment_ignores_test_deployments_and_uncounted_environments(organization, repo):
    organization.counted_environments = ["production"]
    organization.save()
    merge = make_commit(repo, at=T0)
    pull_request = make_pull_request(repo, 10, merged_at=T0, merge_commit_sha=merge.sha)
    record(organization, [merge.sha], "staging", deployed_at=T0 + timedelta(hours=5))
    test_shas = [merge.sha, make_sha("smoke test")]
    record(
        organization, test_shas, "production", deployed_at=T0 + timedelta(hours=6), is_test=True
    )
    pull_request.refresh_from_db()
    assert pull_request.deploy_moment is None
    record(organization, [merge.sha], "production", deployed_at=T0 + timedelta(hours=2))
    pull_request.refresh_from_db()
    assert pull_request.deploy_moment == T0 + timedelta(hours=2)


def test_changing_the_counted_environments_recomputes_deploy_moments_and_tags(organization, repo):
    merge = make_commit(repo, at=T0)
    pull_request = make_pull_request(repo, 14, merged_at=T0, merge_commit_sha=merge.sha)
    record(organization, [merge.sha], "staging", deployed_at=T0 + timedelta(hours=1), tags=["a"])
    record(organization, [merge.sha], "production", deployed_at=T0 + timedelta(hours=5))

    def derived():
        pull_request.refresh_from_db()
        return pull_request.deploy_moment, pull_request.shipped_tags

    def count_only(*environments):
        organization_counting_update(
            organization=organization, counted_environments=list(environments)
        )

    assert derived() == (T0 + timedelta(hours=5), ["a"])
    count_only("staging")
    assert derived() == (T0 + timedelta(hours=1), ["a"])
    count_only("production")
    assert derived() == (T0 + timedelta(hours=5), [])
    count_only("canary")
    assert derived() == (None, [])
    count_only()
    assert derived() == (T0 + timedelta(hours=5), ["a"])


def test_a_recording_follows_counted_environments_changed_after_its_token_was_read(
    organization, repo
):
    merge = make_commit(repo, at=T0)
    pull_request = make_pull_request(repo, 15, merged_at=T0, merge_commit_sha=merge.sha)
    as_authenticated = Organization.objects.get(pk=organization.pk)  # all environments count
    organization.counted_environments = ["production"]
    organization.save()

    record(as_authenticated, [merge.sha], "staging", tags=["canary"])

    pull_request.refresh_from_db()
    assert (pull_request.deploy_moment, pull_request.shipped_tags) == (None, [])


def test_deleting_deployments_recomputes_what_they_shipped_and_keeps_receipts(organization, repo):
    merge = make_commit(repo, at=T0)
    pull_request = make_pull_request(repo, 16, merged_at=T0, merge_commit_sha=merge.sha)
    record(organization, [merge.sha], "staging", deployed_at=T0 + timedelta(hours=1), tags=["a"])
    later = record(organization, [merge.sha], deployed_at=T0 + timedelta(hours=4), tags=["b"])

    assert deployments_delete(deployments=Deployment.objects.filter(pk=later.deployment.pk)) == 1

    pull_request.refresh_from_db()
    assert (pull_request.deploy_moment, pull_request.shipped_tags) == (
        T0 + timedelta(hours=1),
        ["a"],
    )
    assert DeploymentReceipt.objects.filter(organization=organization).count() == 2


def test_replacing_a_deployment_moves_the_deploy_moment(organization, repo):
    merge = make_commit(repo, at=T0)
    pull_request = make_pull_request(repo, 11, merged_at=T0, merge_commit_sha=merge.sha)
    record(organization, [merge.sha], deployed_at=T0 + timedelta(hours=4), received_at=T0)
    record(
        organization,
        [merge.sha],
        deployed_at=T0 + timedelta(hours=1),
        received_at=T0 + timedelta(minutes=1),
    )
    pull_request.refresh_from_db()
    assert pull_request.deploy_moment == T0 + timedelta(hours=1)


def test_shipped_tags_are_the_tags_of_the_counted_deployments_shipping_the_pr(organization, repo):
    organization.counted_environments = ["production"]
    organization.save()
    merge = make_commit(repo, at=T0)
    pull_request = make_pull_request(repo, 13, merged_at=T0, merge_commit_sha=merge.sha)

    def shipped_tags():
        pull_request.refresh_from_db()
        return pull_request.shipped_tags

    record(organization, [merge.sha], "production", tags=["release"], received_at=T0)
    assert shipped_tags() == ["release"]
    # Not counted: another environment, a test deployment.
    record(organization, [merge.sha], "staging", tags=["canary"])
    smoke = [merge.sha, make_sha("smoke")]
    record(organization, smoke, "production", tags=["smoke"], is_test=True)
    assert shipped_tags() == ["release"]
    # An untagged deployment adds nothing; a second tagged one adds its tags, once each.
    record(organization, [merge.sha, make_sha("two")], "production")
    assert shipped_tags() == ["release"]
    record(organization, [merge.sha, make_sha("three")], "production", tags=["hotfix", "release"])
    assert shipped_tags() == ["hotfix", "release"]
    # A newer receipt replaces the first deployment's tags; the other deployment keeps its.
    record(
        organization, [merge.sha], "production", tags=["rollback"], received_at=T0 + timedelta(1)
    )
    assert shipped_tags() == ["hotfix", "release", "rollback"]
    record(organization, [merge.sha, make_sha("three")], "production", tags=[])
    assert shipped_tags() == ["rollback"]


def _history(repo):
    """Two merged PRs: #1 through its merge commit, #2 through a member commit."""
    first = make_commit(repo, "a" * 40, message="Merge #1", at=T0)
    second = make_commit(repo, "b" * 40, message="Work on #2", at=T0 + timedelta(hours=1))
    make_pull_request(repo, 1, merged_at=T0, merge_commit_sha=first.sha)
    make_pull_request(repo, 2, commits=[second], merged_at=T0 + timedelta(hours=2))


def _linked_state(organization):
    deployment = Deployment.objects.get(organization=organization)
    return {
        "repository": deployment.repository.full_name if deployment.repository else None,
        "title": deployment.display_title,
        "commits": list(
            DeploymentCommit.objects.filter(deployment=deployment).values_list(
                "sha", "commit__sha"
            )
        ),
        "prs": sorted(deployment.pull_requests.values_list("number", flat=True)),
        "deploy_moments": dict(
            PullRequest.objects.filter(organization=organization).values_list(
                "number", "deploy_moment"
            )
        ),
        "shipped_tags": dict(
            PullRequest.objects.filter(organization=organization).values_list(
                "number", "shipped_tags"
            )
        ),
    }


@pytest.mark.parametrize("order", ["commits first", "deployment first"])
def test_linking_gives_the_same_answer_in_either_order(organization, order, repo):
    deploy = {
        "shas": ["a" * 7, "b" * 40, make_sha("never")],
        "deployed_at": T0 + timedelta(hours=3),
        "tags": ["release", "canary"],
    }
    expected = {
        "repository": "acme/web",
        "title": "Work on #2",
        "commits": [("aaaaaaa", "a" * 40), ("b" * 40, "b" * 40), (make_sha("never"), None)],
        "prs": [1, 2],
        "deploy_moments": {1: T0 + timedelta(hours=3), 2: T0 + timedelta(hours=3)},
        "shipped_tags": {1: ["canary", "release"], 2: ["canary", "release"]},
    }
    if order == "commits first":
        _history(repo)
        record(organization, **deploy)
    else:
        pending = record(organization, **deploy)
        assert pending.unknown_shas == deploy["shas"] and pending.deployment.repository is None
        _history(repo)
        commit_data_changed.send(sender=None, organization=organization, shas=["a" * 40, "b" * 40])
    assert _linked_state(organization) == expected


def test_late_merge_data_links_a_pending_pull_request(organization, repo):
    commit = make_commit(repo, at=T0)
    pull_request = make_pull_request(repo, 3, commits=[commit])
    record(organization, [commit.sha], deployed_at=T0 + timedelta(hours=5))
    assert not DeploymentPullRequest.objects.exists()
    PullRequest.objects.filter(pk=pull_request.pk).update(
        state="merged", merged_at=T0 + timedelta(hours=1)
    )
    commits_link(organization_id=organization.pk, shas=[commit.sha])
    assert list(Deployment.objects.get().pull_requests.all()) == [pull_request]


def test_linking_never_crosses_organizations(organization, other_organization):
    theirs = make_commit(make_repository(other_organization, "globex/web"), message="Secret")
    result = record(organization, [theirs.sha])
    assert result.unknown_shas == [theirs.sha] and result.deployment.repository is None
    commits_link(organization_id=other_organization.pk, shas=[theirs.sha])
    assert not DeploymentCommit.objects.filter(commit__isnull=False).exists()


def test_record_query_count_does_not_grow_with_the_number_of_shas(
    organization, repo, django_assert_max_num_queries
):
    commits = [make_commit(repo, at=T0 + timedelta(minutes=i)) for i in range(30)]
    for i, commit in enumerate(commits[:10]):
        make_pull_request(repo, 100 + i, commits=[commit], merged_at=T0)
    shas = (
        [c.sha for c in commits]
        + [c.sha[:9] for c in commits[:5]]
        + [make_sha(f"unknown {i}") for i in range(1000)]
    )
    # One call of the recording function, inside a savepoint (its two statements).
    with django_assert_max_num_queries(3):
        result = record(organization, shas)
    assert len(result.matched_shas) == 35 and len(result.pull_requests) == 10


@pytest.mark.parametrize(
    ("tags", "marks_failure"),
    [
        (["is_failure"], True),
        (["release", "Rollback"], True),
        (["IS_FAILURE"], True),
        (["rollbacks"], False),  # a whole tag, not a part of one
        (["not_is_failure"], False),
        ([], False),
    ],
)
def test_marks_failure_is_computed_from_the_tags(organization, tags, marks_failure):
    record(organization, [make_sha(1)], tags=tags)
    assert Deployment.objects.values_list("marks_failure", flat=True).get() is marks_failure


@pytest.mark.parametrize(
    ("tags", "marks_rework"),
    [
        (["HotFix"], True),
        (["release", "rollback"], True),
        (["hotfixes"], False),  # a whole tag, not a part of one
        (["is_failure"], False),
        ([], False),
    ],
)
def test_marks_rework_is_computed_from_the_tags(organization, tags, marks_rework):
    record(organization, [make_sha(1)], tags=tags)
    assert Deployment.objects.values_list("marks_rework", flat=True).get() is marks_rework


def test_marks_failure_follows_the_replacing_receipt(organization):
    record(organization, [make_sha(1)], tags=["rollback"], received_at=T0)
    record(organization, [make_sha(1)], tags=[], received_at=T0 + timedelta(minutes=1))
    assert Deployment.objects.values_list("marks_failure", flat=True).get() is False


def test_the_largest_tags_the_api_accepts_are_recorded(organization, repo):
    """50 tags of 100 characters: no index entry may carry them (a btree entry is at most
    2,704 bytes on PostgreSQL), or such a deployment would fail to record."""
    merge = make_commit(repo, at=T0)
    make_pull_request(repo, 17, merged_at=T0, merge_commit_sha=merge.sha)
    tags = [make_sha(n) + make_sha(-n)[:60] for n in range(50)]

    result = record(organization, [merge.sha], tags=tags)

    assert Deployment.objects.get(pk=result.deployment.pk).tags == tags
    assert PullRequest.objects.get(number=17).shipped_tags == sorted(tags)
