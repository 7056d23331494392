"""A small client for a code host's REST API: GET requests with retries, rate limits and
pagination, shared by GitHub's (repositories.github_api) and GitLab's (repositories.gitlab_api).

requests does the HTTP; urllib3's `Retry` retries connection failures and 5xx answers with
exponential back-off. Rate limits need the host's headers read, so they are handled here: a
spent budget (`X-RateLimit-Remaining: 0` on GitHub, `RateLimit-Remaining: 0` on GitLab)
waits until its reset time, a 429 (or GitHub's 403 secondary limit) waits as `Retry-After`
asks. Every wait goes through the injected `sleep`, so tests never wait.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

# urllib3's exponential back-off between 5xx retries: 0, 2, 4, 8 s... (tests set 0).
BACKOFF_FACTOR = 1.0
SERVER_ERROR_TRIES = 4
SERVER_ERRORS_RETRIED = (500, 502, 503, 504)
RATE_LIMIT_TRIES = 6
# GitHub: "wait for at least one minute" when a secondary limit names no time.
SECONDARY_LIMIT_WAIT = 60
TIMEOUT_SECONDS = 30


class ApiError(Exception):
    """The code host could not give us what we asked for; the message says why, for a person."""


class TokenRefused(ApiError):
    pass


class NotFound(ApiError):
    pass


@dataclass(frozen=True)
class Page:
    """One page of a list. `items` is None when the host answered 304 Not Modified."""

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


class RestClient:
    """GET requests to one API root with one token; counts the requests it sent. A host's
    client names itself, its rate-limit headers and how it sends the token."""

    host_name = "the code host"
    remaining_header = "X-RateLimit-Remaining"
    reset_header = "X-RateLimit-Reset"
    refused_advice = "Check the token and its access to the repository."

    def __init__(
        self,
        *,
        api_url: str,
        headers: dict[str, str],
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ):
        self.api_url = api_url.rstrip("/")
        self.sleep, self.clock = sleep, clock
        self.requests_sent = 0
        self._exhausted_until: float | None = None
        self.session = requests.Session()
        self.session.mount(self.api_url, HTTPAdapter(max_retries=_retry()))
        self.session.headers.update(headers)

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
        raise ApiError(
            f"GET {url}: still rate limited after {RATE_LIMIT_TRIES} tries ({_message(response)})"
        )

    def _send(self, url: str, headers: dict) -> requests.Response:
        try:
            response = self.session.get(url, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            where = f"{self.host_name} at {self.api_url}"
            raise ApiError(f"could not reach {where}: {error}") from error
        retries = getattr(response.raw, "retries", None)
        self.requests_sent += 1 + len(retries.history if retries else ())
        if response.headers.get(self.remaining_header) == "0":
            self._exhausted_until = self._reset_at(response)
        return response

    def _reset_at(self, response: requests.Response) -> float:
        reset = response.headers.get(self.reset_header, "")
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
        if response.headers.get(self.remaining_header) == "0":
            # _wait_for_reset waits before the next try.
            return 0.0
        if response.status_code == 429 or "rate limit" in _message(response).lower():
            return float(SECONDARY_LIMIT_WAIT * 2**attempt)
        return None

    def _checked(self, url: str, response: requests.Response) -> requests.Response:
        status = response.status_code
        if status == 401:
            raise TokenRefused(
                f"the token was refused: {_message(response) or 'Bad credentials'} "
                f"(GET {url}). {self.refused_advice}"
            )
        if status == 404:
            raise NotFound(f"GET {url} answered 404: {_message(response)}")
        if status in SERVER_ERRORS_RETRIED:
            raise ApiError(
                f"GET {url} answered {status} {SERVER_ERROR_TRIES} times: {_message(response)}"
            )
        if status >= 400:
            raise ApiError(f"GET {url} answered {status}: {_message(response)}")
        return response
