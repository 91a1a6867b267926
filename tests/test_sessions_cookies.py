"""Login cookies: remember-me lasts 30 days at most, is SameSite=Lax (and Secure outside
debugging and tests), and dies with a password change or "log out everywhere", even when
copied to another browser; a login answers in about the same time for an unknown e-mail."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from typing import Any

from flask import g

from delegations import create_app
from delegations.auth import set_password
from delegations.db import db
from delegations.models import Role
from tests.conftest import PASSWORD, base_config


def fresh(client: Any) -> Any:
    g.pop("_login_user", None)  # the test's shared app context would remember the last user
    return client


def login(client: Any, email: str, remember: bool = True) -> Any:
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    return fresh(client).post("/login", data=data)


def logged_in(client: Any) -> bool:
    r = fresh(client).get("/")
    return r.status_code != 302 or "/login" not in r.headers.get("Location", "")


def copy_of_remember_cookie(app: Any, client: Any) -> Any:
    thief = app.test_client()
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    thief.set_cookie("remember_token", cookie.value)
    return thief


def test_remember_cookie_attributes(app, client, make_user):
    make_user(Role.COORDINATOR, email="c@example.org")
    r = login(client, "c@example.org")
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert app.config["REMEMBER_COOKIE_DURATION"] <= timedelta(days=30)
    max_age = int(cookie.split("Max-Age=")[1].split(";")[0]) if "Max-Age=" in cookie else None
    assert max_age is None or max_age <= 30 * 86400


def test_cookies_are_secure_by_default_outside_tests(database_template, tmp_path):
    config = base_config(f"sqlite:///{tmp_path / 'x.sqlite'}", tmp_path) | {"TESTING": False}
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    app = create_app(config | {"SESSION_COOKIE_SECURE": False,
                               "REMEMBER_COOKIE_DURATION": 365 * 86400})
    assert app.config["REMEMBER_COOKIE_SECURE"] is False
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)


def test_a_password_change_ends_every_copy_of_the_remember_cookie(app, client, make_user):
    user = make_user(Role.COORDINATOR, email="c@example.org")
    db.session.commit()
    assert login(client, "c@example.org").status_code == 302
    thief = copy_of_remember_cookie(app, client)
    assert logged_in(thief)  # the copied cookie works on its own ...
    set_password(user, "a new long password")
    db.session.commit()
    assert not logged_in(thief)  # ... until the password changes
    assert not logged_in(client)  # the session that was open ends too
    assert login(client, "c@example.org").status_code == 401  # old password gone


def test_log_out_everywhere(app, client, make_user):
    make_user(Role.COORDINATOR, email="c@example.org")
    db.session.commit()
    login(client, "c@example.org")
    thief = copy_of_remember_cookie(app, client)
    assert logged_in(thief)
    r = fresh(client).post("/logout/everywhere")
    assert r.status_code == 302
    assert not logged_in(thief) and not logged_in(client)
    assert login(client, "c@example.org").status_code == 302  # the password still works


def test_login_takes_as_long_for_an_unknown_account(client, make_user):
    make_user(Role.COORDINATOR, email="known@example.org")
    db.session.commit()

    def median_time(email: str) -> float:
        times = []
        for _ in range(3):  # under the throttle, which would answer 429 without a hash
            t = time.perf_counter()
            r = fresh(client).post("/login", data={"email": email, "password": "wrong password"})
            times.append(time.perf_counter() - t)
            assert r.status_code == 401
        return statistics.median(times)

    known, unknown = median_time("known@example.org"), median_time("nobody@example.org")
    # both pay for one password hash; before, the unknown one answered 10x faster
    assert unknown > known * 0.5, (known, unknown)
