"""A fake of GitLab's REST API v4 for one project, served over real HTTP on 127.0.0.1.

It answers what the backfill reads, in the shapes of GitLab's API documentation (List project
merge requests, List MR commits, List all merge request notes, Get a single commit): the
project addressed by its URL-encoded path, PRIVATE-TOKEN, Link / X-Next-Page / X-Total-Pages
pagination, RateLimit-* headers and "401 Unauthorized". `faults` injects 429s and 5xx answers.
"""

import contextlib
import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from repositories import rest_client
from tests.factories import make_sha

TOKEN = "glpat-fake-token-for-tests"
_ids = itertools.count(5000)


def user(username: str, user_id: int) -> dict:
    return {
        "id": user_id,
        "username": username,
        "name": username.title(),
        "state": "active",
        "locked": False,
        "avatar_url": f"https://gitlab.example.com/uploads/{username}.png",
        "web_url": f"https://gitlab.example.com/{username}",
    }


ADA = user("ada", 51)
BOB = user("bob", 52)


def merge_request(
    iid: int,
    *,
    updated_at: str,
    merged_at: str,
    sha: str,
    merge_commit_sha: str | None = None,
    squash_commit_sha: str | None = None,
    author: dict = ADA,
    created_at: str = "2026-10-01T09:00:00.000Z",
    title: str = "",
    path: str = "",
) -> dict:
    """An item of GET /projects/:id/merge_requests?state=merged."""
    return {
        "id": next(_ids),
        "iid": iid,
        "project_id": 3,
        "title": title or f"Merge request {iid}",
        "description": "",
        "state": "merged",
        "created_at": created_at,
        "updated_at": updated_at,
        "merged_by": BOB,
        "merge_user": BOB,
        "merged_at": merged_at,
        "closed_by": None,
        "closed_at": None,
        "target_branch": "main",
        "source_branch": f"feature-{iid}",
        "user_notes_count": 1,
        "upvotes": 0,
        "downvotes": 0,
        "author": author,
        "assignees": [],
        "reviewers": [BOB],
        "source_project_id": 3,
        "target_project_id": 3,
        "labels": [],
        "draft": False,
        "work_in_progress": False,
        "milestone": None,
        "merge_when_pipeline_succeeds": False,
        "merge_status": "can_be_merged",
        "detailed_merge_status": "not_open",
        "sha": sha,
        "merge_commit_sha": merge_commit_sha,
        "squash_commit_sha": squash_commit_sha,
        "discussion_locked": None,
        "should_remove_source_branch": True,
        "force_remove_source_branch": True,
        "prepared_at": created_at,
        "reference": f"!{iid}",
        "web_url": f"https://gitlab.example.com/{path}/-/merge_requests/{iid}",
        "squash": squash_commit_sha is not None,
        "squash_on_merge": squash_commit_sha is not None,
        "has_conflicts": False,
        "blocking_discussions_resolved": True,
    }


def note(body: str, *, author: dict, created_at: str, system: bool = False) -> dict:
    """An item of GET .../merge_requests/:iid/notes."""
    return {
        "id": next(_ids),
        "type": None,
        "body": body,
        "attachment": None,
        "author": author,
        "created_at": created_at,
        "updated_at": created_at,
        "system": system,
        "noteable_id": 7,
        "noteable_type": "MergeRequest",
        "project_id": 3,
        "resolvable": False,
        "confidential": False,
        "internal": False,
        "noteable_iid": 1,
    }


def commit(sha: str, *, date: str, author: str = "ada", message: str = "Change") -> dict:
    """An item of GET .../merge_requests/:iid/commits (and GET .../repository/commits/:sha)."""
    return {
        "id": sha,
        "short_id": sha[:8],
        "created_at": date,
        "parent_ids": [],
        "title": message.split("\n", 1)[0],
        "message": message,
        "author_name": author.title(),
        "author_email": f"{author}@example.com",
        "authored_date": date,
        "committer_name": author.title(),
        "committer_email": f"{author}@example.com",
        "committed_date": date,
        "trailers": {},
        "web_url": f"https://gitlab.example.com/-/commit/{sha}",
    }


def at(day: int, hour: int = 12) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:00:00.000Z"


def add_merged(gitlab, iid: int, *, updated_day: int, notes=(), kind="merge", **fields) -> dict:
    """A merged MR with two commits (authored on days 1 and 2) landed by a merge commit, a
    squash commit, or (kind "fast-forward") its head. Returns its SHAs by name."""
    shas = {name: make_sha(f"gitlab-{iid}-{name}") for name in ("a", "b", "merge", "squash")}
    landing = {
        "merge": {"merge_commit_sha": shas["merge"]},
        "squash": {"squash_commit_sha": shas["squash"]},
        "fast-forward": {},
    }[kind]
    gitlab.add(
        merge_request(
            iid,
            updated_at=at(updated_day),
            merged_at=at(updated_day, 10),
            sha=shas["b"],
            path=gitlab.full_name,
            **landing,
            **fields,
        ),
        notes=notes,
        commits=[commit(shas["b"], date=at(2)), commit(shas["a"], date=at(1))],
    )
    for name in ("merge", "squash"):
        gitlab.single_commits[shas[name]] = commit(shas[name], date=at(updated_day, 10))
    return shas


