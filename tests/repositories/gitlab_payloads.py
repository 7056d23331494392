"""GitLab webhook payloads: the documented examples of GitLab's
doc/user/project/integrations/webhook_events.md (Push Hook, Note Hook on a merge request,
Merge Request Hook, Deployment Hook), with the same keys, nesting and time formats
("2013-12-03T17:23:34Z" beside "2015-05-17 18:21:36 UTC" and "2021-04-28 21:50:00 +0200").
`merge_commit_sha` is in every MR hook (Gitlab::HookData::MergeRequestBuilder's safe
attributes) though the doc's example leaves it out; builders vary only documented fields."""

import copy
import json

DOCUMENTED_HEAD = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
HOST = "http://example.com"


def project(path: str = "gitlabhq/gitlab-test", host: str = HOST, project_id: int = 1) -> dict:
    return {
        "id": project_id,
        "name": "Gitlab Test",
        "description": "Aut reprehenderit ut est.",
        "web_url": f"{host}/{path}",
        "avatar_url": None,
        "git_ssh_url": f"git@example.com:{path}.git",
        "git_http_url": f"{host}/{path}.git",
        "namespace": "GitlabHQ",
        "visibility_level": 20,
        "path_with_namespace": path,
        "default_branch": "master",
        "ci_config_path": "",
        "homepage": f"{host}/{path}",
        "url": f"{host}/{path}.git",
        "ssh_url": f"git@example.com:{path}.git",
        "http_url": f"{host}/{path}.git",
    }


def user(username: str = "root", user_id: int = 1, name: str = "Administrator") -> dict:
    return {
        "id": user_id,
        "name": name,
        "username": username,
        "avatar_url": "http://www.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61?s=40&d=identicon",
        "email": f"{username}@example.com",
    }


def _project_keys(path: str, host: str) -> dict:
    return {
        "project": project(path, host),
        "repository": {
            "name": "Gitlab Test",
            "url": f"{host}/{path}.git",
            "description": "Aut reprehenderit ut est.",
            "homepage": f"{host}/{path}",
        },
    }


def push_commit(sha: str, *, message="fixed readme", at="2012-01-03T23:36:29+02:00", **author):
    return {
        "id": sha,
        "message": message,
        "title": message.split("\n", 1)[0],
        "timestamp": at,
        "url": f"{HOST}/mike/diaspora/commit/{sha}",
        "author": {
            "name": author.get("name", "GitLab dev user"),
            "email": author.get("email", "gitlabdev@dv6700.(none)"),
        },
        "added": ["CHANGELOG"],
        "modified": ["app/controller/application.rb"],
        "removed": [],
    }


def push(
    commits: list[dict],
    *,
    ref="refs/heads/master",
    path="mike/diaspora",
    host=HOST,
    total_commits_count=None,
) -> dict:
    after = commits[-1]["id"] if commits else "0" * 40
    return {
        "object_kind": "push",
        "event_name": "push",
        "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
        "after": after,
        "ref": ref,
        "ref_protected": True,
        "checkout_sha": after,
        "user_id": 4,
        "user_name": "John Smith",
        "user_username": "jsmith",
        "user_email": "john@example.com",
        "user_avatar": "https://s.gravatar.com/avatar/d4c74594d841139328695756648b6bd6?s=80",
        "project_id": 15,
        **_project_keys(path, host),
        "commits": commits,
        "total_commits_count": len(commits)
        if total_commits_count is None
        else total_commits_count,
    }


def merge_request_attributes(
    iid: int = 1,
    *,
    state="opened",
    action="open",
    author_id=51,
    created_at="2013-12-03T17:23:34Z",
    updated_at="2013-12-03T17:23:34Z",
    source_branch="ms-viewport",
    merge_commit_sha=None,
    head_sha=DOCUMENTED_HEAD,
    title="MS-Viewport",
    draft=False,
    **extra,
) -> dict:
    attributes = {
        "id": 99,
        "iid": iid,
        "target_branch": "master",
        "source_branch": source_branch,
        "source_project_id": 14,
        "author_id": author_id,
        "assignee_ids": [6],
        "assignee_id": 6,
        "reviewer_ids": [6],
        "title": title,
        "created_at": created_at,
        "updated_at": updated_at,
        "last_edited_at": "2013-12-03T17:23:34Z",
        "last_edited_by_id": 1,
        "milestone_id": None,
        "state_id": 1,
        "state": state,
        "blocking_discussions_resolved": True,
        "work_in_progress": draft,
        "draft": draft,
        "first_contribution": True,
        "merge_status": "unchecked",
        "target_project_id": 14,
        "description": "",
        "prepared_at": "2013-12-03T19:23:34Z",
        "merge_commit_sha": merge_commit_sha,
        "total_time_spent": 1800,
        "time_change": 30,
        "human_total_time_spent": "30m",
        "human_time_change": "30s",
        "human_time_estimate": "30m",
        "url": f"http://example.com/diaspora/merge_requests/{iid}",
        "last_commit": {
            "id": head_sha,
            "message": "fixed readme",
            "title": "Update file README.md",
            "timestamp": "2012-01-03T23:36:29+02:00",
            "url": f"http://example.com/awesome_space/awesome_project/commits/{head_sha}",
            "author": {"name": "GitLab dev user", "email": "gitlabdev@dv6700.(none)"},
        },
        "labels": [],
        "action": action,
        "detailed_merge_status": "mergeable",
    }
    attributes.update(extra)
    return attributes


