"""The per-token request budget of the API views that authenticate with an API token."""

import math

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from tokens.services import token_request_count_increment


class ApiTokenRateThrottle(SimpleRateThrottle):
    """A fixed-window request count per API token (rate: SHIPLOG_API_THROTTLE_RATE).

    Counted with one atomic upsert in the database, so every worker shares an exact count.
    """

    scope = "api_token"

    def get_rate(self) -> str:
        # Read per request (not at import) so the setting can change in tests.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view) -> bool:
        if self.rate is None or request.auth is None:
            return True
        self.now = self.timer()
        self.period = int(self.now // self.duration)
        count = token_request_count_increment(token=request.auth, period=self.period)
        return count <= self.num_requests

    def wait(self) -> float:
        return math.ceil((self.period + 1) * self.duration - self.now)
