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
    forum = make_forum()
    make_user(Role.COORDINATOR, email="coord@example.org")
    r = auth.login("coord@example.org")
    assert r.status_code == 302
    r = client.get("/")  # the only forum: straight to its first page
    assert r.status_code == 302 and r.headers["Location"] == f"/{forum.short_name}/"
    auth.logout()
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def _post_login(client, email, password, address):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_throttling_after_repeated_failures(client, app, make_user):
    make_user(Role.COORDINATOR, email="coord@example.org")
    stranger = "203.0.113.9"
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _post_login(client, "coord@example.org", "nope nope", stranger).status_code == 401
    # even the right password is refused from that address while throttled, with the reason
    r = _post_login(client, "coord@example.org", PASSWORD, stranger)
    assert r.status_code == 429
    assert b"Too many failed attempts for this account from your address" in r.data
    assert b'value="coord@example.org"' in r.data
    # ...but the stranger has not locked the real user out: from their own address they log in
    r = _post_login(app.test_client(), "coord@example.org", PASSWORD, "198.51.100.7")
    assert r.status_code == 302


def test_one_address_trying_many_accounts_is_throttled(client, app, make_user):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 8
    make_user(Role.COORDINATOR, email="coord@example.org")
    stranger = "203.0.113.10"
    for n in range(8):
        r = _post_login(client, f"guess{n}@example.org", "nope nope", stranger)
        assert r.status_code == 401
    r = _post_login(client, "another@example.org", "nope nope", stranger)
    assert r.status_code == 429
    assert b"Too many failed attempts from your address" in r.data
    # successful logins do not count against anyone
    for _ in range(3):
        c = app.test_client()
        assert _post_login(c, "coord@example.org", PASSWORD, "198.51.100.8").status_code == 302


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
