"""Browser test: the badge desk on a phone-width screen (390 px) checks a delegate in by
typing the badge number. Real Chromium, real forms with CSRF; screenshots kept under
tmp_path (and $FORUM_DESK_ARTIFACTS)."""

from __future__ import annotations

import pytest

from delegations import roster
from delegations.db import db
from delegations.models import AccreditationStatus, Role
from schedule.badges.issue import issue_badge
from schedule.badges.tokens import make_token
from tests.badge_support import approved, open_forum, photo_bytes
from tests.conftest import PASSWORD, keep_screenshot


@pytest.mark.browser
def test_desk_checks_a_delegate_in_by_typing_the_badge_number(
        app, live_server, browser_page, tmp_path, make_forum, make_delegation, make_delegate,
        make_user):
    forum = open_forum(make_forum, name="International Migration Review Forum 2026")
    d = make_delegation(forum, name="Freetown")
    mayor = approved(make_delegate, d, given_names="Yvonne", family_name="Aki-Sawyerr",
                     function="Mayor of Freetown")
    roster.set_photo(mayor, app.config["UPLOAD_FOLDER"], photo_bytes(), None)
    badge = issue_badge(mayor.accreditation, None)
    token = make_token(badge.id, badge.version)
    make_user(Role.DESK, email="desk@example.org")
    db.session.commit()

    page = browser_page
    errors: list[str] = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "desk@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/{forum.short_name}/desk")
    assert page.locator("h1").inner_text() == "Badge desk"
    assert page.locator("header nav").count() == 0  # no menu of pages the desk cannot open
    keep_screenshot(page, tmp_path, "desk-390-empty")

    # typed as a person would: lower case, with a space
    page.fill("#desk-badge", token.lower().replace("-", "- ", 1))
    page.click("button:has-text('Check')")
    verdict = page.locator(".verdict")
    verdict.wait_for()
    assert "ok" in verdict.get_attribute("class")
    assert page.locator(".verdict-word").inner_text() == "VALID"
    assert "Badge handed over" in page.locator(".verdict-reason").inner_text()
    assert page.locator(".holder-name").inner_text() == "Yvonne Aki-Sawyerr"
    assert page.locator(".holder-type").inner_text().lower() == "party"
    photo = page.locator("img.holder-photo")
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    green = verdict.evaluate("e => getComputedStyle(e).backgroundColor")
    assert green == "rgb(27, 127, 42)"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    assert page.input_value("#desk-badge") == ""  # ready for the next badge
    keep_screenshot(page, tmp_path, "desk-390-valid")
    db.session.rollback()  # end the test's read snapshot; see what the server committed
    assert mayor.accreditation.status == AccreditationStatus.BADGE_COLLECTED

    page.fill("#desk-badge", token)
    page.click("button:has-text('Check')")
    page.locator(".verdict.refused").wait_for()
    assert page.locator(".verdict-word").inner_text() == "REFUSED"
    assert "Already collected" in page.locator(".verdict-reason").inner_text()
    red = page.locator(".verdict").evaluate("e => getComputedStyle(e).backgroundColor")
    assert red == "rgb(179, 22, 27)"
    keep_screenshot(page, tmp_path, "desk-390-already-collected")
    assert not errors, errors


@pytest.mark.browser
def test_coordinator_issues_prints_and_reissues(app, live_server, browser_page, tmp_path,
                                               make_forum, make_delegation, make_delegate,
                                               make_user):
    forum = open_forum(make_forum)
    d = make_delegation(forum, name="Freetown")
    mayor = approved(make_delegate, d, given_names="Yvonne", family_name="Aki-Sawyerr")
    approved(make_delegate, d, given_names="Kadiatu", family_name="Sesay")
    make_delegate(d, status=AccreditationStatus.SUBMITTED, given_names="Mohamed",
                  family_name="Kamara")
    make_user(Role.COORDINATOR, email="coord@example.org")
    db.session.commit()

    page = browser_page
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "coord@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/{forum.short_name}/badges/delegations/{d.id}")
    page.click("button:has-text('Issue badges')")
    assert "2 badges ready to print." in page.content()
    assert "only approved accreditations get a badge" in page.content()
    with page.expect_download() as dl:
        page.click("text=A4 sheets, 8 a page")
    assert dl.value.suggested_filename.endswith("-badges-Freetown-sheets-a4.pdf")
    page.fill(f"input[aria-label='Why re-issue the badge of {mayor.full_name}']", "lost")
    page.locator("tr", has_text="Aki-Sawyerr").locator("button:has-text('Re-issue')").click()
    assert "badge re-issued (version 2)" in page.content()
    keep_screenshot(page, tmp_path, "badges-delegation")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/{forum.short_name}/badges/")
    keep_screenshot(page, tmp_path, "badges-index-390")
