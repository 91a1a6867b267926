"""Screens that fit a 390 px phone: the delegate's agenda, a delegation's page, the check-in
desk, the programme and the forms people fill on the way, without sideways scrolling of the
page (wide tables scroll inside themselves). The day grid uses the page's own scroll, with
room headers and the time column sticky."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from delegations.db import db
from delegations.models import Delegation, Role
from tests.conftest import PASSWORD, keep_screenshot

PHONE = {"width": 390, "height": 844}


def _login(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.browser
def test_phone_screens_fit(demo_forum: Any, make_user: Any, live_server: str,
                           browser_page: Any, tmp_path: Any) -> None:
    page, base = browser_page, live_server
    freetown = db.session.scalar(sa.select(Delegation.id).where(Delegation.name == "Freetown"))
    make_user(Role.DESK, email="desk@example.org") if hasattr(Role, "DESK") else None
    db.session.commit()
    page.set_viewport_size(PHONE)
    too_wide = []
    for who, paths in (
        ("delegate@demo.forumdesk.example",
         ["/IMRF2022/my-agenda/", "/IMRF2022/me/", "/IMRF2022/programme/",
          "/IMRF2022/calendar/"]),
        ("focal.freetown@demo.forumdesk.example",
         [f"/IMRF2022/delegations/{freetown}", "/IMRF2022/my-agenda/",
          "/IMRF2022/invitations/"]),
        ("desk@example.org", ["/IMRF2022/desk"]),
    ):
        if who == "desk@example.org" and not hasattr(Role, "DESK"):
            continue
        _login(page, base, who)
        for path in paths:
            page.goto(base + path)
            name = "390-" + path.strip("/").replace("/", "-")
            keep_screenshot(page, tmp_path, name)
            if _overflow(page) > 1:
                too_wide.append(f"{path} as {who}: {_overflow(page)} px too wide")
        page.click("header button:has-text('Log out')")
    assert not too_wide, "\n".join(too_wide)


@pytest.mark.browser
def test_day_grid_scrolls_with_the_page_and_keeps_headers(demo_forum: Any, live_server: str,
                                                         browser_page: Any,
                                                         tmp_path: Any) -> None:
    page, base = browser_page, live_server
    page.set_viewport_size({"width": 1000, "height": 700})
    _login(page, base, "coordinator@demo.forumdesk.example")
    page.goto(f"{base}/IMRF2022/grid/?day=2022-05-17")
    wrap = page.locator(".grid-wrap")
    # no inner scroll box: the grid is as tall as its content, the page scrolls
    assert wrap.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    assert page.evaluate("document.documentElement.scrollHeight > window.innerHeight")
    page.mouse.wheel(0, 900)
    page.wait_for_timeout(200)
    head = page.locator(".day-grid .room-head").first.bounding_box()
    assert head is not None and -1 <= head["y"] <= 5  # stuck to the top of the window
    keep_screenshot(page, tmp_path, "grid-scrolled")
