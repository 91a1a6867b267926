"""Every form that can create a clash shows it before saving and asks to confirm, with what
was typed kept; a confirmation counts for the clashes the person saw only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from delegations.db import db
from delegations.models import Role
from schedule.models import Session
from tests.conftest import keep_screenshot


def ny(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2022, 5, day, hh + 4, mm, tzinfo=UTC)


@pytest.fixture
def busy(make_forum, make_delegation, make_delegate, make_session, make_venue, make_user):
    f = make_forum(short_name="PV1")
    venue = make_venue(f, rooms=2)
    ana = make_delegate(make_delegation(f), given_names="Ana", family_name="Lopes")
    plenary = make_session(f, start=ny(17, 10), end=ny(17, 11), speakers=[ana],
                           title="Opening plenary", room_id=venue.rooms[0].id)
    side = make_session(f, start=ny(17, 14), end=ny(17, 15), speakers=[ana],
                        title="Side event", room_id=venue.rooms[1].id)
    make_user(Role.COORDINATOR, email="coord@example.org")
    db.session.commit()
    return {"forum": f, "plenary": plenary, "side": side, "rooms": venue.rooms, "ana": ana}


def _edit(side: Session, room_id: int, starts: str, ends: str, **extra: str) -> dict[str, str]:
    return {"title": side.title, "kind": side.kind.value, "status": side.status.value,
            "room_id": str(room_id), "starts": starts, "ends": ends} | extra


def _fingerprint(html: str) -> str:
    return re.search(r'name="confirm_clashes" value="([0-9a-f]+)"', html).group(1)


def test_session_moved_into_a_person_clash_is_previewed(client, auth, busy):
    auth.login("coord@example.org")
    side = busy["side"]
    data = _edit(side, busy["rooms"][1].id, "2022-05-17T10:30", "2022-05-17T11:30")
    r = client.post(f"/PV1/sessions/{side.id}/edit", data=data)
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "Saving this would create 1 clash" in page and "Ana Lopes" in page
    assert 'value="2022-05-17T10:30"' in page  # what was typed is kept
    db.session.expire_all()
    assert db.session.get(Session, side.id).starts_at == ny(17, 14)  # nothing saved
    # pressing the ordinary button again confirms nothing
    r = client.post(f"/PV1/sessions/{side.id}/edit",
                    data=data | {"confirm_clashes": _fingerprint(page)})
    assert r.status_code == 409
    # a confirmation for another list of clashes counts for nothing
    r = client.post(f"/PV1/sessions/{side.id}/edit",
                    data=data | {"confirm": "1", "confirm_clashes": "0" * 16})
    assert r.status_code == 409
    r = client.post(f"/PV1/sessions/{side.id}/edit",
                    data=data | {"confirm": "1", "confirm_clashes": _fingerprint(page)})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Session, side.id).starts_at == ny(17, 10, 30)


def test_new_session_outside_the_forum_dates_is_confirmed_first(client, auth, busy):
    auth.login("coord@example.org")
    data = {"title": "Pre-forum briefing", "kind": "delegation_briefing", "status": "confirmed",
            "room_id": "", "starts": "2022-05-14T09:00", "ends": "2022-05-14T10:00"}
    r = client.post("/PV1/sessions/new", data=data)
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "Outside the forum dates" in page
    r = client.post("/PV1/sessions/new", data=data | {"confirm": "1",
                                                      "confirm_clashes": _fingerprint(page)})
    assert r.status_code == 302


def test_a_clash_free_edit_saves_at_once(client, auth, busy):
    auth.login("coord@example.org")
    side = busy["side"]
    r = client.post(f"/PV1/sessions/{side.id}/edit",
                    data=_edit(side, busy["rooms"][1].id, "2022-05-17T15:00",
                               "2022-05-17T16:00"))
    assert r.status_code == 302


def test_speaker_minutes_over_the_session_length_are_previewed(client, auth, busy):
    auth.login("coord@example.org")
    side = busy["side"]
    slot = side.speaker_slots[0]
    data = {"role": "speaker", "order": "1", "minutes": "90"}
    r = client.post(f"/PV1/sessions/{side.id}/speakers/edit?slot={slot.id}", data=data)
    assert r.status_code == 409 and "Speaking time too long" in r.get_data(as_text=True)
    r = client.post(f"/PV1/sessions/{side.id}/speakers/edit?slot={slot.id}",
                    data=data | {"confirm": "1",
                                 "confirm_clashes": _fingerprint(r.get_data(as_text=True))})
    assert r.status_code == 302


@pytest.mark.browser
def test_browser_edit_into_a_clash_shows_the_preview_before_saving(busy, live_server,
                                                                   browser_page: Any,
                                                                   tmp_path) -> None:
    page = browser_page
    side_id = busy["side"].id
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "coord@example.org")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/PV1/sessions/{side_id}/edit")
    page.fill("input[name=starts]", "2022-05-17T10:30")
    page.fill("input[name=ends]", "2022-05-17T11:30")
    page.click("button.primary:has-text('Save')")
    preview = page.locator(".write-preview")
    assert "would create 1 clash" in preview.locator("h2").inner_text()
    assert "Ana Lopes" in preview.inner_text() and "Opening plenary" in preview.inner_text()
    assert page.input_value("input[name=starts]") == "2022-05-17T10:30"
    keep_screenshot(page, tmp_path, "preview-session-edit")
    db.session.commit()  # end the read snapshot: see what the server saved
    assert db.session.get(Session, side_id).starts_at == ny(17, 14)
    page.click("button.confirm-clashes")
    page.wait_for_url(f"{live_server}/PV1/sessions/{side_id}/")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Session, side_id).starts_at == ny(17, 10, 30)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server}/PV1/sessions/{side_id}/edit")
    page.fill("input[name=ends]", "2022-05-17T15:30")
    page.click("button.primary:has-text('Save')")
    keep_screenshot(page, tmp_path, "preview-session-edit-390")
