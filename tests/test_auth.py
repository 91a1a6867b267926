"""Login, logout, throttling, CSRF and the 403/404 pages."""

from __future__ import annotations

from delegations.models import Role
from tests.conftest import PASSWORD


def test_login_page_and_wrong_password(client, make_user):
    make_user(Role.COORDINATOR, email="coord@example.org")
    assert b"Log in" in client.get("/login").data
    r = client.post("/login", data={"email": "coord@example.org", "password": "wrong password"})
    assert r.status_code == 401
    assert b"Wrong e-mail or password." in r.data
    # what was typed stays in the form (the e-mail, not the password)
    assert b'value="coord@example.org"' in r.data


def test_login_then_logout(client, auth, make_user, make_forum):
    make_forum()
    make_user(Role.COORDINATOR, email="coord@example.org")
    r = auth.login("coord@example.org")
    assert r.status_code == 302
    assert client.get("/").status_code in (200, 302)
    auth.logout()
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_throttling_after_repeated_failures(client, app, make_user):
    make_user(Role.COORDINATOR, email="coord@example.org")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/login", data={"email": "coord@example.org",
                                           "password": "nope nope"}).status_code == 401
    # even the right password is refused while throttled
    r = client.post("/login", data={"email": "coord@example.org", "password": PASSWORD})
    assert r.status_code == 429
    assert b"Too many failed attempts" in r.data


def test_open_redirect_is_refused(client, make_user, make_forum):
    make_forum()
    make_user(Role.COORDINATOR, email="coord@example.org")
    r = client.post("/login?next=https://evil.example/", data={
        "email": "coord@example.org", "password": PASSWORD})
    assert r.status_code == 302
    assert "evil.example" not in r.headers["Location"]


def test_csrf_is_enforced_on_post(app, make_user):
    make_user(Role.COORDINATOR, email="coord@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    r = client.post("/login", data={"email": "coord@example.org", "password": PASSWORD})
    assert r.status_code == 400
    assert b"The form expired" in r.data


def test_404_page_in_layout(client, auth, make_user):
    make_user(Role.COORDINATOR, email="coord@example.org")
    auth.login("coord@example.org")
    r = client.get("/NOPE/delegations/")
    assert r.status_code == 404
    assert b"There is nothing at this address." in r.data


def test_focal_point_gets_403_on_another_delegation(client, auth, make_user, make_delegation):
    own = make_delegation(name="Freetown")
    other = make_delegation(forum=own.forum, name="Milan")
    make_user(Role.FOCAL_POINT, email="fp@example.org", delegation=own)
    auth.login("fp@example.org")
    f = own.forum.short_name
    assert client.get(f"/{f}/delegations/{own.id}").status_code == 200
    r = client.get(f"/{f}/delegations/{other.id}")
    assert r.status_code == 403
    assert b"You do not have access to this page." in r.data
