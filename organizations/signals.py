from django.dispatch import Signal

# Sent with `contributor_ids` when contributors changed in a way Django's model signals do
# not report (a queryset update, commits moved by a merge). Organizations may not import the
# apps above it; deployments listens, to re-derive attribution.
contributors_changed = Signal()

# Sent with `organization` after its counted environments changed
# (organization_counting_update). Deployments listens: the deploy moments follow the setting.
counted_environments_changed = Signal()
