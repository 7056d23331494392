"""Webhook payloads shaped like GitHub's documented examples (octokit/webhooks
payload-examples): the same keys and nesting, including the awkward variants - null bodies,
a committer without a username, tag pushes without commits, and the organization and
installation keys GitHub adds for organization webhooks and GitHub Apps."""

import copy
import hashlib
import hmac
import json

ZERO_SHA = "0" * 40


def user(login: str = "Codertocat", user_id: int = 21031067, kind: str = "User") -> dict:
    return {
        "login": login,
        "id": user_id,
        "node_id": "MDQ6VXNlcjIxMDMxMDY3",
        "avatar_url": f"https://avatars1.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": kind,
        "site_admin": False,
    }


def repository(full_name: str = "Codertocat/Hello-World") -> dict:
    owner, name = full_name.split("/")
    return {
        "id": 186853002,
        "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
        "name": name,
        "full_name": full_name,
        "private": False,
        "owner": user(owner),
        "html_url": f"https://github.com/{full_name}",
        "description": None,
        "fork": False,
        "url": f"https://api.github.com/repos/{full_name}",
        "created_at": "2019-05-15T15:19:25Z",
        "updated_at": "2019-05-15T15:20:41Z",
        "pushed_at": "2019-05-15T15:20:56Z",
        "homepage": None,
        "size": 0,
        "language": "Ruby",
        "default_branch": "master",
        "visibility": "public",
    }


