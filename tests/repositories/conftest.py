import pytest

from repositories.gitlab_connection import gitlab_webhook_connect
from repositories.signals import commit_data_changed


@pytest.fixture
def sent_signals():
    """Every commit_data_changed sent while the test runs (after its transaction commits)."""
    sent = []
    commit_data_changed.connect(
        lambda **kwargs: sent.append(kwargs), weak=False, dispatch_uid="tests-sent-signals"
    )
    yield sent
    commit_data_changed.disconnect(dispatch_uid="tests-sent-signals")


@pytest.fixture
def gitlab_webhook(organization):
    webhook, _ = gitlab_webhook_connect(organization=organization)
    return webhook
