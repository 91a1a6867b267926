"""Forum set-up in the browser's forms: a new forum (blank, from a past forum's structure,
from a forum file) and its set-up page."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa

from delegations.db import db
from delegations.models import Forum, Role
from schedule.forum_io import export_forum
from schedule.models import Room, Venue, VenueTravel
from schedule.venue_services import set_travel

FORM = {"start_from": "blank", "name": "Global Refugee Forum 2027", "short_name": "GRF2027",
        "series": "GRF", "timezone": "Europe/Zurich", "start_date": "2027-12-13",
        "end_date": "2027-12-15", "host_city": "Geneva"}


def test_empty_database_admin_creates_a_forum(client, auth, make_user):
    make_user(Role.ADMIN, email="admin@example.org")
    auth.login("admin@example.org")
    home = client.get("/").get_data(as_text=True)
    assert "Set up a forum" in home and "flask forum import" not in home
    r = client.post("/forums/new", data=FORM | {"end_date": "2027-12-10", "short_name": "a b"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "The last day is before the first." in page and "A short name is" in page
    assert 'value="Global Refugee Forum 2027"' in page  # kept
    r = client.post("/forums/new", data=FORM)
    assert r.status_code == 302 and r.headers["Location"].endswith("/GRF2027/setup/")
    f = db.session.scalar(sa.select(Forum).where(Forum.short_name == "GRF2027"))
    assert f.timezone == "Europe/Zurich" and f.end_date == date(2027, 12, 15)
    page = client.get("/GRF2027/setup/").get_data(as_text=True)
    assert "add a venue" in page
    r = client.post("/forums/new", data=FORM)
    assert r.status_code == 422 and b"There is a forum called GRF2027 already." in r.data


def test_next_year_from_this_years_structure(client, auth, make_user, make_venue, make_forum,
                                             make_delegation):
    old = make_forum(short_name="IMRF2022", start_date=date(2022, 5, 16),
                     end_date=date(2022, 5, 20))
    a, b = make_venue(old, rooms=2), make_venue(old, rooms=1)
    set_travel(a, b, 25)
    make_delegation(old)
    make_user(Role.COORDINATOR, email="coord@example.org")
    auth.login("coord@example.org")
    r = client.post("/forums/new", data=FORM | {
        "start_from": str(old.id), "short_name": "IMRF2026", "start_date": "2026-05-04",
        "end_date": "2026-05-08"})
    assert r.status_code == 302
    new = db.session.scalar(sa.select(Forum).where(Forum.short_name == "IMRF2026"))
    venues = db.session.scalars(sa.select(Venue).where(Venue.forum_id == new.id)).all()
    assert sorted(v.name for v in venues) == sorted([a.name, b.name])
    rooms = db.session.scalars(sa.select(Room).where(
        Room.venue_id.in_([v.id for v in venues]))).all()
    assert len(rooms) == 3
    assert db.session.scalar(sa.select(VenueTravel.minutes).where(
        VenueTravel.from_venue_id.in_([v.id for v in venues]))) == 25
    assert new.delegations == []  # no people


def test_forum_from_a_forum_file(client, auth, make_user, make_forum, make_venue):
    src = make_forum(short_name="SRC1", name="Source forum")
    make_venue(src, rooms=1)
    data = export_forum(src)
    db.session.delete(src)
    db.session.commit()
    make_user(Role.ADMIN, email="admin@example.org")
    auth.login("admin@example.org")
    r = client.post("/forums/new", data={"start_from": "json",
                                         "json_file": (io.BytesIO(b"{not json"), "f.json")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and b"nothing was created" in r.data
    r = client.post("/forums/new", data={"start_from": "json",
                                         "json_file": (io.BytesIO(data), "f.json")},
                    content_type="multipart/form-data")
    assert r.status_code == 302 and "/SRC1/setup/" in r.headers["Location"]


def test_forum_details_edited(client, auth, make_user, make_forum):
    f = make_forum(short_name="EDIT1")
    make_user(Role.COORDINATOR, email="coord@example.org")
    auth.login("coord@example.org")
    r = client.post("/EDIT1/setup/", data=FORM | {"short_name": "EDIT1",
                                                 "timezone": "Mars/Base"})
    assert r.status_code == 422 and b"time zone" in r.data
    r = client.post("/EDIT1/setup/", data=FORM | {"short_name": "EDIT1"})
    assert r.status_code == 302
    db.session.expire_all()
    assert f.host_city == "Geneva"
