"""The check-in rule at session doors and through the desk page, the desk's least
privilege, signed badge numbers over their whole input space, and photo checks."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from delegations import roster
from delegations.db import db
from delegations.models import AccreditationStatus, Role
from delegations.photos import PhotoError, prepare_photo
from schedule.badges.checkin import check_in, headcount
from schedule.badges.issue import issue_badge
from schedule.badges.models import SessionAttendance
from schedule.badges.tokens import make_token, read_token
from tests.badge_support import approved, open_forum, photo_bytes
from tests.conftest import PASSWORD

S = AccreditationStatus


@pytest.fixture
def world(app, make_forum, make_delegation, make_delegate, make_session, make_user):
    forum = open_forum(make_forum)
    d = make_delegation(forum, name="Freetown")
    other = make_delegation(forum, name="Montréal")
    mayor = approved(make_delegate, d, given_names="Yvonne", family_name="Aki-Sawyerr")
    roster.set_photo(mayor, app.config["UPLOAD_FOLDER"], photo_bytes(), None)
    guest = approved(make_delegate, other, given_names="Valérie", family_name="Plante")
    now = datetime.now(UTC)
    session = make_session(forum, title="Roundtable 1", start=now - timedelta(minutes=30),
                           end=now + timedelta(minutes=90))
    badge = issue_badge(mayor.accreditation, None)
    guest_badge = issue_badge(guest.accreditation, None)
    desk = make_user(Role.DESK, email="desk@example.org")
    db.session.commit()
    return {"forum": forum, "delegation": d, "mayor": mayor, "session": session,
            "token": make_token(badge.id, badge.version), "badge": badge, "desk": desk,
            "guest_token": make_token(guest_badge.id, 1)}


def test_session_entry_needs_a_collected_badge_and_counts_once(world):
    f, s, token, desk = world["forum"], world["session"], world["token"], world["desk"]
    v = check_in(token, f, desk, session=s)
    assert not v.ok and v.code == "not_collected"
    assert check_in(token, f, desk).code == "collected"
    assert world["mayor"].accreditation.status == S.BADGE_COLLECTED
    v = check_in(token, f, desk, session=s)
    assert v.ok and v.code == "entered"
    v = check_in(token, f, desk, session=s)
    assert v.ok and v.code == "re_entry" and "first entered" in v.message
    assert db.session.scalar(sa.select(sa.func.count(SessionAttendance.id))) == 1
    assert [(x.title, n) for x, n in headcount(f)] == [("Roundtable 1", 1)]
    assert headcount(f, world["delegation"].id)[0][1] == 1


def test_dates_not_yet_valid_and_expired(world):
    f, token, badge = world["forum"], world["token"], world["badge"]
    start = datetime.combine(badge.valid_from, datetime.min.time(), tzinfo=UTC)
    too_early = start - timedelta(days=10)
    v = check_in(token, f, None, now=too_early)
    assert not v.ok and v.code == "not_yet_valid" and "pick-up opens" in v.message
    assert check_in(token, f, None, now=start - timedelta(days=2)).code == "collected"
    v = check_in(token, f, None, session=world["session"], now=start - timedelta(days=2))
    assert not v.ok and v.code == "not_yet_valid" and "valid from" in v.message
    after = datetime.combine(badge.valid_until + timedelta(days=1), datetime.min.time(),
                             tzinfo=UTC) + timedelta(hours=12)
    v = check_in(token, f, None, session=world["session"], now=after)
    assert not v.ok and v.code == "expired"


def test_a_badge_of_another_forum_is_refused(world, make_forum, make_delegation,
                                             make_delegate):
    elsewhere = make_delegation(open_forum(make_forum))
    person = approved(make_delegate, elsewhere)
    b = issue_badge(person.accreditation, None)
    v = check_in(make_token(b.id, 1), world["forum"], None)
    assert not v.ok and v.code == "other_forum"


KEYED = Flask("badge-numbers")  # signing needs only a secret key, not a database
KEYED.config["SECRET_KEY"] = "a test secret"


@settings(max_examples=300, deadline=None)
@given(badge_id=st.integers(1, 10**9), version=st.integers(1, 99_999),
       position=st.integers(0, 40),
       replacement=st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"))
def test_badge_numbers_round_trip_and_any_changed_character_is_refused(
        badge_id, version, position, replacement):
    with KEYED.app_context():
        token = make_token(badge_id, version)
        assert read_token(token) == (badge_id, version)
        assert read_token(token.lower()) == (badge_id, version)
        i = position % len(token)
        forged = token[:i] + replacement + token[i + 1:]
        if forged != token:
            assert read_token(forged) is None


@settings(max_examples=300)
@given(text=st.text(max_size=80))
def test_any_text_is_a_clean_refusal(text):
    with KEYED.app_context():
        read = read_token(text)
        assert read is None or make_token(*read) == "".join(text.split()).upper()


def login(client, email):
    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302


def test_desk_page_checks_in_and_shows_only_the_holder(world, client):
    f = world["forum"].short_name
    login(client, "desk@example.org")
    r = client.get("/", follow_redirects=True)
    assert r.request.path == f"/{f}/desk"
    assert "Badge desk" in r.get_data(as_text=True)
    page = client.post(f"/{f}/desk", data={"badge": world["token"]}).get_data(as_text=True)
    assert "VALID" in page and "Badge handed over" in page and "Yvonne Aki-Sawyerr" in page
    assert "Party" in page and "Badge collected" in page
    photo_url = f"/{f}/desk/photo/{world['token']}"
    assert photo_url in page
    r = client.get(photo_url)
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert r.headers["Cache-Control"] == "private, no-store"
    page = client.post(f"/{f}/desk", data={"badge": world["token"]}).get_data(as_text=True)
    assert "REFUSED" in page and "Already collected" in page
    page = client.post(f"/{f}/desk", data={"badge": "B1-1-AAAAAAAAAA"}).get_data(as_text=True)
    assert "REFUSED" in page and "Not a valid badge number" in page
    assert "Aki-Sawyerr" not in page
    # the desk sees nothing else: no roster, no delegate page, no photo without a number
    mayor = world["mayor"]
    for url in (f"/{f}/delegations/", f"/{f}/delegates/{mayor.id}",
                f"/{f}/delegates/{mayor.id}/photo", f"/{f}/badges/",
                f"/{f}/badges/headcount", f"/{f}/programme/"):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/{f}/desk/photo/B1-1-AAAAAAAAAA").status_code == 404


def test_entry_through_the_page_and_the_coordinators_headcount(world, client, make_user):
    f = world["forum"].short_name
    s = world["session"]
    login(client, "desk@example.org")
    client.post(f"/{f}/desk", data={"badge": world["token"]})
    page = client.post(f"/{f}/desk", data={"badge": world["token"], "session": s.id}
                       ).get_data(as_text=True)
    assert "VALID" in page and "Entry to Roundtable 1 recorded" in page
    assert f'<option value="{s.id}" selected>' in page  # ready for the next person
    client.post("/logout")
    make_user(Role.COORDINATOR, email="coord@example.org")
    login(client, "coord@example.org")
    page = client.get(f"/{f}/badges/headcount").get_data(as_text=True)
    assert "Roundtable 1" in page
    page = client.get(f"/{f}/badges/sessions/{s.id}").get_data(as_text=True)
    assert "Yvonne Aki-Sawyerr" in page and "Freetown" in page


def test_desk_cannot_change_anything_else(world):
    from delegations.accreditation import TransitionError, change_status

    acc = world["mayor"].accreditation
    with pytest.raises(TransitionError, match="badge desk"):
        change_status(acc, S.WITHDRAWN, world["desk"])


def test_office_issues_reissues_and_prints(world, client, make_user, make_delegate):
    f = world["forum"].short_name
    d = world["delegation"]
    newcomer = approved(make_delegate, d, given_names="Kadiatu", family_name="Sesay")
    make_user(Role.COORDINATOR, email="coord@example.org")
    db.session.commit()
    login(client, "coord@example.org")
    page = client.get(f"/{f}/badges/delegations/{d.id}").get_data(as_text=True)
    assert "not issued yet" in page
    r = client.post(f"/{f}/badges/delegations/{d.id}/issue", follow_redirects=True)
    assert "2 badges ready to print." in r.get_data(as_text=True)
    r = client.get(f"/{f}/badges/delegations/{d.id}/badges.pdf?layout=sheet")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert 'filename="' in r.headers["Content-Disposition"]
    r = client.post(f"/{f}/badges/delegates/{newcomer.id}/reissue", data={"reason": "lost"},
                    follow_redirects=True)
    assert "badge re-issued (version 2)" in r.get_data(as_text=True)
    assert client.get(f"/{f}/badges/delegations/{d.id}/badges.pdf?layout=x").status_code == 400


def test_focal_point_sees_own_badges_only(world, client, make_user):
    f = world["forum"].short_name
    d = world["delegation"]
    make_user(Role.FOCAL_POINT, email="fp@example.org", delegation=d)
    login(client, "fp@example.org")
    assert client.get(f"/{f}/badges/delegations/{d.id}").status_code == 200
    other = [x for x in world["forum"].delegations if x.id != d.id][0]
    assert client.get(f"/{f}/badges/delegations/{other.id}").status_code == 403
    assert client.post(f"/{f}/badges/delegations/{d.id}/issue").status_code == 403
    assert client.get(f"/{f}/badges/delegations/{d.id}/badges.pdf").status_code == 403


# --------------------------------------------------------------------------- photos


def test_photo_is_cropped_reencoded_and_loses_exif():
    raw = photo_bytes((1200, 1200), "JPEG", exif=True)
    with Image.open(io.BytesIO(raw)) as img:
        assert img.getexif()[0x010F] == "SecretCam"  # the upload carries camera data
    assert b"SecretCam" in raw
    kept = prepare_photo(raw)
    with Image.open(io.BytesIO(kept)) as img:
        assert img.format == "JPEG"
        assert not img.getexif() and "exif" not in img.info
        w, h = img.size
        assert w == 700 and abs(w / h - 35 / 45) < 0.01
    assert b"SecretCam" not in kept and b"Exif" not in kept


def test_photo_turned_upright_by_its_orientation_tag():
    img = Image.new("RGB", (800, 400), (10, 10, 10))  # stored sideways, EXIF says rotate
    ex = Image.Exif()
    ex[0x0112] = 6
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=ex)
    with Image.open(io.BytesIO(prepare_photo(buf.getvalue()))) as kept:
        assert kept.height > kept.width


@pytest.mark.parametrize(("data", "message"), [
    (photo_bytes((299, 500)), "299 x 500 pixels; a badge needs at least 300 x 400"),
    (photo_bytes((500, 399)), "500 x 399 pixels"),
    (b"GIF89a" + b"\0" * 100, "cannot be read"),
    (photo_bytes((400, 400), "JPEG")[:200], "cannot be read"),
])
def test_photo_refusals_are_clear(data, message):
    with pytest.raises(PhotoError, match=message):
        prepare_photo(data)


def test_huge_image_refused_before_decoding():
    buf = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buf, "PNG")  # a few kB, 81 million pixels
    with pytest.raises(PhotoError, match="million pixels"):
        prepare_photo(buf.getvalue())


def test_transparent_png_kept_on_white():
    buf = io.BytesIO()
    Image.new("RGBA", (350, 450), (0, 0, 0, 0)).save(buf, "PNG")
    with Image.open(io.BytesIO(prepare_photo(buf.getvalue()))) as kept:
        assert kept.getpixel((10, 10)) == (255, 255, 255)


def test_the_desk_speaks_the_desk_officers_language(world, client):
    f = world["forum"].short_name
    login(client, "desk@example.org")
    fr = {"Accept-Language": "fr"}
    page = client.post(f"/{f}/desk", data={"badge": world["token"]}, headers=fr
                       ).get_data(as_text=True)
    assert "VALABLE" in page and "Badge remis : retrait enregistré." in page
    page = client.post(f"/{f}/desk", data={"badge": "B1-1-AAAAAAAAAA"},
                       headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert 'dir="rtl"' in page and "مرفوضة" in page and "رقم شارة غير صالح" in page