@dataclass
class Fault:
    """Answers `status` (with `headers`) to requests whose path and query contain `match`,
    `times` times (None: for ever)."""

    match: str
    status: int
    headers: dict = field(default_factory=dict)
    times: int | None = 1
    message: str = "500 Internal Server Error"


@dataclass
class FakeGitLab:
    full_name: str = "platform/payments/checkout"
    page_size: int = 100
    merge_requests: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)
    commits: dict = field(default_factory=dict)
    single_commits: dict = field(default_factory=dict)
    # GET /projects/:id/repository/commits?ref_name=…: the commits of a ref or a range.
    branch_commits: dict = field(default_factory=dict)
    faults: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    rate_limit_remaining: int = 1999
    rate_limit_reset: int = 1700000060
    url: str = ""

    def add(self, item: dict, *, notes=(), commits=()) -> None:
        self.merge_requests.append(item)
        self.notes[item["iid"]] = list(notes)
        self.commits[item["iid"]] = list(commits)

    def requests_to(self, fragment: str) -> list[str]:
        return [path for path, _ in self.requests if fragment in path]

    def answer(self, path: str, headers) -> tuple[int, dict, object]:
        self.requests.append((path, dict(headers)))
        if headers.get("PRIVATE-TOKEN") != TOKEN:
            return 401, {}, {"message": "401 Unauthorized"}
        for fault in self.faults:
            if fault.match in path and fault.times != 0:
                fault.times = None if fault.times is None else fault.times - 1
                return fault.status, fault.headers, {"message": fault.message}
        return self._route(path)

    def _route(self, path: str):
        parts = urlsplit(path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if parts.path == "/api/v4/user":
            return 200, {}, {**ADA, "bio": "", "public_email": None}
        prefix = f"/api/v4/projects/{quote(self.full_name, safe='')}"
        if not parts.path.startswith(prefix + "/"):
            return 404, {}, {"message": "404 Project Not Found"}
        rest = parts.path[len(prefix) + 1 :].split("/")
        if rest == ["merge_requests"] and query.get("state") == "merged":
            ordered = sorted(self.merge_requests, key=lambda mr: mr["updated_at"], reverse=True)
            return self._paginated(parts.path, query, ordered)
        if len(rest) == 3 and rest[0] == "merge_requests" and rest[2] in ("commits", "notes"):
            store = self.commits if rest[2] == "commits" else self.notes
            return self._paginated(parts.path, query, store.get(int(rest[1]), []))
        if rest[:2] == ["repository", "commits"] and rest[2:] and rest[2] in self.single_commits:
            return 200, {}, self.single_commits[rest[2]]
        if rest == ["repository", "commits"] and query.get("ref_name") in self.branch_commits:
            return self._paginated(parts.path, query, self.branch_commits[query["ref_name"]])
        return 404, {}, {"message": "404 Not found"}

    def _paginated(self, path: str, query: dict, items: list):
        size = min(int(query.get("per_page", 20)), self.page_size)
        page = int(query.get("page", 1))
        last = max(1, -(-len(items) // size))
        links = []
        for rel, number in (("next", page + 1), ("first", 1), ("last", last)):
            if rel != "next" or page < last:
                target = urlencode({**query, "page": number})
                links.append(f'<{self.url}{path}?{target}>; rel="{rel}"')
        headers = {
            "Link": ", ".join(links),
            "X-Page": str(page),
            "X-Per-Page": str(size),
            "X-Next-Page": str(page + 1) if page < last else "",
            "X-Total": str(len(items)),
            "X-Total-Pages": str(last),
        }
        return 200, headers, items[(page - 1) * size : page * size]


def _handler(fake: FakeGitLab):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            status, headers, body = fake.answer(self.path, self.headers)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            defaults = {
                "RateLimit-Limit": "2000",
                "RateLimit-Remaining": str(fake.rate_limit_remaining),
                "RateLimit-Reset": str(fake.rate_limit_reset),
            }
            for name, value in {**defaults, **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


@contextlib.contextmanager
def served(settings, monkeypatch, fake: FakeGitLab | None = None) -> Iterator[FakeGitLab]:
    """Serves a FakeGitLab on 127.0.0.1 as SHIPLOG_GITLAB_URL, with no back-off."""
    fake = fake or FakeGitLab()
    monkeypatch.setattr(rest_client, "BACKOFF_FACTOR", 0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    settings.SHIPLOG_GITLAB_URL = fake.url
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
