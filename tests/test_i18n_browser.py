"""A focal point works in French and in Arabic in a real browser: the delegation page, the
day grid and the delegation's agenda; Arabic pages run right to left and nothing overflows
at 1280 px. Screenshots go where FORUM_DESK_ARTIFACTS says."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from delegations.db import db
from delegations.models import Delegation, User
from tests.conftest import PASSWORD, keep_screenshot

FOCAL = "focal.freetown@demo.forumdesk.example"


def _freetown_id(forum) -> int:
    return db.session.scalar(sa.select(Delegation.id).where(
        Delegation.forum_id == forum.id, Delegation.name == "Freetown"))


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    view = page.evaluate("document.documentElement.clientWidth")
    assert width <= view, f"the page is {width}px wide in a {view}px window"


def _walk(page, base: str, delegation_id: int, tmp_path, lang: str) -> None:
    shots = {
        "delegation": f"{base}/IMRF2022/delegations/{delegation_id}",
        "grid": f"{base}/IMRF2022/grid/?day=2022-05-17",
        "agenda": f"{base}/IMRF2022/delegations/{delegation_id}/agenda",
    }
    for name, url in shots.items():
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == lang
        if name != "grid":  # the grid scrolls inside its own frame, by design
            _no_horizontal_scroll(page)
        keep_screenshot(page, tmp_path, f"i18n-{lang}-{name}")


@pytest.mark.browser
def test_focal_point_in_french(demo_forum, live_server, browser_page, tmp_path):
    page = browser_page
    freetown = _freetown_id(demo_forum)
    page.goto(f"{live_server}/login")
    page.click("form.languages button[value=fr]")  # before logging in: a cookie
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Se connecter"
    page.fill("input[name=email]", FOCAL)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server}/IMRF2022/delegations/{freetown}")
    assert page.locator("html").get_attribute("dir") == "ltr"
    body = page.locator("main").inner_text()
    assert "Point focal" in body and "Sierra Leone" in body
    assert "Délégués" in body and "Nom (comme sur le passeport)" in body
    assert "Se déconnecter" in page.locator("header").inner_text()
    page.goto(f"{live_server}/IMRF2022/grid/?day=2022-05-17")
    assert "Grille du jour" in page.locator("h1").inner_text()
    assert "mardi 17 mai 2022" in page.locator("h1").inner_text()
    page.goto(f"{live_server}/IMRF2022/delegations/{freetown}/agenda")
    assert "Programme personnel" in page.locator("h1").inner_text()
    assert "mardi 17 mai 2022" in page.locator("main").inner_text()
    _walk(page, live_server, freetown, tmp_path, "fr")


@pytest.mark.browser
def test_focal_point_in_arabic(demo_forum, live_server, browser_page, tmp_path):
    page = browser_page
    freetown = _freetown_id(demo_forum)
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", FOCAL)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server}/IMRF2022/delegations/{freetown}")
    page.click("form.languages button[value=ar]")  # logged in: saved on the account
    page.wait_for_url(f"**/IMRF2022/delegations/{freetown}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    db.session.rollback()  # a new transaction: see what the server committed
    user = db.session.scalar(sa.select(User).where(User.email == FOCAL))
    assert user.language == "ar"
    body = page.locator("main").inner_text()
    assert "جهة الاتصال" in body and "سيراليون" in body and "المندوبون" in body
    # the page mirrors: the table's first column sits at the right
    first = page.locator("table.list thead th").first.bounding_box()
    last = page.locator("table.list thead th").last.bounding_box()
    assert first["x"] > last["x"]
    page.goto(f"{live_server}/IMRF2022/grid/?day=2022-05-17")
    assert "شبكة اليوم" in page.locator("h1").inner_text()
    # times keep their order inside Arabic text
    when = page.locator(".day-grid .block .when").first
    assert when.evaluate("e => getComputedStyle(e).direction") == "ltr"
    page.goto(f"{live_server}/IMRF2022/delegations/{freetown}/agenda")
    assert "الجدول الشخصي" in page.locator("h1").inner_text()
    _walk(page, live_server, freetown, tmp_path, "ar")
    # every page keeps the choice (the account's, whatever the browser asks)
    page.goto(f"{live_server}/IMRF2022/")
    assert page.locator("html").get_attribute("dir") == "rtl"
