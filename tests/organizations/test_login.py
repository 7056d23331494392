import pytest
from django.core.cache import cache
from django.urls import reverse

from organizations.login import MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_USERNAME
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def attempt(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_a_correct_login_redirects_to_the_dashboard(client, db):
    make_user("erin", password="right-password-1")
    response = attempt(client, "erin", "right-password-1")
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_it_throttles_a_username_after_repeated_failures_from_one_address(client, db):
    make_user("erin", password="right-password-1")
    for _ in range(MAX_FAILURES_PER_USERNAME):
        assert attempt(client, "erin", "wrong").status_code == 200
    # Even the right password is refused while the username is throttled there.
    response = attempt(client, "ERIN", "right-password-1")
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_a_fullwidth_spelling_shares_the_usernames_counter(client, db):
    make_user("alice", password="right-password-1")
    for _ in range(MAX_FAILURES_PER_USERNAME):
        attempt(client, "alice", "wrong")
    # Django logs ａｌｉｃｅ in as alice (NFKC): it gets no fresh attempts.
    assert attempt(client, "ａｌｉｃｅ", "wrong").status_code == 429
    assert attempt(client, "ＡＬＩＣＥ", "right-password-1").status_code == 429


def test_failures_from_elsewhere_do_not_lock_the_user_out(client, db):
    make_user("alice", password="right-password-1")
    for _ in range(MAX_FAILURES_PER_USERNAME + 5):
        attempt(client, "alice", "wrong", address="203.0.113.7")
    assert attempt(client, "alice", "wrong", address="203.0.113.7").status_code == 429
    response = attempt(client, "alice", "right-password-1", address="10.0.0.1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_it_throttles_an_address_guessing_many_usernames(client, db):
    for index in range(MAX_FAILURES_PER_ADDRESS):
        attempt(client, f"user{index}", "wrong", address="10.9.9.9")
    make_user("frank", password="right-password-2")
    assert attempt(client, "frank", "right-password-2", address="10.9.9.9").status_code == 429
    assert attempt(client, "frank", "right-password-2", address="10.1.1.1").status_code == 302


def make_staff(username, password):
    user = make_user(username, password=password)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_the_admin_login_page_does_not_log_anyone_in(client, db):
    make_staff("root", "right-password-1")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": "right-password-1"}
    )
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/admin/"
    assert "_auth_user_id" not in client.session


def test_the_admin_login_page_sends_to_the_throttled_login(client, db):
    response = client.get("/admin/login/")
    assert (response.status_code, response.url) == (302, "/accounts/login/?next=/admin/")


def test_staff_reach_the_admin_through_the_throttled_login(client, db):
    make_staff("root", "right-password-1")
    page = client.get("/admin/", follow=True)
    assert page.redirect_chain[-1][0] == "/accounts/login/?next=/admin/"
    response = client.post(
        "/accounts/login/?next=/admin/",
        {"username": "root", "password": "right-password-1", "next": "/admin/"},
    )
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
