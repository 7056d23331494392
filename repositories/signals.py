from django.dispatch import Signal

# Sent (after the transaction commits) when commits or pull-request data were written, with
# `organization` and `shas`. The repositories app may not import deployments, so the
# deployments app listens here to link pending deployments in either arrival order.
commit_data_changed = Signal()
