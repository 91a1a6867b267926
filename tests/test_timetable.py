"""The day grid as a timetable: a move is previewed with the same clash preview as the forms,
saved through the same service, refused when stale, and the feed then says what changed.
The browser tests drag with the mouse and move with the keyboard in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import icalendar
import pytest
import sqlalchemy as sa

from delegations.db import db
from schedule.models import Room, Session
from tests.conftest import PASSWORD, keep_screenshot

COORDINATOR = "coordinator@demo.forumdesk.example"
COHESION = "Making Social Cohesion Work for Everyone"


def _session(title: str) -> Session:
    db.session.commit()  # a fresh snapshot: see what the server saved
    return db.session.scalar(sa.select(Session).where(Session.title == title))


def _room(name: str) -> Room:
    return db.session.scalar(sa.select(Room).where(Room.name == name))


def _move(client: Any, s: Session, start: datetime, end: datetime, room: Room | None,
          revision: int | None = None, confirm: str | None = None) -> Any:
    data = {"session_id": s.id, "revision": s.revision if revision is None else revision,
            "starts_at": start.isoformat(), "ends_at": end.isoformat(),
            "room_id": room.id if room else "none"}
    if confirm:
        data["confirm"] = confirm
    return client.post("/IMRF2022/grid/move", data=data)


def _feed_event(client: Any, s: Session) -> Any:
    cal = icalendar.Calendar.from_ical(client.get(f"/IMRF2022/calendar/sessions/{s.id}.ics").data)
    return next(c for c in cal.walk("VEVENT"))


def test_a_move_into_a_busy_room_is_previewed_and_nothing_is_saved(demo_forum, client, auth):
    auth.login(COORDINATOR)
    s = _session(COHESION)
    rt1 = _session("Roundtable 1")
    r = _move(client, s, rt1.starts_at, rt1.ends_at, rt1.room)
    answer = r.get_json()
    assert r.status_code == 200 and answer["status"] == "preview"
    messages = " ".join(c["message"] for c in answer["clashes"])
    assert "Conference Room 4" in messages and "Roundtable 1" in messages
    assert _session(COHESION).revision == s.revision  # nothing saved
    # a confirmation for another list of clashes confirms nothing
    r = _move(client, s, rt1.starts_at, rt1.ends_at, rt1.room, confirm="0123456789abcdef")
    assert r.get_json()["status"] == "preview"
    # confirmed, the database still refuses a double-booked room, with the reason
    r = _move(client, s, rt1.starts_at, rt1.ends_at, rt1.room, confirm=answer["fingerprint"])
    assert r.status_code == 422 and "already booked" in r.get_json()["message"]
    assert _session(COHESION).revision == s.revision


def test_a_move_to_a_free_slot_is_saved_and_the_feed_says_so(demo_forum, client, auth):
    auth.login(COORDINATOR)
    s = _session(COHESION)
    revision = s.revision
    start = datetime(2022, 5, 17, 20, 0, tzinfo=UTC)  # 16:00 in New York
    end = datetime(2022, 5, 17, 21, 30, tzinfo=UTC)
    r = _move(client, s, start, end, s.room)
    answer = r.get_json()
    assert answer["status"] == "saved", answer
    assert answer["when"] == "16:00–17:30"
    assert answer["before"]["revision"] == revision
    moved = _session(COHESION)
    assert (moved.starts_at, moved.ends_at, moved.revision) == (start, end, revision + 1)
    event = _feed_event(client, moved)
    assert int(event["SEQUENCE"]) == revision + 1
    assert str(event["DESCRIPTION"]).startswith(
        "Moved from 13:15–14:45 to 16:00–17:30 (venue time).")
    # another room, same time: the feed's first line names the room
    r = _move(client, moved, start, end, _room("Conference Room 6"))
    assert r.get_json()["status"] == "saved"
    event = _feed_event(client, _session(COHESION))
    assert str(event["DESCRIPTION"]).startswith("Room changed to Conference Room 6")


def test_a_move_from_a_stale_grid_is_refused_with_who_changed_it(demo_forum, client, auth):
    auth.login(COORDINATOR)
    s = _session(COHESION)
    old_revision = s.revision
    start = datetime(2022, 5, 17, 20, 0, tzinfo=UTC)
    assert _move(client, s, start, start.replace(hour=21), s.room).get_json()["status"] == "saved"
    s = _session(COHESION)
    r = _move(client, s, start.replace(hour=22), start.replace(hour=23), s.room,
              revision=old_revision)
    assert r.status_code == 409
    assert f"changed by {COORDINATOR}" in r.get_json()["message"]


def test_a_move_outside_the_forum_dates_asks_first(demo_forum, client, auth):
    auth.login(COORDINATOR)
    s = _session(COHESION)
    start = datetime(2022, 5, 23, 14, 0, tzinfo=UTC)
    answer = _move(client, s, start, start.replace(hour=15), s.room).get_json()
    assert answer["status"] == "preview"
    assert any("forum" in c["message"] for c in answer["clashes"])


@pytest.mark.parametrize("email", ["focal.freetown@demo.forumdesk.example",
                                   "delegate@demo.forumdesk.example"])
def test_only_coordinators_move_sessions(demo_forum, client, auth, email):
    auth.login(email)
    s = _session(COHESION)
    r = _move(client, s, s.starts_at, s.ends_at, s.room)
    assert r.status_code == 403
    page = client.get("/IMRF2022/grid/?day=2022-05-17").get_data(as_text=True)
    assert "data-move-url" not in page and "timetable.js" not in page


# --------------------------------------------------------------------------- in a browser


def _login(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", COORDINATOR)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _target(page: Any, room: str, hhmm: str) -> tuple[float, float]:
    head = page.locator(".room-head", has_text=room).first.bounding_box()
    label = page.locator(".time-label .venue-time", has_text=hhmm).first
    row = label.locator("xpath=..").bounding_box()
    return head["x"] + head["width"] / 2, row["y"]


def _drag(page: Any, block: Any, x: float, y: float) -> None:
    box = block.bounding_box()
    grab_y = box["y"] + 6  # near the block's top, so its top lands at y
    page.mouse.move(box["x"] + box["width"] / 2, grab_y)
    page.mouse.down()
    page.mouse.move(x, y + 6, steps=12)
    page.mouse.up()


@pytest.mark.browser
def test_drag_into_a_busy_room_then_to_a_free_slot(demo_forum, live_server, browser_page,
                                                   tmp_path):
    page = browser_page
    s = _session(COHESION)
    revision = s.revision
    _login(page, live_server)
    page.goto(f"{live_server}/IMRF2022/grid/?day=2022-05-17")
    block = page.locator(f".block[data-session='{s.id}']")
    where = block.bounding_box()
    _drag(page, block, *_target(page, "Conference Room 4", "10:00"))
    dialog = page.locator("#move-dialog")
    dialog.wait_for(state="visible")
    assert "Roundtable 1" in dialog.inner_text()
    keep_screenshot(page, tmp_path, "timetable-clash-preview")
    dialog.locator("button[value=cancel]").click()
    dialog.wait_for(state="hidden")
    page.wait_for_function("s => !document.querySelector(`.block[data-session='${s}']`)"
                           ".classList.contains('saving')", arg=s.id)
    assert block.bounding_box() == where  # back where it was
    assert _session(COHESION).revision == revision

    _drag(page, block, *_target(page, "Conference Room 11", "16:00"))
    page.locator("#move-status", has_text="Moved").wait_for()
    keep_screenshot(page, tmp_path, "timetable-moved")
    moved = _session(COHESION)
    assert moved.revision == revision + 1
    assert moved.starts_at == datetime(2022, 5, 17, 20, 0, tzinfo=UTC)
    ics = page.request.get(f"{live_server}/IMRF2022/calendar/sessions/{s.id}.ics").text()
    event = next(c for c in icalendar.Calendar.from_ical(ics).walk("VEVENT"))
    assert int(event["SEQUENCE"]) == revision + 1
    assert str(event["DESCRIPTION"]).startswith("Moved from 13:15–14:45 to 16:00–17:30")

    # undo puts it back, through the same path
    page.click("#move-undo")
    page.locator("#move-status", has_text="13:15").wait_for()
    back = _session(COHESION)
    assert back.starts_at == s.starts_at and back.revision == revision + 2


@pytest.mark.browser
def test_move_with_the_keyboard(demo_forum, live_server, browser_page, tmp_path):
    page = browser_page
    s = _session(COHESION)
    revision = s.revision
    _login(page, live_server)
    page.goto(f"{live_server}/IMRF2022/grid/?day=2022-05-17")
    block = page.locator(f".block[data-session='{s.id}']")
    block.focus()
    page.keyboard.press("Space")
    for _ in range(4):  # four quarter-hours later
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+ArrowDown")  # and a quarter-hour longer
    assert "14:15" in page.locator("#move-status").inner_text()
    page.keyboard.press("Enter")
    page.locator("#move-status", has_text="Moved").wait_for()
    keep_screenshot(page, tmp_path, "timetable-keyboard")
    moved = _session(COHESION)
    assert moved.starts_at == datetime(2022, 5, 17, 18, 15, tzinfo=UTC)  # 14:15 New York
    assert moved.ends_at == datetime(2022, 5, 17, 20, 0, tzinfo=UTC)  # 16:00
    assert moved.revision == revision + 1
