"""Login with failed attempts throttled per (username, client address) and per address."""

import hashlib

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from organizations.throttling import request_budget_spend

FAILURE_WINDOW_SECONDS = 15 * 60
# Failures of one username from one address: guessing elsewhere cannot lock its owner out.
MAX_FAILURES_PER_USERNAME = 10
MAX_FAILURES_PER_ADDRESS = 30


def login_username_key(username: str) -> str:
    """The username as authentication sees it: NFKC-normalised like Django's username field
    (so `ａｌｉｃｅ` is alice), and case-folded so that spellings share one counter."""
    return AbstractBaseUser.normalize_username(username.strip()).lower()[:150]


def _keys(request: HttpRequest) -> list[tuple[str, int]]:
    username = login_username_key(request.POST.get("username", ""))
    address = request.META.get("REMOTE_ADDR", "")
    # Hashed: a username may hold characters a cache key should not.
    pair = hashlib.sha256(f"{username}\0{address}".encode()).hexdigest()
    return [
        (f"login-failures:user-at-addr:{pair}", MAX_FAILURES_PER_USERNAME),
        (f"login-failures:addr:{address}", MAX_FAILURES_PER_ADDRESS),
    ]


def login_is_throttled(request: HttpRequest) -> bool:
    return any(cache.get(key, 0) >= limit for key, limit in _keys(request))


def login_failure_record(request: HttpRequest) -> None:
    for key, _ in _keys(request):
        request_budget_spend(key=key, window_seconds=FAILURE_WINDOW_SECONDS)


class ThrottledLoginView(LoginView):
    def post(self, request, *args, **kwargs):
        if login_is_throttled(request):
            context = self.get_context_data(form=self.get_form(), throttled=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_failure_record(self.request)
        return super().form_invalid(form)


def admin_login(request: HttpRequest) -> HttpResponseRedirect:
    """The admin's own login page, which nothing throttles, sends staff to the throttled one."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect_to_login(next_url, login_url=reverse("login"))
