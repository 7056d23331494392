"""What deployments announces to the apps above it (which it may not import)."""

from django.dispatch import Signal

# Sent by deployments_delete inside its transaction, with `organization_ids`: incidents
# attributed to a deleted deployment are attributed again.
deployments_deleted = Signal()
