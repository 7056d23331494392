"""What every background job (procrastinate task) of the project shares."""

import functools

from django.db import connections


def closing_connections(job):
    """The worker runs a synchronous job on a thread of its pool: the job closes the Django
    connections it opened there, or each thread would keep one open while idle."""

    @functools.wraps(job)
    def run(*args, **kwargs):
        try:
            return job(*args, **kwargs)
        finally:
            connections.close_all()

    return run
