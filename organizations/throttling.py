"""A cache-backed request budget for sensitive management views (tokens, webhook secrets).

Counted per user and per client address in the shared cache (the database), so every worker
sees the same numbers. Every request counts, not only failures: generating secrets in a loop
is the abuse this stops.
"""

from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

MANAGEMENT_WINDOW_SECONDS = 15 * 60
MAX_MANAGEMENT_REQUESTS_PER_USER = 20
MAX_MANAGEMENT_REQUESTS_PER_ADDRESS = 60


def request_budget_spend(*, key: str, window_seconds: int) -> int:
    """Counts one request against key and returns the count in the current window."""
    # add() starts the window; incr() keeps its original expiry.
    if cache.add(key, 1, window_seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        # The key expired between add() and incr(): this request opens a new window.
        cache.set(key, 1, window_seconds)
        return 1


def _management_keys(request: HttpRequest, scope: str) -> list[tuple[str, int]]:
    return [
        (f"throttle:{scope}:user:{request.user.pk}", MAX_MANAGEMENT_REQUESTS_PER_USER),
        (
            f"throttle:{scope}:addr:{request.META.get('REMOTE_ADDR', '')}",
            MAX_MANAGEMENT_REQUESTS_PER_ADDRESS,
        ),
    ]


def management_throttled(scope: str):
    """Decorates a view (inside the login/admin checks) with a 429 after too many requests."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            counts = [
                (request_budget_spend(key=key, window_seconds=MANAGEMENT_WINDOW_SECONDS), limit)
                for key, limit in _management_keys(request, scope)
            ]
            if any(count > limit for count, limit in counts):
                return HttpResponse(
                    "Too many requests. Wait a few minutes and try again.",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                    headers={"Retry-After": str(MANAGEMENT_WINDOW_SECONDS)},
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
