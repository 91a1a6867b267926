"""No lost update: a save from a form opened before someone else's save is refused with who
changed it and when, and both values; imports go through the same version."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import g
from sqlalchemy.orm.exc import StaleDataError

from delegations.db import db
from delegations.models import Delegate, Role
from delegations.spreadsheets import apply_plan, check_rows, read_table
from schedule.models import Session
from tests.conftest import PASSWORD


@pytest.fixture
def world(app: Any, make_forum: Any, make_delegation: Any, make_delegate: Any,
          make_user: Any, make_venue: Any, make_session: Any) -> dict[str, Any]:
    f = make_forum(short_name="NY22", timezone="America/New_York")
    d = make_delegation(f, name="Freetown")
    person = make_delegate(d, given_names="Yvonne", family_name="Aki-Sawyerr",
                           function="Mayor", email="yvonne@example.org")
    make_user(Role.COORDINATOR, email="ana@example.org")
    make_user(Role.COORDINATOR, email="ben@example.org")
    venue = make_venue(f, rooms=1)
    s = make_session(f, title="Roundtable 1", room=venue.rooms[0],
                     start=datetime(2022, 5, 17, 14, tzinfo=UTC))
    db.session.commit()
    return {"forum": f, "person": person, "session": s}


class Browser:
    """One person's client. The test's app context is shared by every request, and so is
    flask-login's cached user in ``g``: forget it before each request."""

    def __init__(self, app: Any, email: str) -> None:
        self.client = app.test_client()
        assert self.post("/login", data={"email": email, "password": PASSWORD}).status_code \
            == 302

    def get(self, url: str) -> Any:
        g.pop("_login_user", None)
        return self.client.get(url)

    def post(self, url: str, data: dict[str, str]) -> Any:
        g.pop("_login_user", None)
        return self.client.post(url, data=data)


def logged_in(app: Any, email: str) -> Browser:
    return Browser(app, email)


def form_fields(page: str) -> dict[str, str]:
    """The values a browser would send back: inputs, selected options, textareas."""
    out = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = [re.search(r'value="([^"]*)"', o) for o in re.findall(r"<option[^>]*>", body)
                  if re.search(r"\bselected\b", o)]
        out[name] = chosen[0].group(1) if chosen and chosen[0] else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page,
                                 re.S):
        out[name] = body.strip()
    return out


def test_two_stale_delegate_forms_the_second_is_refused_with_both_values(app, world):
    url = f"/NY22/delegates/{world['person'].id}/edit"
    ana, ben = logged_in(app, "ana@example.org"), logged_in(app, "ben@example.org")
    ana_form = form_fields(ana.get(url).get_data(as_text=True))
    ben_form = form_fields(ben.get(url).get_data(as_text=True))
    assert ana_form["version"] == ben_form["version"] == "1"

    r = ana.post(url, data=ana_form | {"function": "Mayor of Freetown"})
    assert r.status_code == 302
    r = ben.post(url, data=ben_form | {"function": "Mayor (Freetown City Council)"})
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert re.search(r"Changed by ana@example.org at \d\d:\d\d since you opened it", page)
    assert 'value="Mayor (Freetown City Council)"' in page  # Ben's value, kept
    assert "Saved now: Mayor of Freetown" in page  # Ana's, beside it
    db.session.expire_all()
    assert db.session.get(Delegate, world["person"].id).function == "Mayor of Freetown"

    # Ben has seen both; saving the refreshed form again is a deliberate overwrite
    again = form_fields(page)
    assert again["version"] == "2"
    assert ben.post(url, data=again).status_code == 302
    db.session.expire_all()
    p = db.session.get(Delegate, world["person"].id)
    assert p.function == "Mayor (Freetown City Council)" and p.version == 3


def test_stale_session_form_is_refused(app, world):
    url = f"/NY22/sessions/{world['session'].id}/edit"
    ana, ben = logged_in(app, "ana@example.org"), logged_in(app, "ben@example.org")
    ana_form = form_fields(ana.get(url).get_data(as_text=True))
    ben_form = form_fields(ben.get(url).get_data(as_text=True))
    assert ana.post(url, data=ana_form | {"title": "Roundtable One"}).status_code == 302
    r = ben.post(url, data=ben_form | {"title": "Roundtable 1 (cities)"})
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "Changed by ana@example.org at" in page and "Saved now: Roundtable One" in page
    db.session.expire_all()
    assert db.session.get(Session, world["session"].id).title == "Roundtable One"


def test_an_import_makes_open_forms_stale(app, world):
    url = f"/NY22/delegates/{world['person'].id}/edit"
    ana = logged_in(app, "ana@example.org")
    opened = form_fields(ana.get(url).get_data(as_text=True))
    data = ("delegation,given_names,family_name,email,route,function,status\n"
            "Freetown,Yvonne,Aki-Sawyerr,yvonne@example.org,own_authority,Mayor (import),"
            "approved\n")
    plan = check_rows(world["forum"], read_table(data.encode(), "r.csv"))
    assert plan.ok, plan.errors
    apply_plan(world["forum"], plan, None, "r.csv")
    db.session.commit()
    r = ana.post(url, data=opened | {"function": "Mayor (form)"})
    assert r.status_code == 409
    assert "Saved now: Mayor (import)" in r.get_data(as_text=True)


def test_a_write_racing_past_the_check_is_refused_whole(app, world):
    """Two saves both passed the form check; the version in the UPDATE refuses the second."""
    person = db.session.get(Delegate, world["person"].id)
    assert person.version == 1  # this save started from version 1 ...
    db.session.expunge(person)
    db.session.rollback()
    with db.engine.begin() as other:  # ... and another worker's save commits first
        other.execute(sa.update(Delegate).where(Delegate.id == person.id)
                      .values(version=Delegate.version + 1, function="Other save"))
    db.session.add(person)
    person.function = "Mine"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Delegate, person.id).function == "Other save"
