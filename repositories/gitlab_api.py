"""A small client for GitLab's REST API v4 (gitlab.com or self-managed): the shared RestClient
(retries, rate limits, Link pagination) with GitLab's token header and rate-limit headers."""

import time
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings

from repositories.rest_client import RestClient

USER_AGENT = "Shiplog (self-hosted; GitLab history backfill)"


def project_id(full_name: str) -> str:
    """A project's path as GitLab's API takes it in place of its id: URL-encoded, "/" too."""
    return quote(full_name, safe="")


class GitLabClient(RestClient):
    host_name = "GitLab"
    # GitLab's names; a 429 carries Retry-After (handled by RestClient).
    remaining_header = "RateLimit-Remaining"
    reset_header = "RateLimit-Reset"
    refused_advice = (
        "Check the token (GITLAB_TOKEN, or the one stored on Integrations): a personal, group "
        "or project access token with read_api."
    )

    def __init__(
        self,
        *,
        token: str,
        web_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ):
        self.web_url = (web_url or settings.SHIPLOG_GITLAB_URL).rstrip("/")
        super().__init__(
            api_url=f"{self.web_url}/api/v4",
            headers={"PRIVATE-TOKEN": token, "User-Agent": USER_AGENT},
            sleep=sleep,
            clock=clock,
        )

    def project_url(self, full_name: str, path: str = "", **params) -> str:
        return self.url(f"/projects/{project_id(full_name)}{path}", **params)

    def username(self) -> str:
        """The account the token acts as (GET /user): checks that GitLab accepts it."""
        return str(self.get(self.url("/user")).get("username", ""))
