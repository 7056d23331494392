"""A fake of GitHub's REST API for one repository, served over real HTTP on 127.0.0.1.

It answers the endpoints the backfill reads, in the shapes of GitHub's documentation
(List pull requests, List reviews for a pull request, List commits on a pull request, Get a
commit): Link headers with rel="next"/"last", ETags and 304 on If-None-Match, the
X-RateLimit-* headers, 401 "Bad credentials". `faults` injects rate limits and 5xx answers.
"""

import contextlib
import hashlib
import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from repositories import rest_client
from tests.factories import make_sha

TOKEN = "ghp_fake_token_for_tests"
DOCS = "https://docs.github.com/rest"
_ids = itertools.count(1000)


def user(login: str, kind: str = "User") -> dict:
    return {
        "login": login,
        "id": next(_ids),
        "node_id": "MDQ6VXNlcjE=",
        "avatar_url": f"https://avatars.githubusercontent.com/u/1?v=4&{login}",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": kind,
        "site_admin": False,
    }


def repo(full_name: str, *, private: bool = True) -> dict:
    """An item of GET /user/repos (a "repository")."""
    owner, name = full_name.split("/")
    return {
        "id": next(_ids),
        "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
        "name": name,
        "full_name": full_name,
        "owner": user(owner, "Organization"),
        "private": private,
        "html_url": f"https://github.com/{full_name}",
        "default_branch": "main",
        "permissions": {"admin": False, "maintain": False, "push": True, "pull": True},
    }


def _branch(full_name: str, ref: str, sha: str) -> dict:
    owner = full_name.split("/")[0]
    return {
        "label": f"{owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(owner, "Organization"),
        "repo": {"id": 1296269, "full_name": full_name, "name": full_name.split("/")[1]},
    }


def pull(
    number: int,
    *,
    updated_at: str,
    full_name: str = "acme/web",
    author: str = "octocat",
    title: str = "",
    created_at: str = "2026-10-01T09:00:00Z",
    merged_at: str | None = None,
    merge_commit_sha: str | None = None,
    state: str = "closed",
) -> dict:
    """An item of GET /repos/{owner}/{repo}/pulls (a "pull-request-simple")."""
    api = f"https://api.github.com/repos/{full_name}"
    return {
        "url": f"{api}/pulls/{number}",
        "id": next(_ids),
        "node_id": "MDExOlB1bGxSZXF1ZXN0MQ==",
        "html_url": f"https://github.com/{full_name}/pull/{number}",
        "number": number,
        "state": state,
        "locked": False,
        "title": title or f"Pull request {number}",
        "user": user(author),
        "body": None,
        "labels": [],
        "created_at": created_at,
        "updated_at": updated_at,
        "closed_at": merged_at or updated_at,
        "merged_at": merged_at,
        "merge_commit_sha": merge_commit_sha,
        "draft": False,
        "head": _branch(full_name, f"feature-{number}", "f" * 40),
        "base": _branch(full_name, "main", "b" * 40),
        "author_association": "MEMBER",
        "auto_merge": None,
    }


def review(login: str, *, submitted_at: str | None, state: str = "APPROVED", kind="User"):
    """An item of GET .../pulls/{n}/reviews; a PENDING review has no submitted_at."""
    item = {
        "id": next(_ids),
        "node_id": "MDE3OlB1bGxSZXF1ZXN0UmV2aWV3ODA=",
        "user": user(login, kind),
        "body": "",
        "state": state,
        "commit_id": "c" * 40,
        "author_association": "MEMBER",
    }
    if submitted_at:
        item["submitted_at"] = submitted_at
    return item


def commit(sha: str, *, date: str, login: str | None = "octocat", message: str = "Change"):
    """An item of GET .../pulls/{n}/commits (and the body of GET .../commits/{sha})."""
    person = {"name": login or "Someone", "email": f"{login or 'someone'}@example.com"}
    return {
        "sha": sha,
        "node_id": "MDY6Q29tbWl0MQ==",
        "commit": {
            "author": {**person, "date": date},
            "committer": {**person, "date": date},
            "message": message,
            "comment_count": 0,
        },
        "author": user(login) if login else None,
        "committer": user(login) if login else None,
        "parents": [],
    }


def at(day: int, hour: int = 12) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:00:00Z"


def add_merged(github, number: int, *, updated_day: int, reviews=(), **fields):
    """A merged PR with two commits (authored on days 1 and 2) and a separate merge commit."""
    first, second, merge = (make_sha(f"{number}-{name}") for name in ("a", "b", "merge"))
    github.add(
        pull(
            number,
            updated_at=at(updated_day),
            merged_at=at(updated_day, 10),
            merge_commit_sha=merge,
            **fields,
        ),
        reviews=reviews,
        commits=[commit(second, date=at(2)), commit(first, date=at(1))],
    )
    github.single_commits[merge] = commit(merge, date=at(updated_day, 10), message="Merge")
    return merge


