"""config.lookups: `__any_of`, a list of ids as one array parameter."""

from repositories.models import Repository
from tests.factories import make_repository


def test_any_of_matches_what_in_matches_with_one_array_parameter(organization):
    web, api, _docs = (
        make_repository(organization, f"acme/{name}") for name in ("web", "api", "docs")
    )
    chosen = Repository.objects.filter(pk__any_of={web.pk, api.pk})

    assert sorted(chosen.values_list("pk", flat=True)) == sorted([web.pk, api.pk])
    sql, params = chosen.query.sql_with_params()
    assert "= ANY(%s::bigint[])" in sql
    assert len(params) == 1 and sorted(params[0].strip("{}").split(",")) == sorted(
        [str(web.pk), str(api.pk)]
    )


def test_any_of_an_empty_list_matches_nothing(organization):
    make_repository(organization, "acme/web")

    assert not Repository.objects.filter(pk__any_of=set()).exists()


def test_any_of_on_a_foreign_key_compares_its_column(organization):
    web = make_repository(organization, "acme/web")

    assert list(Repository.objects.filter(organization__any_of={organization.pk})) == [web]
