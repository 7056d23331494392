"""A small client for GitHub's REST API (github.com or GitHub Enterprise Server).

requests does the HTTP; urllib3's `Retry` retries connection failures and 5xx answers with
exponential back-off. GitHub's own rate limits need its headers read, so they are handled
here: a primary limit (`X-RateLimit-Remaining: 0`) waits until `X-RateLimit-Reset`, a
secondary limit (403/429 with `Retry-After`, or GitHub's message) waits as GitHub asks.
Every wait goes through the injected `sleep`, so tests never wait.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

API_VERSION = "2022-11-28"
USER_AGENT = "Shiplog (self-hosted; GitHub history backfill)"
# urllib3's exponential back-off between 5xx retries: 0, 2, 4, 8 s... (tests set 0).
BACKOFF_FACTOR = 1.0
SERVER_ERROR_TRIES = 4
SERVER_ERRORS_RETRIED = (500, 502, 503, 504)
RATE_LIMIT_TRIES = 6
# GitHub: "wait for at least one minute" when a secondary limit names no time.
SECONDARY_LIMIT_WAIT = 60
TIMEOUT_SECONDS = 30


class GitHubApiError(Exception):
    """GitHub could not give us what we asked for; the message says why, for a person."""


class GitHubTokenRefused(GitHubApiError):
    pass


class GitHubNotFound(GitHubApiError):
    pass


@dataclass(frozen=True)
class Page:
    """One page of a list. `items` is None when GitHub answered 304 Not Modified."""

    items: list | None
    etag: str
    next_url: str
    last_page: int | None

    @property
    def not_modified(self) -> bool:
        return self.items is None


def _retry() -> Retry:
    return Retry(
        total=SERVER_ERROR_TRIES - 1,
        status_forcelist=SERVER_ERRORS_RETRIED,
        allowed_methods={"GET"},
        backoff_factor=BACKOFF_FACTOR,
        # Retry-After is GitHub's rate-limit signal, handled below with the injected sleep.
        respect_retry_after_header=False,
        raise_on_status=False,
    )


def _message(response: requests.Response) -> str:
    try:
        return str(response.json().get("message", ""))[:300]
    except (ValueError, AttributeError):
        return response.text[:300]


def _page_number(url: str) -> int | None:
    values = parse_qs(urlsplit(url).query).get("page")
    return int(values[0]) if values and values[0].isdigit() else None


class GitHubClient:
    """GET requests to one API root with one token; counts the requests it sent."""

    def __init__(
        self,
        *,
        token: str,
        api_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ):
        self.api_url = (api_url or settings.SHIPLOG_GITHUB_API_URL).rstrip("/")
        self.sleep, self.clock = sleep, clock
        self.requests_sent = 0
        self._exhausted_until: float | None = None
        self.session = requests.Session()
        self.session.mount(self.api_url, HTTPAdapter(max_retries=_retry()))
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": USER_AGENT,
            }
        )

    def url(self, path: str, **params) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.api_url}{path}{query}"

    def page(self, url: str, *, etag: str = "") -> Page:
        response = self._get(url, etag=etag)
        links = response.links
        last = links.get("last", {}).get("url", "")
        return Page(
            items=None if response.status_code == 304 else response.json(),
            etag=response.headers.get("ETag", etag),
            next_url=links.get("next", {}).get("url", ""),
            last_page=_page_number(last) if last else None,
        )

    def pages(self, url: str) -> Iterator[list]:
        """Every page of a list, following `Link: rel="next"`."""
        while url:
            page = self.page(url)
            yield page.items
            url = page.next_url

    def all(self, url: str) -> list:
        return [item for items in self.pages(url) for item in items]

    def get(self, url: str) -> dict:
        return self._get(url).json()

    def user_login(self) -> str:
        """The account the token acts as (GET /user): checks that GitHub accepts it."""
        return str(self.get(self.url("/user")).get("login", ""))

    def repositories_visible(self, *, limit: int) -> tuple[list[dict], bool]:
        """Up to `limit` repositories the token can read (GET /user/repos, by name), and
        whether there were more."""
        found: list[dict] = []
        for items in self.pages(self.url("/user/repos", per_page=100, sort="full_name")):
            found.extend(items)
            if len(found) > limit:
                return found[:limit], True
        return found, False

    def _get(self, url: str, *, etag: str = "") -> requests.Response:
        headers = {"If-None-Match": etag} if etag else {}
        for attempt in range(RATE_LIMIT_TRIES):
            self._wait_for_reset()
            response = self._send(url, headers)
            wait = self._rate_limit_wait(response, attempt)
            if wait is None:
                return self._checked(url, response)
            if wait:
                self.sleep(wait)
        raise GitHubApiError(
            f"GET {url}: still rate limited after {RATE_LIMIT_TRIES} tries ({_message(response)})"
        )

    def _send(self, url: str, headers: dict) -> requests.Response:
        try:
            response = self.session.get(url, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            raise GitHubApiError(f"could not reach GitHub at {self.api_url}: {error}") from error
        retries = getattr(response.raw, "retries", None)
        self.requests_sent += 1 + len(retries.history if retries else ())
        if response.headers.get("X-RateLimit-Remaining") == "0":
            self._exhausted_until = self._reset_at(response)
        return response

    def _reset_at(self, response: requests.Response) -> float:
        reset = response.headers.get("X-RateLimit-Reset", "")
        return float(reset) if reset.isdigit() else self.clock() + SECONDARY_LIMIT_WAIT

    def _wait_for_reset(self) -> None:
        # The last answer used up the hour's budget: asking again before the reset is refused.
        if self._exhausted_until is not None:
            wait = self._exhausted_until - self.clock()
            self._exhausted_until = None
            if wait > 0:
                self.sleep(wait + 1)

    def _rate_limit_wait(self, response: requests.Response, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None when this is not a rate limit."""
        if response.status_code not in (403, 429):
            return None
        retry_after = response.headers.get("Retry-After", "")
        if retry_after.isdigit():
            return float(retry_after)
        if response.headers.get("X-RateLimit-Remaining") == "0":
            # _wait_for_reset waits before the next try.
            return 0.0
        if response.status_code == 429 or "rate limit" in _message(response).lower():
            return float(SECONDARY_LIMIT_WAIT * 2**attempt)
        return None

    def _checked(self, url: str, response: requests.Response) -> requests.Response:
        status = response.status_code
        if status == 401:
            raise GitHubTokenRefused(
                f"the token was refused: {_message(response) or 'Bad credentials'} "
                f"(GET {url}). Check the token (GITHUB_TOKEN, or the one stored on Integrations) "
                "and its access to the repository."
            )
        if status == 404:
            raise GitHubNotFound(f"GET {url} answered 404: {_message(response)}")
        if status in SERVER_ERRORS_RETRIED:
            raise GitHubApiError(
                f"GET {url} answered {status} {SERVER_ERROR_TRIES} times: {_message(response)}"
            )
        if status >= 400:
            raise GitHubApiError(f"GET {url} answered {status}: {_message(response)}")
        return response
