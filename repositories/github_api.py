"""A small client for GitHub's REST API (github.com or GitHub Enterprise Server): the shared
RestClient (retries, rate limits, pagination) with GitHub's headers and lists."""

import time
from collections.abc import Callable

from django.conf import settings

from repositories.rest_client import ApiError, NotFound, Page, RestClient, TokenRefused

API_VERSION = "2022-11-28"
USER_AGENT = "Shiplog (self-hosted; GitHub history backfill)"

# The errors of every code host's client; GitHub's names are the ones its callers know.
GitHubApiError = ApiError
GitHubTokenRefused = TokenRefused
GitHubNotFound = NotFound
__all__ = ["GitHubApiError", "GitHubClient", "GitHubNotFound", "GitHubTokenRefused", "Page"]


class GitHubClient(RestClient):
    host_name = "GitHub"
    refused_advice = (
        "Check the token (GITHUB_TOKEN, or the one stored on Integrations) and its access to "
        "the repository."
    )

    def __init__(
        self,
        *,
        token: str,
        api_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ):
        super().__init__(
            api_url=api_url or settings.SHIPLOG_GITHUB_API_URL,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": USER_AGENT,
            },
            sleep=sleep,
            clock=clock,
        )

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
