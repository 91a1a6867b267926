"""Rosters: create, edit and remove delegations and delegates; forms keep what
was typed; search and sort with Unicode; photo uploads checked by content."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from delegations.accreditation import missing_documents
from delegations.db import db
from delegations.models import (
    AccreditationStatus,
    ChangeLog,
    Delegate,
    Delegation,
    DocumentKind,
    Role,
)
from tests.accr_support import login_as, make_world


@pytest.fixture
def world(make_forum, make_delegation):
    return make_world(make_forum, make_delegation)


@pytest.fixture
def coordinator(client, make_user):
    return login_as(client, make_user, Role.COORDINATOR)


def image_bytes(fmt: str, size=(60, 80)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, fmt)
    return buf.getvalue()


def test_create_edit_remove_delegation(client, world, coordinator):
    r = client.post("/IMRF/delegations/new", data={"name": "", "country": "ZZ",
                                                    "region": "Europe"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert 'value="Europe"' in page and 'value="ZZ"' in page
    assert 'id="name-error"' in page and "ISO 3166" in page
    r = client.post("/IMRF/delegations/new", data={"name": "São Paulo", "country": "BR"})
    assert r.status_code == 400 and "exists already" in r.get_data(as_text=True)
    r = client.post("/IMRF/delegations/new", data={"name": "Kraków", "country": "pl",
                                                   "leading_organisation_id": world.uclg.id})
    assert r.status_code == 302
    d = db.session.scalar(sa.select(Delegation).where(Delegation.name == "Kraków"))
    assert d.country == "PL" and d.leading_organisation_id == world.uclg.id
    page = client.get(f"/IMRF/delegations/{d.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{world.uclg.id}">' in page \
        or f'<option value="{world.uclg.id}" selected>' in page
    r = client.post(f"/IMRF/delegations/{d.id}/edit", data={"name": "Krakow", "country": "PL",
                                                            "region": "Europe"})
    assert r.status_code == 302
    db.session.expire_all()
    assert d.name == "Krakow"
    assert client.post(f"/IMRF/delegations/{d.id}/delete").status_code == 302
    assert db.session.get(Delegation, d.id) is None
    actions = db.session.scalars(sa.select(ChangeLog.action).where(
        ChangeLog.entity == "delegation")).all()
    assert actions == ["create", "update", "delete"]


def test_new_delegate_form_keeps_input_and_shows_errors(client, world, coordinator):
    d = world.delegations["القاهرة"]
    r = client.post(f"/IMRF/delegations/{d.id}/delegates/new", data={
        "given_names": "محمد", "family_name": "", "email": "not-an-email",
        "home_timezone": "Africa/Atlantis", "level": "mayor", "capacity": "head",
        "route": "partner_organisation", "sponsor_id": "",
        "arrival_date": "2022-05-20", "departure_date": "2022-05-10"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert 'value="محمد"' in page and 'value="not-an-email"' in page
    for field in ("family_name", "email", "home_timezone", "departure_date", "sponsor_id"):
        assert f'id="{field}-error"' in page, field
    assert "The partner organisation route needs a sponsor." in page
    assert "Departure is before arrival." in page
    r = client.post(f"/IMRF/delegations/{d.id}/delegates/new", data={
        "given_names": "محمد", "family_name": "عبد الله", "email": "m@example.org",
        "level": "mayor", "capacity": "head", "route": "partner_organisation",
        "sponsor_id": world.uclg.id, "home_timezone": "Africa/Cairo"})
    assert r.status_code == 302
    p = db.session.scalar(sa.select(Delegate).where(Delegate.email == "m@example.org"))
    assert p.family_name == "عبد الله"
    assert p.accreditation.status == AccreditationStatus.DRAFT
    assert p.accreditation.sponsor_id == world.uclg.id
    # the same e-mail twice in a forum is refused, next to the field
    r = client.post(f"/IMRF/delegations/{d.id}/delegates/new", data={
        "given_names": "X", "family_name": "Y", "email": "M@example.org", "level": "mayor",
        "capacity": "head", "route": "own_authority"})
    assert r.status_code == 400 and "Another delegate of this forum has this e-mail." in \
        r.get_data(as_text=True)


def test_edit_and_remove_delegate(client, world, coordinator, make_delegate):
    p = make_delegate(world.delegations["Niš"], given_names="Dragan", family_name="Petrović",
                      sponsor=world.uclg)
    db.session.commit()
    page = client.get(f"/IMRF/delegates/{p.id}/edit").get_data(as_text=True)
    assert 'value="Petrović"' in page
    r = client.post(f"/IMRF/delegates/{p.id}/edit", data={
        "given_names": "Драган", "family_name": "Петровић", "level": "deputy_mayor",
        "capacity": "member", "email": p.email})
    assert r.status_code == 302
    db.session.expire_all()
    assert (p.given_names, p.family_name) == ("Драган", "Петровић")
    r = client.post(f"/IMRF/delegates/{p.id}/accreditation", data={
        "route": "partner_organisation", "sponsor_id": "", "badge_type": "observer"})
    assert r.status_code == 400
    assert "needs a sponsor" in r.get_data(as_text=True)
    r = client.post(f"/IMRF/delegates/{p.id}/accreditation", data={
        "route": "national_delegation", "sponsor_id": world.mission.id,
        "badge_type": "party_overflow", "substitute": "y"})
    assert r.status_code == 302
    db.session.expire_all()
    assert p.accreditation.badge_type.value == "party_overflow" and p.accreditation.substitute
    assert client.post(f"/IMRF/delegates/{p.id}/delete").status_code == 302
    assert db.session.get(Delegate, p.id) is None


def test_search_and_sort_with_unicode(client, world, coordinator, make_delegate):
    make_delegate(world.delegations["São Paulo"], given_names="João", family_name="Conceição")
    make_delegate(world.delegations["Niš"], given_names="Ana", family_name="Ćirić")
    make_delegate(world.delegations["北京"], given_names="小明", family_name="王")
    db.session.commit()
    page = client.get("/IMRF/roster/?q=CONCEIÇÃO").get_data(as_text=True)
    assert "Conceição" in page and "Ćirić" not in page
    page = client.get("/IMRF/roster/?q=北京").get_data(as_text=True)
    assert "王" in page and "Conceição" not in page
    page = client.get("/IMRF/roster/?country=rs").get_data(as_text=True)
    assert "Ćirić" in page and "王" not in page
    page = client.get("/IMRF/roster/?sort=city").get_data(as_text=True)
    assert page.index("Ćirić") < page.index("Conceição") < page.index("王")  # Niš, São, 北京


def test_photo_upload_checked_by_content(client, world, coordinator, make_delegate, app):
    p = make_delegate(world.delegations["Niš"], sponsor=world.uclg)
    db.session.commit()

    def post(data: bytes, name: str):
        return client.post(f"/IMRF/delegates/{p.id}/photo",
                           data={"photo": (io.BytesIO(data), name)},
                           content_type="multipart/form-data", follow_redirects=True)

    page = post(b"<html>not an image</html>", "photo.jpg").get_data(as_text=True)
    assert "must be a JPEG or PNG image" in page
    page = post(b"\x89PNG\r\n\x1a\n" + b"junk" * 10, "photo.png").get_data(as_text=True)
    assert "cannot be read" in page
    big = b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024)
    assert "at most 2 MB" in post(big, "big.jpg").get_data(as_text=True)
    db.session.expire_all()
    assert p.photo_path is None

    page = post(image_bytes("PNG"), "small.png").get_data(as_text=True)
    assert "60 x 80 pixels; a badge needs at least 300 x 400" in page
    db.session.expire_all()
    assert p.photo_path is None

    png = image_bytes("PNG", size=(400, 600))
    page = post(png, "renamed.gif").get_data(as_text=True)
    assert "Photo saved." in page
    db.session.expire_all()
    stored = Path(app.config["UPLOAD_FOLDER"]) / p.photo_path
    # kept re-encoded as a JPEG at the passport ratio (35 x 45), whatever came in
    assert stored.suffix == ".jpg"
    with Image.open(stored) as kept:
        assert kept.format == "JPEG" and kept.size == (400, 514)
    assert "static" not in str(stored)
    r = client.get(f"/IMRF/delegates/{p.id}/photo")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert r.data == stored.read_bytes()
    assert r.headers["Cache-Control"] == "private, no-store"
    assert DocumentKind.PHOTO not in missing_documents(p.accreditation)
    # JPEG too, replacing the old file
    jpg = image_bytes("JPEG", size=(600, 800))
    post(jpg, "me.jpeg")
    db.session.expire_all()
    assert not stored.exists()
    assert client.get(f"/IMRF/delegates/{p.id}/photo").mimetype == "image/jpeg"


def test_document_upload_and_download(client, world, coordinator, make_delegate):
    p = make_delegate(world.delegations["Niš"], sponsor=world.uclg)
    db.session.commit()
    pdf = b"%PDF-1.4\n%%EOF\n"
    r = client.post(f"/IMRF/delegates/{p.id}/documents", data={
        "kind": "nomination_letter", "file": (io.BytesIO(pdf), "letter.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Nomination letter uploaded." in r.get_data(as_text=True)
    r = client.get(f"/IMRF/delegates/{p.id}/document?kind=nomination_letter")
    assert r.status_code == 200 and r.data == pdf and r.mimetype == "application/pdf"
    r = client.post(f"/IMRF/delegates/{p.id}/documents", data={
        "kind": "passport_bio_page", "file": (io.BytesIO(b"MZ\x90\x00exe"), "passport.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Documents must be PDF, JPEG or PNG files." in r.get_data(as_text=True)
    r = client.post(f"/IMRF/delegates/{p.id}/documents", data={"kind": "passport_bio_page"},
                    follow_redirects=True)
    assert "Passport bio page: marked received." in r.get_data(as_text=True)
