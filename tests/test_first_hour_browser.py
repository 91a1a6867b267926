"""A coordinator's first hour, in a real browser, from an empty database: the administrator
sets up a forum with two venues and three rooms, a delegation, and invites its focal point;
the focal point sets a password, adds a delegate and submits; the administrator approves
through the confirm step; the focal point gets the delegation's feed link. Screenshots of
every step are kept (also at 390 px)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from delegations.db import db
from delegations.models import AccreditationStatus, Delegate, Forum, Role, User
from schedule.models import Room, Venue, VenueTravel
from tests.conftest import PASSWORD, keep_screenshot


def _login(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _logout(page: Any) -> None:
    page.click("header button:has-text('Log out')")
    page.wait_for_load_state()


def _add_venue(page: Any, base: str, name: str, address: str,
               travel: dict[str, str] | None = None) -> None:
    page.goto(f"{base}/GRF27/venues/new")
    page.fill("input[name=name]", name)
    page.fill("textarea[name=address]", address)
    page.fill("textarea[name=access_instructions]", "Badge check at the main gate.")
    for label, minutes in (travel or {}).items():
        page.get_by_label(label, exact=True).fill(minutes)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _add_room(page: Any, base: str, venue: str, name: str, capacity: str) -> None:
    page.goto(f"{base}/GRF27/setup/")
    page.click(f"a:has-text('add a room to {venue}')")
    page.fill("input[name=name]", name)
    page.fill("input[name=capacity]", capacity)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
def test_first_hour_from_an_empty_database(app: Any, make_user: Any, live_server: str,
                                           browser_page: Any, tmp_path: Any) -> None:
    page, base = browser_page, live_server
    assert db.session.scalar(sa.select(sa.func.count(Forum.id))) == 0
    make_user(Role.ADMIN, email="admin@example.org")

    # 1. the administrator sets up the forum
    _login(page, base, "admin@example.org")
    keep_screenshot(page, tmp_path, "first-hour-01-empty-home")
    page.click("a:has-text('Set up a forum')")
    page.fill("input[name=name]", "Global Refugee Forum 2027")
    page.fill("input[name=short_name]", "GRF27")
    page.select_option("select[name=series]", "GRF")
    page.fill("input[name=timezone]", "Europe/Zurich")
    page.fill("input[name=start_date]", "2027-12-13")
    page.fill("input[name=end_date]", "2027-12-15")
    page.fill("input[name=host_city]", "Geneva")
    keep_screenshot(page, tmp_path, "first-hour-02-new-forum")
    page.click("main button.primary")
    page.wait_for_url(f"{base}/GRF27/setup/")
    _add_venue(page, base, "Palais des Nations", "Avenue de la Paix 14, Geneva")
    _add_venue(page, base, "CICG", "Rue de Varembé 17, Geneva",
               {"Palais des Nations": "15"})
    _add_room(page, base, "Palais des Nations", "Assembly Hall", "1800")
    _add_room(page, base, "Palais des Nations", "Room XX", "750")
    _add_room(page, base, "CICG", "Room 2", "300")
    page.goto(f"{base}/GRF27/setup/")
    keep_screenshot(page, tmp_path, "first-hour-03-setup-checklist")
    db.session.commit()
    venues = db.session.scalars(sa.select(Venue)).all()
    assert len(venues) == 2
    assert db.session.scalar(sa.select(sa.func.count(Room.id))) == 3
    assert db.session.scalar(sa.select(VenueTravel.minutes)) == 15

    # 2. a delegation, and its focal point invited
    page.goto(f"{base}/GRF27/delegations/new")
    page.fill("input[name=name]", "Freetown")
    page.fill("input[name=country]", "SL")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/GRF27/invitations/")
    page.fill("input[name=email]", "fatmata@freetown.example")
    page.select_option("select[name=role]", "focal_point")
    page.select_option("select[name=delegation_id]", label="Freetown")
    page.click("main button.primary")
    link = page.input_value("#invitation-link")
    assert "/invitation/" in link
    keep_screenshot(page, tmp_path, "first-hour-04-invitation-link")
    _logout(page)

    # 3. the focal point sets a password, adds a delegate and submits
    page.goto(link)
    keep_screenshot(page, tmp_path, "first-hour-05-set-password")
    page.fill("input[name=password]", "a long focal password")
    page.fill("input[name=repeat]", "a long focal password")
    page.click("main button.primary")
    page.wait_for_load_state()
    assert "Welcome to Forum Desk" in page.locator(".flash").first.inner_text()
    page.goto(f"{base}/GRF27/delegations/")  # a focal point lands on their delegation
    page.click("a:has-text('Add a delegate')")
    page.fill("input[name=given_names]", "Yvonne")
    page.fill("input[name=family_name]", "Aki-Sawyerr")
    page.select_option("select[name=level]", "mayor")
    page.fill("input[name=email]", "yvonne@freetown.example")
    page.select_option("select[name=route]", "own_authority")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    db.session.commit()
    person = db.session.scalar(sa.select(Delegate).where(Delegate.family_name == "Aki-Sawyerr"))
    page.goto(f"{base}/GRF27/delegates/{person.id}")
    page.click("button:has-text('Submit')")
    page.wait_for_load_state()
    keep_screenshot(page, tmp_path, "first-hour-06-submitted")
    _logout(page)

    # 4. the administrator approves through the confirm step
    _login(page, base, "admin@example.org")
    page.goto(f"{base}/GRF27/delegates/{person.id}")
    page.click("button:has-text('Approve')")
    confirm = page.locator(".status-confirm")
    assert "Documents missing" in confirm.inner_text()
    assert "No badge type is set." in confirm.inner_text()
    keep_screenshot(page, tmp_path, "first-hour-07-approve-confirm")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Delegate, person.id).accreditation.status == \
        AccreditationStatus.SUBMITTED  # nothing written before the confirmation
    page.fill("textarea[name=note]", "Documents by hand at the desk")
    page.click("button.confirm-status")
    page.wait_for_load_state()
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Delegate, person.id).accreditation.status == \
        AccreditationStatus.APPROVED
    _logout(page)

    # 5. the focal point gets the delegation's feed link
    _login(page, base, "fatmata@freetown.example", "a long focal password")
    page.goto(f"{base}/GRF27/calendar/")
    page.click("button:has-text(\"Get the Freetown delegation's feed link\")")
    feed = page.locator(".feed-link[data-kind=delegation] .feed-url").input_value()
    assert feed.startswith("webcal://")
    keep_screenshot(page, tmp_path, "first-hour-08-feed-link")
    ics = page.request.get(feed.replace("webcal://", "http://", 1))
    assert ics.status == 200 and b"BEGIN:VCALENDAR" in ics.body()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/GRF27/delegations/")
    keep_screenshot(page, tmp_path, "first-hour-09-delegation-390")
    db.session.commit()
    assert db.session.scalar(sa.select(User.role).where(
        User.email == "fatmata@freetown.example")) == Role.FOCAL_POINT
