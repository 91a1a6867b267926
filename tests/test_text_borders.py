"""Text that goes into other formats is made safe at the border: the forms refuse control
characters, line breaks and lengths the database cannot take (the same column check as
the spreadsheet preview and the forum import), and the exports escape what they write
anyway."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from delegations.db import db
from delegations.fields import column_problems
from delegations.models import Delegate, Role
from delegations.spreadsheets import export_csv, neutralise, unneutralise
from schedule.models import Room, Session


@pytest.fixture
def setup(app: Any, make_forum: Any, make_venue: Any, make_delegation: Any,
          make_delegate: Any, make_user: Any) -> dict[str, Any]:
    f = make_forum(short_name="NY22")
    venue = make_venue(f, rooms=1, name="UN Headquarters")
    d = make_delegation(f, name="Freetown")
    mayor = make_delegate(d, given_names="Yvonne", family_name="Aki-Sawyerr")
    make_user(Role.COORDINATOR, email="c@example.org")
    db.session.commit()
    return {"forum": f, "rooms": venue.rooms, "mayor": mayor}


def _new_session(client: Any, room: Room, **kw: Any) -> Any:
    data = {"title": "Roundtable 1", "kind": "roundtable", "status": "confirmed",
            "room_id": str(room.id), "starts": "2022-05-17T10:00", "ends": "2022-05-17T13:00"}
    return client.post("/NY22/sessions/new", data=data | kw)


def test_session_form_refuses_a_line_break_in_the_title(setup: Any, client: Any,
                                                         auth: Any) -> None:
    auth.login("c@example.org")
    r = _new_session(client, setup["rooms"][0], title="Roundtable\r\n1")
    assert r.status_code in (400, 422)
    assert "Title contains a line break; write it on one line." in r.get_data(as_text=True)
    r = _new_session(client, setup["rooms"][0], title="Round\x07table")
    assert "contains a control character (U+0007)" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Session.id))) == 0


def test_delegate_form_refuses_what_the_database_cannot_take(setup: Any, client: Any,
                                                             auth: Any) -> None:
    auth.login("c@example.org")
    person = setup["mayor"]
    r = client.post(f"/NY22/delegates/{person.id}/edit", data={
        "given_names": "Yvonne\nX", "family_name": "A" * 5000, "level": "mayor",
        "capacity": "head", "route": "own_authority"})
    page = r.get_data(as_text=True)
    assert r.status_code in (400, 422)
    assert "contains a line break" in page
    db.session.expire_all()
    assert db.session.get(Delegate, person.id).given_names == "Yvonne"


def test_one_column_check_for_every_path() -> None:
    problems = column_problems(Delegate, {"family_name": "x" * 201, "email": "a" * 400,
                                          "notes": "two\nlines are fine", "mobile": "1\t2"})
    assert set(problems) == {"family_name", "email", "mobile"}
    assert "at most 200" in problems["family_name"]


def test_a_stored_line_break_never_breaks_a_feed(setup: Any, client: Any, auth: Any,
                                                make_session: Any) -> None:
    """Data from before the border check (or written by hand) is escaped on the way out."""
    s = make_session(setup["forum"], title="Line\nbreak\x01 session",
                     start=datetime(2022, 5, 17, 14, tzinfo=UTC))
    db.session.commit()
    auth.login("c@example.org")
    r = client.get(f"/NY22/calendar/sessions/{s.id}.ics")
    assert r.status_code == 200
    assert b"\x01" not in r.data
    cal = Calendar.from_ical(r.data)
    assert str(cal["X-WR-CALNAME"]) == "NY22: Line\\nbreak session"  # escaped, one line
    event = next(iter(cal.walk("VEVENT")))
    assert str(event["SUMMARY"]) == "Line\nbreak session"


def test_formula_guard_looks_past_leading_blanks(setup: Any) -> None:
    for raw in (" =HYPERLINK(\"http://x\")", "\u00a0+1", "\t=1", "\n@SUM(A1)", "=1"):
        assert neutralise(raw) == "'" + raw
        assert unneutralise(neutralise(raw)) == raw
    assert neutralise("  plain") == "  plain"
    person = setup["mayor"]
    person.function = "  =cmd|' /C calc'!A0"
    db.session.flush()
    rows = list(csv.reader(io.StringIO(export_csv([person]).decode("utf-8-sig"))))
    assert rows[1][rows[0].index("function")] == "'  =cmd|' /C calc'!A0"
