"""The organization's link lock."""

from django.db import connection

# pg_advisory_xact_lock key space for "linking deployments of organization N" (the
# recording function takes it too: deployments/sql/05_recording.sql).
LINK_LOCK_CLASS = 7242


def link_lock(*, organization_id: int, shared: bool) -> None:
    """Orders linking against recording within the transaction: recordings share it and
    run side by side; relinking and a change of what counts take it alone, so they see
    every deployment being recorded meanwhile. Transaction-level, so a pooler in
    transaction mode keeps no session state."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [LINK_LOCK_CLASS, organization_id])
