from django.contrib.auth import get_user_model

from tokens.services import token_generate, token_regenerate


def test_the_admin_lists_every_token_event_with_its_actor(client, organization, admin):
    superuser = get_user_model().objects.create_superuser("root", password="x-long-password")
    client.force_login(superuser)
    token, _ = token_generate(organization=organization, created_by=admin)
    new, _ = token_regenerate(token=token, regenerated_by=admin)
    html = client.get("/admin/tokens/tokenevent/").content.decode()
    for action in ["Generated", "Revoked", "Regenerated"]:
        assert action in html
    assert token.display_prefix in html
    assert new.display_prefix in html
    assert "alice" in html


def test_the_admin_never_shows_the_hash_and_cannot_add_tokens(client, organization):
    superuser = get_user_model().objects.create_superuser("root", password="x-long-password")
    client.force_login(superuser)
    token, _ = token_generate(organization=organization)
    page = client.get(f"/admin/tokens/apitoken/{token.pk}/change/")
    assert page.status_code == 200
    assert token.token_hash not in page.content.decode()
    assert client.get("/admin/tokens/apitoken/add/").status_code == 403
