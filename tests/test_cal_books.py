"""Briefing books: real WeasyPrint PDFs read back with pdf-check (poppler + pypdf) and
pypdf: names, sections, bookmarks, embedded fonts, escaping, editions and changes."""

from __future__ import annotations

import io
from datetime import date, time
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from delegations.db import db
from delegations.models import Delegate, Delegation, Role
from delegations.pdf import StaticOnlyFetcher, html_to_pdf
from delegations.timeutil import local_to_utc
from schedule.models import BriefingBookEdition, SpeakerRole, SpeakerSlot
from schedule.services import cancel_session, update_session
from tests.books_support import make_and_get
from tests.cal_support import pdf_check
from tests.conftest import keep_artifact

SECTIONS = ["Contents", "Changes since the last edition", "Agenda, day by day", "Briefs",
            "Who's who", "Delegation roster and contact sheet", "Accreditation and badges"]


def ny(day: int, hh: int, mm: int = 0):
    return local_to_utc(date(2022, 5, day), time(hh, mm), "America/New_York")


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def outline_titles(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    out: list[str] = []

    def walk(items):
        for it in items:
            if isinstance(it, list):
                walk(it)
            else:
                out.append(it.title)
    walk(reader.outline)
    return out


def fonts_embedded(pdf: bytes) -> list[tuple[str, bool]]:
    reader = PdfReader(io.BytesIO(pdf))
    found = {}
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            found[str(font.get("/BaseFont"))] = any(
                k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return sorted(found.items())


@pytest.fixture
def book_world(make_forum, make_delegation, make_delegate, make_venue, make_session,
               make_user, make_organisation):
    forum = make_forum(short_name="NY22", name="International Migration Review Forum 2022")
    venue = make_venue(forum, rooms=2, name="UN Headquarters",
                       address="405 East 42nd Street, New York",
                       access_instructions="Enter at the 46th Street visitors' gate.")
    dhaka = make_delegation(forum, name="Dhaka North", focal_point_name="Rahima Focal",
                            focal_point_phone="+880 1700 000000")
    other = make_delegation(forum, name="São Paulo")
    sponsor = make_organisation(name="Mayors Migration Council")
    mayor = make_delegate(dhaka, given_names="Md. Atiqul", family_name="Islam",
                          honorific="Mayor", function="Mayor of Dhaka North City Corporation",
                          home_timezone="Asia/Dhaka", mobile="+880 1711 111111",
                          sponsor=sponsor, email="atiqul@example.org")
    aide = make_delegate(dhaka, given_names="আতিকুল", family_name="ইসলাম", capacity="adviser",
                         function="Adviser", email="aide@example.org")
    guest = make_delegate(other, given_names="Zhang", family_name="张伟",
                          function="Secretary for International Relations")
    s1 = make_session(forum, start=ny(17, 10), end=ny(17, 11, 30),
                      title="<script>alert('x')</script> Local action dialogue",
                      room=venue.rooms[0], speakers=[mayor, guest], chairs="Co-chair: IOM",
                      objectives="Secure a mention of cities in the progress declaration.",
                      points_to_make="1. Dhaka North hosts 40,000 climate migrants a year.",
                      press_line="Cities deliver the Compact.",
                      background="Second meeting with this group since 2021.")
    s1.speaker_slots[0].minutes = 5
    s2 = make_session(forum, start=ny(18, 9), end=ny(18, 9, 45), title="Bilateral with Freetown",
                      private=True, room=venue.rooms[1], speakers=[mayor, aide])
    s2.speaker_slots.append(SpeakerSlot(guest_name="Yvonne Aki-Sawyerr", guest_function=
                                        "Mayor of Freetown", role=SpeakerRole.PARTICIPANT))
    s3 = make_session(forum, start=ny(19, 15), end=ny(19, 16), title="Press conference",
                      speakers=[aide], room=venue.rooms[0])
    db.session.commit()
    make_user(Role.COORDINATOR, email="c@example.org")
    make_user(Role.DELEGATE, email="da@example.org", delegate=mayor)
    return {"forum": forum, "dhaka": dhaka, "mayor": mayor, "aide": aide, "s1": s1,
            "s2": s2, "s3": s3}


def save(pdf: bytes, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def test_delegation_book_contents(app, client, auth, book_world, tmp_path):
    auth.login("c@example.org")
    r = make_and_get(client, app, f"/NY22/books/delegations/{book_world['dhaka'].id}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "Dhaka-North-ed1.pdf" in r.headers["Content-Disposition"]
    pdf = r.data
    text = text_of(pdf)
    for section in SECTIONS:
        assert section in text
    for name in ("Mayor Md. Atiqul Islam", "Zhang 张伟", "Yvonne Aki-Sawyerr",
                 "Mayor of Dhaka North City Corporation", "Rahima Focal", "+880 1711 111111",
                 "Mayors Migration Council", "Enter at the 46th Street visitors' gate.",
                 "Secure a mention of cities", "Cities deliver the Compact.",
                 "Through a partner organisation"):
        assert name in text, name
    # the title prints as text, tags and all
    assert "<script>alert('x')</script> Local action dialogue" in text
    # word budget at 120 words a minute; home time beside venue time (Dhaka, UTC+6)
    assert "5 min ≈ 600 words" in text
    assert "10:00–11:30" in text and "20:00–21:30 +06" in text
    titles = outline_titles(pdf)
    for want in ("Cover", "Agenda, day by day", "Tuesday 17 May 2022", "Wednesday 18 May 2022",
                 "Thursday 19 May 2022", "Briefs", "Bilateral with Freetown", "Who's who",
                 "Accreditation and badges"):
        assert want in titles, want
    fonts = fonts_embedded(pdf)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert any("Noto" in f for f, _ in fonts)
    reader = PdfReader(io.BytesIO(pdf))
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4
    path = save(pdf, tmp_path, "dhaka.pdf")
    out = pdf_check(path, "Mayor Md. Atiqul Islam", "ইসলাম", "Zhang 张伟",
                    "<script>alert('x')</script>", *SECTIONS, png=tmp_path / "png", min_pages=6)
    if out is not None:
        assert "A4" in out and "outline: yes" in out
        for png in sorted((tmp_path / "png").glob("page-*.png"))[:6]:
            keep_artifact(png, f"factory-book-{png.name}")


def test_delegate_book_and_letter_paper(app, client, auth, book_world, tmp_path):
    auth.login("da@example.org")
    mayor = book_world["mayor"]
    pdf = make_and_get(client, app, f"/NY22/books/delegates/{mayor.id}.pdf?paper=letter").data
    reader = PdfReader(io.BytesIO(pdf))
    assert (round(float(reader.pages[0].mediabox.width)),
            round(float(reader.pages[0].mediabox.height))) == (612, 792)
    text = text_of(pdf)
    assert "PREPARED FOR" in text and "Mayor Md. Atiqul Islam" in text
    assert "Your role" in text
    assert "Press conference" not in text  # the aide's engagement, not the mayor's
    assert "Page 2 of" in text and "International Migration Review Forum 2022" in text
    path = save(pdf, tmp_path, "mayor.pdf")
    out = pdf_check(path, "PREPARED FOR", "Your role")
    if out is not None:
        assert "Letter" in out


def test_editions_are_stored_and_changes_listed(app, client, auth, book_world):
    auth.login("c@example.org")
    url = f"/NY22/books/delegations/{book_world['dhaka'].id}.pdf"
    # a GET never makes an edition: it offers the POST that does
    r = client.get(url)
    assert r.status_code == 409 and b"has no edition yet" in r.data
    assert db.session.scalar(sa.select(sa.func.count(BriefingBookEdition.id))) == 0
    first = make_and_get(client, app, url).data
    assert "This is the first edition" in text_of(first)
    # unchanged data: the stored file, byte for byte, no new edition, even when asked
    assert client.get(url).data == first
    assert make_and_get(client, app, url).data == first
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(BriefingBookEdition.id))) == 1
    update_session(book_world["s1"], None, starts_at=ny(17, 14), ends_at=ny(17, 15, 30))
    cancel_session(book_world["s3"], None)
    db.session.commit()
    stale = client.get(url)
    assert stale.status_code == 409 and b"changed since edition 1" in stale.data
    second = make_and_get(client, app, url)
    assert "ed2" in second.headers["Content-Disposition"]
    text = text_of(second.data)
    assert "Since edition 1" in text
    assert "Moved" in text and "now Tue 17 May 2022, 14:00 EDT" in text
    assert "was Tue 17 May 2022, 10:00 EDT" in text
    assert "Cancelled Press conference" in text
    editions = db.session.scalars(sa.select(BriefingBookEdition)
                                  .order_by(BriefingBookEdition.number)).all()
    assert [e.number for e in editions] == [1, 2]
    assert editions[1].snapshot["sessions"][book_world["s3"].uid]["status"] == "cancelled"


def test_url_fetcher_refuses_files_and_outside_urls(app, tmp_path):
    fetcher = StaticOnlyFetcher(app.static_folder)
    for url in ("file:///etc/passwd", "http://example.org/x.png",
                "https://example.org/static/app.css",
                "https://forum-desk.invalid/static/../../../etc/passwd",
                "https://forum-desk.invalid/other/app.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    ok = fetcher.fetch("https://forum-desk.invalid/static/app.css")
    assert b"Calendars and briefing books" in ok.read()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    html = (f'<p>Hello</p><img src="file://{secret}"><iframe src="file://{secret}"></iframe>'
            f'<object data="file://{secret}"></object>'
            f'<link rel="stylesheet" href="file://{secret}">')
    pdf = html_to_pdf(html, static_folder=app.static_folder)
    assert "Hello" in text_of(pdf) and "TOP-SECRET" not in text_of(pdf)


def test_cli_builds_books(app, runner, book_world, tmp_path):
    out = tmp_path / "books"
    res = runner.invoke(args=["books", "build", "--delegation", "Dhaka North", "--out", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(args=["books", "build", "--delegate", "atiqul@example.org",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(args=["books", "build", "--all", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Briefing books" in res.output  # the progress bar's label
    names = sorted(p.name for p in out.glob("*.pdf"))
    n_people = db.session.scalar(sa.select(sa.func.count(Delegate.id)))
    n_delegations = db.session.scalar(sa.select(sa.func.count(Delegation.id)))
    assert len(names) == n_people + n_delegations
    assert "NY22-briefing-Dhaka-North-ed1.pdf" in names
    res = runner.invoke(args=["books", "build", "--out", str(out)])
    assert res.exit_code != 0


def test_demo_delegation_book(app, client, auth, demo_forum, tmp_path):
    auth.login("focal.freetown@demo.forumdesk.example")
    freetown = db.session.scalar(sa.select(Delegation).where(Delegation.name == "Freetown"))
    pdf = make_and_get(client, app,
                       f"/{demo_forum.short_name}/books/delegations/{freetown.id}.pdf").data
    text = text_of(pdf)
    for want in ("Yvonne Aki-Sawyerr", "Freetown", "International Migration Review Forum 2022",
                 *SECTIONS):
        assert want in text, want
    assert "Africa/Freetown" in text  # the home-time column's zone
    titles = outline_titles(pdf)
    assert "Tuesday 17 May 2022" in titles and "Briefs" in titles
    assert all(embedded for _, embedded in fonts_embedded(pdf))
    path = save(pdf, tmp_path, "freetown.pdf")
    out = pdf_check(path, "Mayor Yvonne Aki-Sawyerr", "Md. Atiqul Islam", *SECTIONS,
                    png=tmp_path / "png", min_pages=8)
    if out is not None:
        for png in (tmp_path / "png").glob("page-*.png"):
            keep_artifact(png, f"demo-freetown-{png.name}")
    auth.logout()
    auth.login("delegate@demo.forumdesk.example")
    me = db.session.scalar(sa.select(Delegate).where(
        Delegate.email == "yvonne.aki-sawyerr@demo.forumdesk.example"))
    r = make_and_get(client, app, f"/{demo_forum.short_name}/books/delegates/{me.id}.pdf")
    assert "PREPARED FOR" in text_of(r.data)
