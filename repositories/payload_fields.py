"""Reading code-host webhook and API payloads safely: decoding, typed fields, times, SHAs.

Shared by the GitHub and GitLab parsers, so every value is checked one way: the type the host
documents, no NUL character (PostgreSQL text cannot hold one), numbers within their column,
times within the supported years. A field that fails raises PayloadError naming it.
"""

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs

from organizations.dates import OUT_OF_RANGE_MESSAGE, date_is_supported

# Code hosts' payloads nest about six levels deep; far deeper is no real payload.
MAX_PAYLOAD_DEPTH = 64
# PullRequest.number is a PostgreSQL integer column; hosts number PRs from 1.
MAX_INTEGER = 2**31 - 1
_SHA = re.compile(r"^[0-9a-f]{40}$")
# GitLab writes many times as "2015-05-17 18:08:09 UTC" or "2021-04-28 21:50:00 +0200".
_SPACED_TIME = re.compile(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) (UTC|[+-]\d\d:?\d\d)$")


class PayloadError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def payload_decode(body: bytes) -> dict:
    """Accepts both content types GitHub offers: application/json and the form encoding
    (payload=<json>), so a webhook created with the default still works. The raw body is
    stored, so it may hold no NUL; nesting deeper than MAX_PAYLOAD_DEPTH is refused."""
    try:
        text = body.decode("utf-8")
        document = parse_qs(text)["payload"][0] if text.startswith("payload=") else text
        payload = json.loads(document)
    except (UnicodeDecodeError, ValueError, KeyError) as error:
        raise PayloadError("body", "is not a JSON document") from error
    except RecursionError:
        raise PayloadError("body", f"nests deeper than {MAX_PAYLOAD_DEPTH} levels") from None
    if not isinstance(payload, dict):
        raise PayloadError("body", "must be a JSON object")
    if "\0" in text:
        raise PayloadError("body", "contains a NUL character")
    _depth_check(payload)
    return payload


def _depth_check(payload: dict) -> None:
    """PayloadError naming the top-level key under which objects and arrays nest deeper than
    MAX_PAYLOAD_DEPTH (the payload itself is level 1); walked without recursion."""
    for key, value in payload.items():
        stack = [(value, 2)]
        while stack:
            node, depth = stack.pop()
            if not isinstance(node, dict | list):
                continue
            if depth > MAX_PAYLOAD_DEPTH:
                raise PayloadError(key, f"nests deeper than {MAX_PAYLOAD_DEPTH} levels")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)


def field(payload: dict, path: str, kind: type | tuple = str, *, required: bool = True):
    value = payload
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise PayloadError(path, "is missing or has the wrong type")
    if isinstance(value, str):
        storable(value, path)
    return value


def objects(payload: dict, path: str, parse) -> list:
    """Each object of the optional list at `path` (null or absent is none) read by `parse`;
    a PayloadError names the item's place, "commits.3.author.email"."""
    items = payload
    for key in path.split("."):
        items = items.get(key) if isinstance(items, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        raise PayloadError(path, "must be a list")
    parsed = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise PayloadError(f"{path}.{index}", "must be an object")
        try:
            parsed.append(parse(item))
        except PayloadError as error:
            raise PayloadError(f"{path}.{index}.{error.field}", error.message) from error
    return parsed


def storable(value: str, name: str) -> None:
    if "\0" in value:
        raise PayloadError(name, "contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PayloadError(name, "contains an unpaired UTF-16 surrogate") from None


def text(payload: dict, path: str, max_length: int) -> str:
    """An optional string (null or absent is ""), cut to max_length."""
    return (field(payload, path, required=False) or "")[:max_length]


def web_url(payload: dict, path: str, max_length: int) -> str:
    """An optional link to show: an http(s) address, else "" (never javascript: or data:)."""
    url = text(payload, path, max_length)
    return url if url.startswith(("https://", "http://")) else ""


def positive_integer(payload: dict, path: str) -> int:
    value = field(payload, path, int)
    if not 1 <= value <= MAX_INTEGER:
        raise PayloadError(path, f"must be between 1 and {MAX_INTEGER}")
    return value


def header_check(name: str, value: str) -> None:
    """A required header (X-GitHub-Delivery, X-Gitlab-Event…) is present and, like any
    payload string, storable."""
    if not value.strip():
        raise PayloadError(name, "header is required")
    storable(value, name)


def time_field(payload: dict, path: str, *, required: bool = True) -> datetime | None:
    """An ISO 8601 time with an offset (GitLab's "2015-05-17 18:08:09 UTC" form too), in
    the supported years."""
    value = field(payload, path, required=required)
    if value is None:
        return None
    spaced = _SPACED_TIME.match(value)
    if spaced:
        day, clock, offset = spaced.groups()
        value = f"{day}T{clock}{'+00:00' if offset == 'UTC' else offset}"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise PayloadError(path, "is not an ISO 8601 time") from error
    if parsed.tzinfo is None:
        raise PayloadError(path, "has no UTC offset")
    # Its own year first: converting year 9999 to UTC can overflow.
    if not date_is_supported(parsed) or not date_is_supported(parsed.astimezone(UTC)):
        raise PayloadError(path, OUT_OF_RANGE_MESSAGE)
    return parsed


def sha_field(payload: dict, path: str) -> str:
    value = field(payload, path).lower()
    if not _SHA.match(value):
        raise PayloadError(path, "is not a 40-character SHA")
    return value