def merge_request(
    *, actor=None, path="gitlabhq/gitlab-test", host=HOST, changes=None, **attributes
) -> dict:
    return {
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "user": actor or user("ada", 51, "Ada Lovelace"),
        **_project_keys(path, host),
        "object_attributes": merge_request_attributes(**attributes),
        "labels": [],
        "changes": changes or {},
        "assignees": [user("user1", 6, "User1")],
        "reviewers": [user("user1", 6, "User1")],
    }


def note_on_merge_request(
    *,
    author=None,
    note="This MR needs work.",
    system=False,
    created_at="2015-05-17 18:21:36 UTC",
    path="gitlab-org/gitlab-test",
    host=HOST,
    iid=1,
    mr_author_id=8,
    mr_state="opened",
    mr_created_at="2015-03-01 20:12:53 UTC",
    noteable_type="MergeRequest",
) -> dict:
    return {
        "object_kind": "note",
        "event_type": "note",
        "user": author or user(),
        "project_id": 5,
        **_project_keys(path, host),
        "object_attributes": {
            "id": 1244,
            "note": note,
            "noteable_type": noteable_type,
            "author_id": (author or user())["id"],
            "created_at": created_at,
            "updated_at": created_at,
            "project_id": 5,
            "attachment": None,
            "line_code": None,
            "commit_id": "",
            "noteable_id": 7,
            "system": system,
            "st_diff": None,
            "action": "create",
            "url": f"{host}/{path}/merge_requests/{iid}#note_1244",
        },
        "merge_request": {
            "id": 7,
            "target_branch": "markdown",
            "source_branch": "master",
            "source_project_id": 5,
            "author_id": mr_author_id,
            "assignee_id": 28,
            "title": "Tempora et eos debitis quae laborum et.",
            "created_at": mr_created_at,
            "updated_at": "2015-03-21 18:27:27 UTC",
            "milestone_id": 11,
            "state": mr_state,
            "merge_status": "cannot_be_merged",
            "target_project_id": 5,
            "iid": iid,
            "description": "Et voluptas corrupti assumenda temporibus.",
            "position": 0,
            "labels": [],
            "last_commit": {
                "id": "562e173be03b8ff2efb05345d12df18815438a4b",
                "message": "Merge branch 'another-branch' into 'master'\n\nCheck in this test\n",
                "timestamp": "2015-04-08T21:00:25-07:00",
                "url": f"{host}/{path}/commit/562e173be03b8ff2efb05345d12df18815438a4b",
                "author": {"name": "John Smith", "email": "john@example.com"},
            },
            "work_in_progress": False,
            "draft": False,
            "assignee": {"name": "User1", "username": "user1", "avatar_url": None},
            "detailed_merge_status": "checking",
        },
    }


def deployment(
    *,
    sha="279484c09fbe69ededfced8c1bb6e6d24616b468",
    status="success",
    environment="staging",
    status_changed_at="2021-04-28 21:50:00 +0200",
    path="root/test-deployment-webhooks",
    host="http://10.126.0.2:3000",
    deployment_id=15,
    commit_title="Add new file",
) -> dict:
    payload = {
        "object_kind": "deployment",
        "status": status,
        "status_changed_at": status_changed_at,
        "deployment_id": deployment_id,
        "deployable_id": 796,
        "deployable_url": f"{host}/{path}/-/jobs/796",
        "environment": environment,
        "environment_tier": environment,
        "environment_slug": environment,
        "environment_external_url": f"https://{environment}.example.com",
        "project": _project_keys(path, host)["project"],
        "short_sha": sha[:8],
        "user": user(),
        "user_url": f"{host}/root",
        "commit_url": f"{host}/{path}/-/commit/{sha}",
        "commit_title": commit_title,
    }
    return copy.deepcopy(payload)


def encode(payload: dict) -> bytes:
    return json.dumps(payload).encode()
