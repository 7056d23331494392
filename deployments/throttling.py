import math

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class ApiTokenRateThrottle(SimpleRateThrottle):
    """A fixed-window request count per API token (rate: SHIPLOG_API_THROTTLE_RATE).

    Counted in the default cache, the database, so every worker shares it. A count is a
    read-then-write: under a burst a few requests may slip past the limit, never fewer.
    """

    scope = "api_token"

    def get_rate(self) -> str:
        # Read per request (not at import) so the setting can change in tests.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view) -> str | None:
        if request.auth is None:
            return None
        self.now = self.timer()
        self.window = int(self.now // self.duration)
        return f"throttle_{self.scope}_{request.auth.pk}_{self.window}"

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        count = self.cache.get(self.key, 0)
        if count >= self.num_requests:
            return False
        self.cache.set(self.key, count + 1, self.duration + 1)
        return True

    def wait(self) -> float:
        return math.ceil((self.window + 1) * self.duration - self.now)
