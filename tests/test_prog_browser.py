"""In a real browser: a coordinator assigns a speaker who is busy elsewhere and sees the
clash before saving; the day grid and the clashes page render."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from delegations.db import db
from schedule.models import Session, SpeakerSlot
from tests.conftest import PASSWORD, keep_screenshot


def _login(page: Any, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
def test_assign_busy_speaker_shows_clash_before_saving(demo_forum: Any, live_server: str,
                                                      browser_page: Any, tmp_path: Any) -> None:
    page = browser_page
    rt2 = db.session.scalar(sa.select(Session).where(Session.title == "Roundtable 2"))
    rt2_id = rt2.id
    _login(page, live_server, "coordinator@demo.forumdesk.example")
    page.goto(f"{live_server}/IMRF2022/sessions/{rt2_id}/")
    page.click("text=Add a speaker")
    page.fill("input[name=q]", "freetown")
    page.click("button:has-text('Search')")
    page.click("a:has-text('Yvonne Aki-Sawyerr')")
    preview = page.locator(".preview-clashes")
    assert "would create 1 clash" in preview.locator("h2").inner_text()
    text = preview.inner_text()
    assert "Person in two places" in text and "Africa Europe Mayors Dialogue" in text
    page.select_option("select[name=role]", "panellist")
    page.fill("input[name=minutes]", "7")
    keep_screenshot(page, tmp_path, "prog-speaker-clash-preview")
    page.click("button:has-text('Save')")
    # Not saved yet: the coordinator is asked to confirm, with what was typed kept.
    assert page.locator("button:has-text('Save anyway')").is_visible()
    assert page.input_value("input[name=minutes]") == "7"
    db.session.commit()  # end the read snapshot: see what the server saved
    assert db.session.scalar(sa.select(sa.func.count(SpeakerSlot.id)).where(
        SpeakerSlot.session_id == rt2_id, SpeakerSlot.role == "panellist",
        SpeakerSlot.minutes == 7)) == 0
    keep_screenshot(page, tmp_path, "prog-speaker-confirm")
    page.click("button:has-text('Save anyway')")
    page.wait_for_url(f"{live_server}/IMRF2022/sessions/{rt2_id}/")
    assert "despite 1 clash" in page.locator(".flash").inner_text()
    assert "Yvonne Aki-Sawyerr" in page.locator("table.list").inner_text()
    db.session.commit()  # end the read snapshot: see what the server saved
    assert db.session.scalar(sa.select(sa.func.count(SpeakerSlot.id)).where(
        SpeakerSlot.session_id == rt2_id, SpeakerSlot.minutes == 7)) == 1

    # The day grid of 17 May: rooms as columns, sessions to scale, home time beside.
    page.set_viewport_size({"width": 1600, "height": 1250})
    page.goto(f"{live_server}/IMRF2022/grid/?day=2022-05-17&tz=Asia/Dhaka")
    block = page.locator(".day-grid a.block", has_text="Roundtable 1")
    assert "10:00–13:00" in block.inner_text() and "20:00–23:00" in block.inner_text()
    assert page.locator(".room-head", has_text="Conference Room 4").count() == 1
    rt1_box = block.bounding_box()
    dsg_box = page.locator(".day-grid a.block", has_text="Deputy Secretary-General").bounding_box()
    assert rt1_box and dsg_box and rt1_box["height"] > 2.5 * dsg_box["height"]  # 3 h vs 1 h
    keep_screenshot(page, tmp_path, "prog-day-grid")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/IMRF2022/clashes/")
    assert page.locator("li.clash-error").count() >= 3
    keep_screenshot(page, tmp_path, "prog-clashes")


@pytest.mark.browser
def test_delegate_reads_own_agenda_in_venue_and_home_time(demo_forum: Any, live_server: str,
                                                          browser_page: Any,
                                                          tmp_path: Any) -> None:
    page = browser_page
    _login(page, live_server, "delegate@demo.forumdesk.example")
    page.goto(f"{live_server}/IMRF2022/my-agenda/")
    assert "Home time (Africa/Freetown)" in page.locator("table.agenda").first.inner_text()
    row = page.locator("table.agenda tr", has_text="MMC Annual Leadership Board Meeting")
    assert row.locator("td.venue-time").inner_text() == "08:00–09:30"
    assert row.locator("td.home-time").inner_text().startswith("12:00–13:30 GMT")
    assert page.locator(".agenda-clashes").count() == 0  # clashes are for coordinators
    keep_screenshot(page, tmp_path, "prog-my-agenda")
