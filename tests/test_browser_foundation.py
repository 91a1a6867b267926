"""A coordinator logs in through a real browser and reads the programme."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, keep_screenshot


@pytest.mark.browser
def test_coordinator_logs_in_and_sees_the_programme(demo_forum, live_server, browser_page,
                                                   tmp_path):
    page = browser_page
    page.goto(f"{live_server}/IMRF2022/programme/")
    assert "/login" in page.url  # anonymous: sent to log in first
    page.fill("input[name=email]", "coordinator@demo.forumdesk.example")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert page.locator(".form-errors").inner_text().strip() == "Wrong e-mail or password."
    assert page.input_value("input[name=email]") == "coordinator@demo.forumdesk.example"
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/IMRF2022/programme/")
    day = page.locator("#day-2022-05-17")
    assert day.locator("h2").inner_text() == "Tuesday 17 May 2022"
    row = day.locator("tr", has_text="Roundtable 1")
    assert row.locator("td.time").first.inner_text() == "10:00–13:00"
    assert "Conference Room 4" in row.inner_text()
    # pick a home zone: Dhaka is 10 hours ahead of New York in May
    page.select_option("select[name=tz]", "Asia/Dhaka")
    page.wait_for_url("**tz=Asia%2FDhaka**")
    row = page.locator("#day-2022-05-17 tr", has_text="Roundtable 1")
    assert row.locator("td.home-time").inner_text().startswith("20:00–23:00")
    shot = keep_screenshot(page, tmp_path, "foundation-programme")
    assert shot.stat().st_size > 10_000
