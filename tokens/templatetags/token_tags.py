from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(moment: datetime) -> str:
    """ "just now" under a minute (timesince would say "0 minutes"), else "3 hours ago"."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter
def token_access(token) -> str:
    """The connect modal's access choice a token was issued with: "metrics" or "deployments"."""
    return "metrics" if list(token.scopes) == ["metrics:read"] else "deployments"