def _with_variant(payload: dict, variant: str) -> dict:
    if variant in ("organization", "both"):
        payload["organization"] = {
            "login": "Octocoders",
            "id": 38302899,
            "node_id": "MDEyOk9yZ2FuaXphdGlvbjM4MzAyODk5",
            "url": "https://api.github.com/orgs/Octocoders",
            "repos_url": "https://api.github.com/orgs/Octocoders/repos",
            "description": "",
        }
    if variant in ("installation", "both"):
        payload["installation"] = {"id": 1, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ=="}
    return payload


def pull_request(
    action: str = "opened",
    *,
    number: int = 2,
    title: str = "Update the README with new information.",
    author: str = "Codertocat",
    author_type: str = "User",
    state: str = "open",
    draft: bool = False,
    merged: bool = False,
    merged_at: str | None = None,
    merge_commit_sha: str | None = None,
    head_ref: str = "changes",
    head_repo: str | None = None,
    body: str | None = "This is a pretty simple change that we need to pull into master.",
    created_at: str = "2019-05-15T15:20:33Z",
    full_name: str = "Codertocat/Hello-World",
    variant: str = "",
) -> dict:
    head_owner = (head_repo or full_name).split("/")[0]
    payload = {
        "action": action,
        "number": number,
        "pull_request": {
            "url": f"https://api.github.com/repos/{full_name}/pulls/{number}",
            "id": 279147437,
            "node_id": "MDExOlB1bGxSZXF1ZXN0Mjc5MTQ3NDM3",
            "html_url": f"https://github.com/{full_name}/pull/{number}",
            "number": number,
            "state": state,
            "locked": False,
            "title": title,
            "user": user(author, kind=author_type),
            "body": body,
            "created_at": created_at,
            "updated_at": created_at,
            "closed_at": merged_at,
            "merged_at": merged_at,
            "merge_commit_sha": merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "labels": [],
            "milestone": None,
            "draft": draft,
            "head": {
                "label": f"{head_owner}:{head_ref}",
                "ref": head_ref,
                "sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
                "user": user(head_owner),
                "repo": repository(head_repo or full_name),
            },
            "base": {
                "label": f"{full_name.split('/')[0]}:master",
                "ref": "master",
                "sha": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
                "user": user(full_name.split("/")[0]),
                "repo": repository(full_name),
            },
            "author_association": "OWNER",
            "auto_merge": None,
            "active_lock_reason": None,
            "merged": merged,
            "mergeable": None,
            "rebaseable": None,
            "mergeable_state": "unknown",
            "merged_by": user() if merged else None,
            "comments": 0,
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": 1,
            "additions": 1,
            "deletions": 1,
            "changed_files": 1,
        },
        "repository": repository(full_name),
        "sender": user(author, kind=author_type),
    }
    return _with_variant(payload, variant)


def review(
    *,
    reviewer: str = "octocat",
    reviewer_type: str = "User",
    submitted_at: str = "2019-05-15T15:20:38Z",
    action: str = "submitted",
    state: str = "commented",
    variant: str = "",
    **pull_request_fields,
) -> dict:
    pr = pull_request(**pull_request_fields)
    # Review payloads carry the pull request without its merge-state fields.
    for key in ("merged", "mergeable", "rebaseable", "mergeable_state", "merged_by", "comments"):
        pr["pull_request"].pop(key)
    payload = {
        "action": action,
        "review": {
            "id": 237895671,
            "node_id": "MDE3OlB1bGxSZXF1ZXN0UmV2aWV3MjM3ODk1Njcx",
            "user": user(reviewer, 5346, kind=reviewer_type),
            "body": None,
            "commit_id": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
            "submitted_at": submitted_at,
            "state": state,
            "html_url": "https://github.com/Codertocat/Hello-World/pull/2#pullrequestreview-237895671",
            "author_association": "OWNER",
        },
        "pull_request": pr["pull_request"],
        "repository": pr["repository"],
        "sender": user(reviewer, 5346, kind=reviewer_type),
    }
    return _with_variant(payload, variant)


def push_commit(
    sha: str,
    *,
    message: str = "Update README.md",
    timestamp: str = "2019-05-15T15:20:30-07:00",
    name: str = "Codertocat",
    email: str = "21031067+Codertocat@users.noreply.github.com",
    username: str | None = "Codertocat",
) -> dict:
    author = {"name": name, "email": email}
    if username is not None:
        author["username"] = username
    return {
        "id": sha,
        "tree_id": "f9d2a07e9488b91af2641b26b9407fe22a451433",
        "distinct": True,
        "message": message,
        "timestamp": timestamp,
        "url": f"https://github.com/Codertocat/Hello-World/commit/{sha}",
        "author": author,
        # GitHub's own committer on web merges has no username.
        "committer": {"name": "GitHub", "email": "noreply@github.com"},
        "added": [],
        "removed": [],
        "modified": ["README.md"],
    }


def push(
    commits: list[dict],
    *,
    ref: str = "refs/heads/master",
    full_name: str = "Codertocat/Hello-World",
    before: str = "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
    deleted: bool = False,
    variant: str = "",
) -> dict:
    after = ZERO_SHA if deleted else (commits[-1]["id"] if commits else before)
    payload = {
        "ref": ref,
        "before": before,
        "after": after,
        "repository": {
            **repository(full_name),
            # Push payloads give these two as Unix timestamps, unlike every other event.
            "created_at": 1557933565,
            "pushed_at": 1557933657,
        },
        "pusher": {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com"},
        "sender": user(),
        "created": before == ZERO_SHA,
        "deleted": deleted,
        "forced": False,
        "base_ref": None,
        "compare": f"https://github.com/{full_name}/compare/{before[:12]}...{after[:12]}",
        "commits": commits,
        "head_commit": copy.deepcopy(commits[-1]) if commits else None,
    }
    return _with_variant(payload, variant)


def ping(hook_id: int = 30) -> dict:
    return {
        "zen": "Keep it logically awesome.",
        "hook_id": hook_id,
        "hook": {
            "type": "Repository",
            "id": hook_id,
            "name": "web",
            "active": True,
            "events": ["pull_request", "pull_request_review", "push"],
            "config": {"content_type": "json", "insecure_ssl": "0", "url": "https://example.com"},
        },
        "repository": repository(),
        "sender": user(),
    }


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(payload: dict) -> bytes:
    return json.dumps(payload).encode()
