"""Parameters are bound on the server: secrets never appear in the statement text that
pg_stat_activity and statement logging show."""

import psycopg
from django.db import connection
from django.db.models.expressions import RawSQL

from repositories.models import GitHubWebhook
from repositories.webhook_secrets import github_webhook_connect
from tokens.models import ApiToken


def _statement_text(queryset) -> str:
    """The text of the statement as the server received it (what pg_stat_activity shows)."""
    annotated = queryset.annotate(statement=RawSQL("current_query()", ()))
    (statement,) = annotated.values_list("statement", flat=True)
    return statement


def test_the_connection_does_not_interpolate_parameters(db):
    with connection.cursor() as cursor:
        assert not isinstance(cursor.cursor, psycopg.ClientCursor)


def test_a_token_lookup_sends_no_token_hash_in_its_statement(api_token):
    token, _ = api_token
    statement = _statement_text(ApiToken.objects.filter(token_hash=token.token_hash))
    assert token.token_hash not in statement
    assert "$1" in statement


def test_a_webhook_lookup_sends_no_path_token_in_its_statement(organization):
    webhook, _ = github_webhook_connect(organization=organization)
    statement = _statement_text(GitHubWebhook.objects.filter(path_token=webhook.path_token))
    assert webhook.path_token not in statement
