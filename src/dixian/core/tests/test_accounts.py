"""Account administration through the generic edit page (admin only)."""

from django.test import Client

from dixian.core.models import AuditEvent, Organisation, User


def form(**extra):
    org = Organisation.objects.get(name="平陆县水利局")
    data = {
        "username": "shuili01",
        "display_name": "水利局测试员",
        "role": "inspector",
        "org": org.pk,
        "person": "",
        "email": "",
        "is_active": "on",
        "password1": "",
        "password2": "",
    }
    data.update(extra)
    return data


def test_only_administrators_manage_accounts(client_for):
    assert client_for("admin").get("/system/users/").status_code == 200
    for username in ("office", "leader", "inspector", "enterprise"):
        assert client_for(username).get("/system/users/add/").status_code == 404
    # Anyone sees their own account record, nobody else's.
    office = client_for("office")
    listing = office.get("/system/users/").content.decode()
    assert ">office<" in listing and ">inspector<" not in listing


def test_new_account_needs_a_strong_password(client_for):
    admin = client_for("admin")
    response = admin.post("/system/users/add/", form())
    assert response.status_code == 200
    assert not User.objects.filter(username="shuili01").exists()
    response = admin.post("/system/users/add/", form(password1="abcdefgh", password2="abcdefgh"))
    assert response.status_code == 200 and 'data-field="password1"' in response.content.decode()
    response = admin.post(
        "/system/users/add/", form(password1="Shuili-2024x", password2="Shuili-2024x")
    )
    assert response.status_code == 302
    user = User.objects.get(username="shuili01")
    assert user.password.startswith("argon2")
    event = AuditEvent.objects.filter(object_type="core.user", object_id=str(user.pk)).first()
    assert event.action == "user.create" and "password" not in event.after
    c = Client()
    ok = c.post("/accounts/login/", {"username": "shuili01", "password": "Shuili-2024x"})
    assert ok.status_code == 302


def test_api_token_issue_use_rotate_revoke(client_for, users):
    c = client_for("inspector")
    page = c.post("/accounts/token/", {"action": "rotate"}).content.decode()
    import re

    key = re.search(r'data-testid="api-token">([0-9a-f]{40})<', page).group(1)
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/organisations/").status_code == 200
    c.post("/accounts/token/", {"action": "rotate"})
    assert api.get("/api/v1/organisations/").status_code == 401  # old key revoked
    assert AuditEvent.objects.filter(
        action="user.api_token_rotate", actor=users["inspector"]
    ).exists()
    c.post("/accounts/token/", {"action": "revoke"})
    from rest_framework.authtoken.models import Token

    assert not Token.objects.filter(user=users["inspector"]).exists()
    assert 'data-testid="api-token"' not in c.get("/accounts/token/").content.decode()
