"""Every roster and accreditation route for every role: coordinator, focal point of the delegation, focal
point of another delegation, delegate (own record), anonymous. On the demo forum."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from delegations.db import db
from delegations.models import Delegate, Delegation, Role, User
from tests.conftest import PASSWORD

ROLES = ("coordinator", "focal_own", "focal_other", "delegate", "anonymous")
LOGINS = {
    "coordinator": "coordinator@demo.forumdesk.example",
    "focal_own": "focal.freetown@demo.forumdesk.example",
    "focal_other": "focal.milan@example.org",
    "delegate": "delegate@demo.forumdesk.example",
}

# (method, url, expected status per role in ROLES order). {me}: Yvonne Aki-Sawyerr (the
# demo delegate, Freetown); {mate}: another Freetown delegate; {own}: Freetown; {other}:
# Milan; {stranger}: a Milan delegate. 302 for anonymous means the login page.
M = (200, 403, 403, 403, 302)  # managers only
CASES = [
    ("GET", "/{f}/accreditation/", M),
    ("GET", "/{f}/roster/", (200, 200, 200, 302, 302)),
    ("GET", "/{f}/roster/?status=approved&sort=country&q=a", (200, 200, 200, 302, 302)),
    ("GET", "/{f}/roster/export.csv", M),
    ("GET", "/{f}/roster/export.xlsx", M),
    ("GET", "/{f}/roster/import", M),
    ("GET", "/{f}/roster/import/jobs/{nojob}", (404, 403, 403, 403, 302)),
    ("GET", "/{f}/participants.csv", M),
    ("GET", "/{f}/participants.pdf", M),
    ("GET", "/{f}/deadlines/", M),
    ("GET", "/{f}/quotas/", M),
    ("GET", "/{f}/delegations/new", M),
    ("GET", "/{f}/delegations/", (200, 302, 302, 302, 302)),
    ("GET", "/{f}/delegations/{own}", (200, 200, 403, 200, 302)),
    ("GET", "/{f}/delegations/{other}", (200, 403, 200, 403, 302)),
    ("GET", "/{f}/delegations/{own}/edit", (200, 200, 403, 403, 302)),
    ("GET", "/{f}/delegations/{own}/delegates/new", (200, 200, 403, 403, 302)),
    ("GET", "/{f}/delegates/{me}", (200, 200, 403, 200, 302)),
    ("GET", "/{f}/delegates/{mate}", (200, 200, 403, 403, 302)),
    ("GET", "/{f}/delegates/{stranger}", (200, 403, 200, 403, 302)),
    ("GET", "/{f}/delegates/{me}/edit", (200, 200, 403, 403, 302)),
    ("GET", "/{f}/delegates/{me}/photo", (404, 404, 403, 404, 302)),  # no photo yet
    ("GET", "/{f}/delegates/{me}/document?kind=photo", (404, 404, 403, 404, 302)),
    ("POST", "/{f}/roster/bulk", (302, 302, 302, 403, 302)),
    ("POST", "/{f}/roster/import", (400, 403, 403, 403, 302)),
    ("POST", "/{f}/roster/import/jobs/{nojob}/confirm", (404, 403, 403, 403, 302)),
    ("POST", "/{f}/deadlines/", (400, 403, 403, 403, 302)),
    ("POST", "/{f}/deadlines/delete", (404, 403, 403, 403, 302)),
    ("POST", "/{f}/quotas/", (400, 403, 403, 403, 302)),
    ("POST", "/{f}/organisations/new", (400, 403, 403, 403, 302)),
    ("POST", "/{f}/delegations/new", (400, 403, 403, 403, 302)),
    ("POST", "/{f}/delegations/{own}/edit", (400, 400, 403, 403, 302)),
    ("POST", "/{f}/delegations/{own}/delegates/new", (400, 400, 403, 403, 302)),
    ("POST", "/{f}/delegates/{me}/edit", (400, 400, 403, 403, 302)),
    ("POST", "/{f}/delegates/{me}/status", (302, 302, 403, 403, 302)),
    ("POST", "/{f}/delegates/{me}/accreditation", (400, 400, 403, 403, 302)),
    ("POST", "/{f}/delegates/{me}/documents", (400, 400, 403, 403, 302)),
    ("POST", "/{f}/delegates/{me}/photo", (302, 302, 403, 403, 302)),
    ("POST", "/{f}/delegates/{mate}/delete", (302, 302, 403, 403, 302)),
    ("POST", "/{f}/delegations/{other}/delete", (302, 403, 403, 403, 302)),
]
#: Posting with an empty body: the status a role gets when it may post (400 = form errors,
#: 302 = done or sent back with a message).


@pytest.fixture
def ids(demo_forum, make_user):
    milan = db.session.scalar(sa.select(Delegation).where(
        Delegation.forum_id == demo_forum.id, Delegation.name == "Milan"))
    freetown = db.session.scalar(sa.select(Delegation).where(
        Delegation.forum_id == demo_forum.id, Delegation.name == "Freetown"))
    make_user(Role.FOCAL_POINT, email=LOGINS["focal_other"], delegation=milan)
    me = db.session.scalar(sa.select(User).where(User.email == LOGINS["delegate"])).delegate_id
    mate = next(p.id for p in freetown.delegates if p.id != me)
    stranger = milan.delegates[0].id
    deadline = demo_forum.deadlines[0].id
    return {"f": demo_forum.short_name, "own": freetown.id, "other": milan.id, "me": me,
            "mate": mate, "stranger": stranger, "deadline": deadline, "nojob": 999}


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_role(client, ids, role):
    """One demo forum per role; the cases run in order (the removals come last)."""
    if role != "anonymous":
        r = client.post("/login", data={"email": LOGINS[role], "password": PASSWORD})
        assert r.status_code == 302
    wrong = []
    for method, url, expected in CASES:
        target = url.format(**ids)
        r = client.get(target) if method == "GET" else client.post(target, data={})
        want = expected[ROLES.index(role)]
        if r.status_code != want:
            wrong.append(f"{method} {target}: {r.status_code}, expected {want}")
        elif role == "anonymous" and "/login" not in r.headers["Location"]:
            wrong.append(f"{method} {target}: not sent to the login page")
    assert not wrong, "\n".join(wrong)


def test_every_route_of_this_issue_is_in_the_table(app):
    covered = {u.split("?")[0] for _, u, _ in CASES}
    import re

    def shape(rule: str) -> str:
        return re.sub(r"<(?:int:)?(\w+)>", "{x}", rule)

    covered = {re.sub(r"\{\w+\}", "{x}", u) for u in covered}
    mine = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("delegations.") and rule.endpoint not in (
                "delegations.index", "delegations.detail"):
            mine.add(shape(rule.rule))
    assert mine <= covered, mine - covered


def test_focal_point_roster_shows_only_own_delegation(client, ids):
    client.post("/login", data={"email": LOGINS["focal_own"], "password": PASSWORD})
    page = client.get(f"/{ids['f']}/roster/").get_data(as_text=True)
    assert "Aki-Sawyerr" in page
    stranger = db.session.get(Delegate, ids["stranger"])
    assert stranger.family_name not in page
    assert "Milan" not in page


def test_delegate_roster_goes_to_own_record(client, ids):
    client.post("/login", data={"email": LOGINS["delegate"], "password": PASSWORD})
    r = client.get(f"/{ids['f']}/roster/")
    assert r.headers["Location"].endswith(f"/{ids['f']}/delegates/{ids['me']}")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Aki-Sawyerr" in page and "Mark received" not in page and ">Submit<" not in page


def test_roster_lists_with_a_fixed_number_of_queries(client, ids, make_delegate):
    client.post("/login", data={"email": LOGINS["coordinator"], "password": PASSWORD})
    counts = []
    for extra in (0, 30):
        freetown = db.session.get(Delegation, ids["own"])
        for _ in range(extra):
            make_delegate(freetown)
        db.session.commit()
        n = [0]

        def count(*a, n=n):
            n[0] += 1

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            for url in ("/{f}/roster/", "/{f}/accreditation/", "/{f}/roster/?missing=any"):
                assert client.get(url.format(**ids)).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        counts.append(n[0])
    assert counts[0] == counts[1], counts
