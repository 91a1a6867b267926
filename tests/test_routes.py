"""Walk every route of the app for every role, on the demo forum.

Anonymous users are sent to the login page unless a view is public; a view tagged with
roles (``@manager_required``, ``@roles_required``) answers 403 to every other role; no
route ever answers 500. URL arguments are filled by name from the demo forum.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from delegations.db import db
from delegations.headers import SECRET_LINK_BLUEPRINTS
from delegations.models import Delegate, Delegation, Role
from schedule.models import Room, Session, Venue
from tests.conftest import PASSWORD

ROLES = ["anonymous", "admin", "coordinator", "focal_point", "delegate", "desk"]
LOGINS = {
    "coordinator": "coordinator@demo.forumdesk.example",
    "focal_point": "focal.freetown@demo.forumdesk.example",
    "delegate": "delegate@demo.forumdesk.example",
    "admin": "admin@demo.forumdesk.example",
    "desk": "desk@demo.forumdesk.example",
}
#: The badge desk may open these and nothing else (least privilege, deny by default).
DESK_ENDPOINTS = {"badges.desk_home", "badges.desk", "badges.desk_post", "badges.desk_photo",
                  "auth.logout"}


def url_arguments(forum: Any) -> dict[str, Any]:
    freetown = db.session.scalar(sa.select(Delegation).where(
        Delegation.forum_id == forum.id, Delegation.name == "Freetown"))
    mayor = db.session.scalar(sa.select(Delegate).where(
        Delegate.email == "yvonne.aki-sawyerr@demo.forumdesk.example"))
    rt1 = db.session.scalar(sa.select(Session).where(Session.title == "Roundtable 1"))
    room = db.session.get(Room, rt1.room_id)
    return {
        "forum": forum.short_name,
        "delegation_id": freetown.id,
        "delegate_id": mayor.id,
        "session_id": rt1.id,
        "venue_id": db.session.get(Venue, room.venue_id).id,
        "room_id": room.id,
        "day": "2022-05-17",
        "token": "not-a-real-token",
        "filename": "app.css",
        "job_id": 1,
        "batch_id": 1,
        "invitation_id": 1,
        "user_id": 1,
        "message_id": 1,
        "edition_id": 999999,
    }


def routes(app: Any) -> list[tuple[str, str, frozenset[str]]]:
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, frozenset(rule.arguments)))
    return out


def header_problems(r: Any, endpoint: str) -> list[str]:
    """The security headers every response carries (see delegations/headers.py)."""
    h, out = r.headers, []
    csp = h.get("Content-Security-Policy", "")
    for part in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"):
        if part not in csp:
            out.append(f"CSP lacks {part}")
    if "unsafe-inline" in csp.split("script-src")[1].split(";")[0]:
        out.append("CSP allows inline script")
    if h.get("X-Content-Type-Options") != "nosniff":
        out.append("no nosniff")
    secret = endpoint.split(".")[0] in SECRET_LINK_BLUEPRINTS  # show or are secret links
    if h.get("Referrer-Policy") != ("no-referrer" if secret else "same-origin"):
        out.append(f"Referrer-Policy {h.get('Referrer-Policy')}")
    if "Strict-Transport-Security" in h:
        out.append("HSTS over plain http")
    return out


@pytest.fixture
def walker(app, demo_forum, make_user):
    make_user(Role.ADMIN, email=LOGINS["admin"])
    args = url_arguments(demo_forum)
    db.session.commit()
    return app, args


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(walker, role):
    app, args = walker
    client = app.test_client()
    if role != "anonymous":
        r = client.post("/login", data={"email": LOGINS[role], "password": PASSWORD})
        assert r.status_code == 302, f"{role} could not log in"
    problems = []
    seen = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        missing = set(rule.arguments) - set(args)
        assert not missing, f"{rule.rule}: add {missing} to url_arguments()"
        view = app.view_functions[rule.endpoint]
        public = getattr(view, "_public", False)
        roles = getattr(view, "_roles", None)
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{k: args[k] for k in rule.arguments})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method != "GET" and role == "desk":
                if rule.endpoint in DESK_ENDPOINTS:
                    continue  # logging out would end the walk; the rest must be refused
            elif method != "GET" and (role not in ("anonymous",) and
                                      (roles is None or role in roles)):
                continue  # POSTing empty forms as an allowed user would change data
            seen += 1
            r = client.open(url, method=method)
            code = r.status_code
            where = f"{method} {url} as {role}: {code}"
            problems += [f"{where}: {p}" for p in header_problems(r, rule.endpoint)]
            if code >= 500:
                problems.append(where + " (server error)")
            elif role == "anonymous" and not public:
                if not (code == 302 and "/login" in r.headers.get("Location", "")):
                    problems.append(where + " (expected a redirect to the login page)")
            elif role == "desk" and not public:
                if rule.endpoint == "home":
                    if not (code == 302 and r.headers["Location"].endswith("/desk")):
                        problems.append(where + " (expected the desk's home page)")
                elif rule.endpoint in DESK_ENDPOINTS:
                    if code == 403:
                        problems.append(where + " (refused the desk its own page)")
                elif code != 403:
                    problems.append(where + " (expected 403: the desk sees nothing else)")
            elif role != "anonymous" and roles is not None and role not in roles:
                if code != 403:
                    problems.append(where + f" (expected 403: view is for {sorted(roles)})")
            elif role != "anonymous" and roles is not None and code == 403:
                problems.append(where + " (refused a role the view allows)")
    assert seen > 5
    assert not problems, "\n".join(problems)


def test_hsts_over_https_only(walker):
    app, _ = walker
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/login").headers
    r = client.get("/login", base_url="https://desk.example.org")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
