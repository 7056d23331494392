import threading

import pytest
from django.db import connection

from tokens.models import ApiTokenRequestCount
from tokens.services import token_generate, token_request_count_increment


def test_it_counts_requests_per_period_and_clears_older_periods(organization):
    token, _ = token_generate(organization=organization)
    assert [token_request_count_increment(token=token, period=100) for _ in range(3)] == [1, 2, 3]
    assert token_request_count_increment(token=token, period=101) == 1
    assert list(ApiTokenRequestCount.objects.values_list("period", "count")) == [(101, 1)]


def test_tokens_are_counted_separately(organization):
    first, _ = token_generate(organization=organization)
    second, _ = token_generate(organization=organization, name="Other")
    token_request_count_increment(token=first, period=7)
    assert token_request_count_increment(token=second, period=7) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_counted_exactly(organization):
    token, _ = token_generate(organization=organization)
    barrier = threading.Barrier(12)
    seen = []

    def hit():
        try:
            barrier.wait()
            seen.append(token_request_count_increment(token=token, period=5))
        finally:
            connection.close()

    threads = [threading.Thread(target=hit) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Every request got its own number: no lost update, no duplicate count.
    assert sorted(seen) == list(range(1, 13))
