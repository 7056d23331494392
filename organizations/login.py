"""Login with failed attempts throttled per username and per client address."""

from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpRequest

FAILURE_WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_USERNAME = 10
MAX_FAILURES_PER_ADDRESS = 30


def _keys(request: HttpRequest) -> list[tuple[str, int]]:
    username = request.POST.get("username", "").strip().lower()[:150]
    address = request.META.get("REMOTE_ADDR", "")
    return [
        (f"login-failures:user:{username}", MAX_FAILURES_PER_USERNAME),
        (f"login-failures:addr:{address}", MAX_FAILURES_PER_ADDRESS),
    ]


def login_is_throttled(request: HttpRequest) -> bool:
    return any(cache.get(key, 0) >= limit for key, limit in _keys(request))


def login_failure_record(request: HttpRequest) -> None:
    for key, _ in _keys(request):
        # add() starts the window; incr() keeps its original expiry.
        if not cache.add(key, 1, FAILURE_WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, FAILURE_WINDOW_SECONDS)


class ThrottledLoginView(LoginView):
    def post(self, request, *args, **kwargs):
        if login_is_throttled(request):
            context = self.get_context_data(form=self.get_form(), throttled=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_failure_record(self.request)
        return super().form_invalid(form)
