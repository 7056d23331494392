"""The admin never filters on a secret.

Whether `?secret__startswith=28` answers a row or none tells a staff user the next character
of another organization's webhook secret: a few hundred requests recover all of it. Every
ModelAdmin of the project derives from `ModelAdmin` here (Django's user admin is registered
again with the same guard), so a lookup that reaches a secret field, directly or through a
relation, is refused with Django's 400 (DisallowedModelAdminLookup).
"""

import re

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP

# A word of the field's name that marks a secret, a digest of one, or a capability.
_SECRET_WORD = re.compile(
    r"(?:^|_)(?:secret|token|hash|password|passphrase|key|salt|signature|credential)s?(?:_|$)"
)
# Named like secrets, but a lookup on them reveals nothing a member cannot already see.
_PUBLIC_FIELDS = {
    # SHA-256 of the deployment's commit SHAs.
    "deployments.deployment.dedupe_key",
}


def field_is_secret(field) -> bool:
    """A stored string (not a relation, not a timestamp) whose name says secret, token, hash,
    password, key..."""
    if field.is_relation or not isinstance(
        field, (models.CharField, models.TextField, models.BinaryField)
    ):
        return False
    label = f"{field.model._meta.label_lower}.{field.name}"
    return bool(_SECRET_WORD.search(field.name)) and label not in _PUBLIC_FIELDS


def lookup_reaches_secret(model: type[models.Model], lookup: str) -> bool:
    """Whether a filter such as `token__token_hash__startswith`, read from `model`, compares
    a secret field."""
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:  # a transform, a lookup (startswith) or no field at all
            return False
        if field_is_secret(field):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


class SecretLookupsRefused:
    """Mixin for any ModelAdmin: lookups that reach a secret field are not allowed."""

    def lookup_allowed(self, lookup, value, request=None):
        if lookup_reaches_secret(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)


class ModelAdmin(SecretLookupsRefused, admin.ModelAdmin):
    """The project's ModelAdmin."""
