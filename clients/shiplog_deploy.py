#!/usr/bin/env python3
"""Tell Shiplog about a deployment from any CI machine: one file, standard library only.

Sends the merge commits made since the last deployment Shiplog has for this environment
(it asks the API for that deployment, then runs `git log --merges`), or HEAD when there
is none yet. Exits non-zero with the server's message when Shiplog refuses the request.

    SHIPLOG_URL=https://shiplog.example.com SHIPLOG_API_TOKEN=shl_... \\
        python3 shiplog_deploy.py --environment production --repository acme/web
"""

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

MAX_SHAS = 5000
TIMEOUT_SECONDS = 30


class ShiplogError(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    args = _arguments().parse_args(argv)
    if not args.token:
        print("shiplog: set SHIPLOG_API_TOKEN or pass --token.", file=sys.stderr)
        return 2
    try:
        last = last_deployment(args)
        shas = shas_to_send(args.git_dir, last["commitSha"] if last else [])
        body = request_body(args, shas)
        if args.dry_run:
            print(json.dumps(body, indent=2))
            return 0
        created = api_request(args, "POST", "/api/v1/deployments", body=body)
    except ShiplogError as error:
        print(f"shiplog: {error}", file=sys.stderr)
        return 1
    print(summary(created))
    return 0


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("SHIPLOG_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--token", default=os.environ.get("SHIPLOG_API_TOKEN", ""))
    parser.add_argument("--environment", required=True, help="e.g. production")
    parser.add_argument(
        "--repository", help="owner/name: only this repository's last deployment counts"
    )
    parser.add_argument("--git-dir", default=".", help="the checked-out repository")
    parser.add_argument("--title")
    parser.add_argument("--tag", action="append", default=[], help="repeat for several")
    parser.add_argument("--deployed-at", help="ISO 8601; default: now")
    parser.add_argument("--test", action="store_true", help="a test deployment")
    parser.add_argument("--dry-run", action="store_true", help="print the body, send nothing")
    return parser


def last_deployment(args) -> dict | None:
    query = {"environmentName": args.environment, "pageSize": 1}
    if args.repository:
        query["repository"] = args.repository
    page = api_request(args, "GET", "/api/v1/deployments?" + urllib.parse.urlencode(query))
    return page["results"][0] if page["results"] else None


def shas_to_send(git_dir: str, deployed: list[str]) -> list[str]:
    """Merge commits reachable from HEAD and not from any deployed SHA; HEAD if none."""
    known = [
        sha
        for sha in deployed
        if _git(git_dir, "cat-file", "-e", f"{sha}^{{commit}}", check=False)
    ]
    merges = []
    if known:
        excluded = [f"^{sha}" for sha in known]
        merges = _git(git_dir, "log", "--merges", "--format=%H", "HEAD", *excluded).split()
    return merges[:MAX_SHAS] or [_git(git_dir, "rev-parse", "HEAD").strip()]


def request_body(args, shas: list[str]) -> dict:
    body = {"commitSha": shas, "environmentName": args.environment, "isTest": args.test}
    if args.title:
        body["title"] = args.title
    if args.tag:
        body["tags"] = args.tag
    if args.deployed_at:
        body["deployedAt"] = args.deployed_at
    return body


def api_request(args, method: str, path: str, body: dict | None = None) -> dict:
    if not args.url.startswith(("http://", "https://")):
        raise ShiplogError(f"--url must start with http:// or https://, not {args.url!r}")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        args.url.rstrip("/") + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Authorization": f"Bearer {args.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise ShiplogError(_problem_message(error)) from None
    except (urllib.error.URLError, TimeoutError) as error:
        raise ShiplogError(f"cannot reach {args.url}: {error}") from None


def _problem_message(error: urllib.error.HTTPError) -> str:
    text = error.read().decode("utf-8", errors="replace")
    try:
        problem = json.loads(text)
    except ValueError:
        return f"HTTP {error.code}: {text[:500]}"
    lines = [f"HTTP {error.code}: {problem.get('detail', text[:500])}"]
    lines += [f"  {e['field']}: {e['message']}" for e in problem.get("errors", [])]
    lines.append(f"  request id: {problem.get('requestId', error.headers.get('X-Request-ID'))}")
    return "\n".join(lines)


def summary(created: dict) -> str:
    match = created["match"]
    pull_requests = ", ".join(f"{pr['repository']}#{pr['number']}" for pr in match["pullRequests"])
    return (
        f"Recorded deployment {created['id']} to {created['environmentName']}: "
        f"{len(match['matchedShas'])} SHAs matched, {len(match['unknownShas'])} not known yet; "
        f"ships {pull_requests or 'no pull request yet'}"
        + (" (replaced an earlier identical deployment)" if match["replacedExisting"] else "")
    )


def _git(git_dir: str, *args: str, check: bool = True):
    result = subprocess.run(  # noqa: S603
        ["git", "-C", git_dir, *args], capture_output=True, text=True, check=False
    )
    if not check:
        return result.returncode == 0
    if result.returncode != 0:
        raise ShiplogError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


if __name__ == "__main__":
    sys.exit(main())