@dataclass
class Fault:
    """Answers `status` (with `headers`) to requests whose path and query contain `match`,
    `times` times (None: for ever)."""

    match: str
    status: int
    headers: dict = field(default_factory=dict)
    times: int | None = 1
    message: str = "Server Error"


@dataclass
class FakeGitHub:
    full_name: str = "acme/web"
    page_size: int = 100
    pulls: list = field(default_factory=list)
    reviews: dict = field(default_factory=dict)
    commits: dict = field(default_factory=dict)
    single_commits: dict = field(default_factory=dict)
    faults: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    rate_limit_remaining: int = 4999
    rate_limit_reset: int = 1700000000
    url: str = ""
    # GET /user and GET /user/repos: who the token is, and what it reaches.
    login: str = "octocat"
    visible: list = field(default_factory=lambda: ["acme/web"])

    def add(self, item: dict, *, reviews=(), commits=()) -> None:
        self.pulls.append(item)
        self.reviews[item["number"]] = list(reviews)
        self.commits[item["number"]] = list(commits)

    def requests_to(self, fragment: str) -> list[str]:
        return [path for path, _ in self.requests if fragment in path]

    def answer(self, path: str, headers) -> tuple[int, dict, object]:
        self.requests.append((path, dict(headers)))
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {}, {"message": "Bad credentials", "documentation_url": DOCS}
        for fault in self.faults:
            if fault.match in path and fault.times != 0:
                fault.times = None if fault.times is None else fault.times - 1
                return fault.status, fault.headers, {"message": fault.message}
        return self._route(path)

    def _route(self, path: str):
        parts = urlsplit(path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        segments = parts.path.strip("/").split("/")
        if segments == ["user"]:
            return 200, {}, {**user(self.login), "name": "The Octocat", "public_repos": 2}
        if segments == ["user", "repos"]:
            return self._paginated(parts.path, query, [repo(name) for name in self.visible])
        prefix = ["repos", *self.full_name.split("/")]
        if segments[:3] != prefix:
            return 404, {}, {"message": "Not Found", "documentation_url": DOCS}
        rest = segments[3:]
        if rest == ["pulls"]:
            ordered = sorted(self.pulls, key=lambda item: item["updated_at"], reverse=True)
            return self._paginated(parts.path, query, ordered)
        if len(rest) == 3 and rest[0] == "pulls" and rest[2] in ("reviews", "commits"):
            store = self.reviews if rest[2] == "reviews" else self.commits
            return self._paginated(parts.path, query, store.get(int(rest[1]), []))
        if len(rest) == 2 and rest[0] == "commits" and rest[1] in self.single_commits:
            return 200, {}, self.single_commits[rest[1]]
        return 404, {}, {"message": "Not Found", "documentation_url": DOCS}

    def _paginated(self, path: str, query: dict, items: list):
        size = min(int(query.get("per_page", 30)), self.page_size)
        page = int(query.get("page", 1))
        last = max(1, -(-len(items) // size))
        links = []
        for rel, number in (("next", page + 1), ("last", last)):
            if page < last:
                target = urlencode({**query, "page": number})
                links.append(f'<{self.url}{path}?{target}>; rel="{rel}"')
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, headers, items[(page - 1) * size : page * size]


def _handler(fake: FakeGitHub):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            status, headers, body = fake.answer(self.path, self.headers)
            data = json.dumps(body).encode()
            etag = f'W/"{hashlib.sha256(data).hexdigest()}"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                status, data = 304, b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if status in (200, 304):
                self.send_header("ETag", etag)
            defaults = {
                "X-RateLimit-Limit": "5000",
                "X-RateLimit-Remaining": str(fake.rate_limit_remaining),
                "X-RateLimit-Reset": str(fake.rate_limit_reset),
            }
            for name, value in {**defaults, **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


class FakeGitHubServer:
    """Runs a FakeGitHub on 127.0.0.1 (a free port) in a thread; a context manager."""

    def __init__(self, fake: FakeGitHub):
        self.fake = fake
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
        fake.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> FakeGitHub:
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def served(settings, monkeypatch, fake: FakeGitHub | None = None) -> Iterator[FakeGitHub]:
    """Serves a FakeGitHub as SHIPLOG_GITHUB_API_URL, with no back-off between retries."""
    monkeypatch.setattr(rest_client, "BACKOFF_FACTOR", 0)
    with FakeGitHubServer(fake or FakeGitHub()) as running:
        settings.SHIPLOG_GITHUB_API_URL = running.url
        yield running
