import pytest

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
