"""The programme's filters (day, kind, room, delegation, words) live in the URL; the zone
pickers offer the zones of the forum's people first."""

from __future__ import annotations

import re

import sqlalchemy as sa

from delegations.db import db
from delegations.models import Delegation
from schedule.models import Room


def _titles(html: str) -> list[str]:
    return re.findall(r'<strong class="title">([^<]+)</strong>', html)


def test_filters_narrow_the_programme_and_stay_in_the_url(demo_forum, client, auth):
    auth.login("coordinator@demo.forumdesk.example")
    everything = _titles(client.get("/IMRF2022/programme/").get_data(as_text=True))
    assert len(everything) > 20
    day = _titles(client.get("/IMRF2022/programme/?day=2022-05-17").get_data(as_text=True))
    assert "Roundtable 1" in day and 0 < len(day) < len(everything)
    page = client.get("/IMRF2022/programme/?kind=roundtable").get_data(as_text=True)
    assert set(_titles(page)) >= {"Roundtable 1", "Roundtable 2"}
    assert 'value="roundtable" selected' in page  # the filter is shown as chosen
    room = db.session.scalar(sa.select(Room).where(Room.name == "Conference Room 4"))
    in_room = _titles(client.get(f"/IMRF2022/programme/?room={room.id}").get_data(as_text=True))
    assert in_room and len(in_room) < len(everything)
    freetown = db.session.scalar(sa.select(Delegation.id).where(Delegation.name == "Freetown"))
    theirs = client.get(f"/IMRF2022/programme/?delegation={freetown}").get_data(as_text=True)
    assert "Aki-Sawyerr" in theirs and len(_titles(theirs)) < len(everything)
    words = _titles(client.get("/IMRF2022/programme/?q=ROUNDTABLE+1").get_data(as_text=True))
    assert words == ["Roundtable 1"]
    # nonsense in the URL is ignored, never an error
    r = client.get("/IMRF2022/programme/?day=tomorrow&kind=party&room=x&delegation=-1")
    assert r.status_code == 200


def test_zone_picker_lists_the_forums_people_zones_first(demo_forum, client, auth):
    auth.login("coordinator@demo.forumdesk.example")
    page = client.get("/IMRF2022/programme/").get_data(as_text=True)
    people = page[page.index("Zones of this forum"):page.index("Every zone")]
    assert "Africa/Freetown" in people and "Asia/Dhaka" in people
    assert "Pacific/Chatham" not in people
    grid = client.get("/IMRF2022/grid/?day=2022-05-17").get_data(as_text=True)
    assert "Zones of this forum" in grid and "onchange" not in grid
