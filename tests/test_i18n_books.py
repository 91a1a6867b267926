"""Books and lists in the reader's language: an Arabic briefing book and a French list of
participants checked with ../shared/tools/pdf-check and poppler's pdftotext; the CLI's
--lang; names as people write them ("WANG Xiaoming", sorted under W)."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from delegations.db import db
from delegations.models import Capacity, DelegationCategory, Level, NameOrder
from delegations.participants import participants, participants_pdf
from schedule import briefing
from schedule.models import SpeakerRole, SpeakerSlot
from tests.cal_support import pdf_check
from tests.conftest import keep_artifact


def pdftotext(path: Path) -> str:
    r = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return " ".join(r.stdout.split())


def outline_titles(pdf: bytes) -> list[str]:
    def walk(items):
        for it in items:
            if isinstance(it, list):
                yield from walk(it)
            else:
                yield it.title
    return list(walk(PdfReader(io.BytesIO(pdf)).outline))


@pytest.fixture
def world(make_forum, make_delegation, make_delegate, make_venue, make_session):
    forum = make_forum(name="International Migration Review Forum 2022", short_name="IMRF")
    # countries whose order differs in French: Allemagne, Égypte, Espagne, États-Unis
    # (English: Egypt, Germany, Spain, United States)
    cities = {name: make_delegation(forum=forum, name=name, country=cc,
                                    category=DelegationCategory.MEMBER_STATE)
              for name, cc in (("Cairo", "EG"), ("Berlin", "DE"), ("Madrid", "ES"),
                               ("Los Angeles", "US"), ("Beijing", "CN"))}
    beijing = cities["Beijing"]
    wang = make_delegate(beijing, given_names="Xiaoming", family_name="Wang",
                         name_order=NameOrder.FAMILY_FIRST, original_name="王小明",
                         level=Level.OFFICIAL, capacity=Capacity.MEMBER)
    make_delegate(beijing, given_names="Anna", family_name="Zimmermann",
                  level=Level.OFFICIAL, capacity=Capacity.MEMBER)
    make_delegate(beijing, given_names="Élodie", family_name="Ébert",
                  level=Level.OFFICIAL, capacity=Capacity.MEMBER)
    make_delegate(beijing, given_names="Emma", family_name="Eastwood",
                  level=Level.OFFICIAL, capacity=Capacity.MEMBER)
    cairo = make_delegate(cities["Cairo"], given_names="Mohamed", family_name="Abdallah",
                          original_name="محمد عبد الله", languages="ar, en",
                          function="رئيس البلدية", level=Level.MAYOR, capacity=Capacity.HEAD)
    for c in ("Berlin", "Madrid", "Los Angeles"):
        make_delegate(cities[c], given_names="Head", family_name=c, level=Level.MAYOR,
                      capacity=Capacity.HEAD)
    venue = make_venue(forum, rooms=1)
    s = make_session(forum, title="Roundtable 1", room=venue.rooms[0],
                     start=datetime(2022, 5, 17, 14, tzinfo=UTC),
                     end=datetime(2022, 5, 17, 17, tzinfo=UTC))
    s.speaker_slots.append(SpeakerSlot(delegate=cairo, role=SpeakerRole.SPEAKER, order=2,
                                       minutes=5))
    s.speaker_slots.append(SpeakerSlot(delegate=wang, role=SpeakerRole.PANELLIST, order=1,
                                       minutes=4))
    db.session.commit()
    return {"forum": forum, "cairo": cairo, "wang": wang, "beijing": beijing}


def test_french_list_in_french_order_passes_pdf_check(app, world, tmp_path):
    forum = world["forum"]
    with_french = [e.delegation.name for e in _entries(forum, "fr")]
    assert with_french == ["Berlin", "Beijing", "Cairo", "Madrid", "Los Angeles"]
    # Allemagne, Chine, Égypte, Espagne, États-Unis (É sorts with E, not after Z)
    assert [e.delegation.name for e in _entries(forum, "en")] == \
        ["Beijing", "Cairo", "Berlin", "Madrid", "Los Angeles"]
    pdf = participants_pdf(forum, lang="fr")
    path = tmp_path / "liste-des-participants.pdf"
    path.write_bytes(pdf)
    out = pdf_check(path, "Liste des participants", "Allemagne", "Égypte", "États-Unis",
                    "WANG Xiaoming", "CHEF DE DÉLÉGATION", png=tmp_path / "png")
    text = pdftotext(path)
    countries = [text.index(c) for c in ("Allemagne", "Chine", "Égypte", "Espagne",
                                         "États-Unis")]
    assert countries == sorted(countries)
    # within Beijing's delegation (same capacity and level): Eastwood, Ébert, Wang, Zimmermann
    order = [text.index(n) for n in ("Emma Eastwood", "Élodie Ébert", "WANG Xiaoming",
                                     "Anna Zimmermann")]
    assert order == sorted(order)
    assert "Page 1 sur" in text
    if out is not None:
        keep_artifact(tmp_path / "png" / "page-1.png", "participants-fr-page-1.png")


def _entries(forum, lang):
    from delegations.i18n import language

    with language(lang):
        return [e for group in participants(forum, lang) for e in group.delegations]


def test_arabic_book_in_the_delegate_language_passes_pdf_check(app, world, tmp_path):
    forum, cairo = world["forum"], world["cairo"]
    book = briefing.current_edition(forum, delegate=cairo)  # languages "ar, en": Arabic
    db.session.commit()
    path = tmp_path / "book-ar.pdf"
    path.write_bytes(book.edition.pdf)
    pdf_check(path, "ملف الإحاطة", "المحتويات", "يوما بيوم", "الثلاثاء", "10:00–13:00",
              "محمد عبد الله", "Roundtable 1", png=tmp_path / "png", min_pages=3)
    text = pdftotext(path)
    # logical (reading) order, as typed: whole phrases come out as written
    for phrase in ("التغييرات منذ الإصدار السابق", "أعد من أجل", "رئيس البلدية",
                   "الاعتماد والشارات", "قائمة أعضاء الوفد وبيانات الاتصال"):
        assert phrase in text, phrase
    # pdftotext moves an Arabic comma across the space after it and wraps it in bidi
    # marks; the words themselves come out in reading order
    words = re.sub(r"[\u202a-\u202e،]", " ", text).split()
    assert " الجدول يوما بيوم " in f" {' '.join(words)} "
    assert " الثلاثاء 17 مايو 2022 " in f" {' '.join(words)} "
    assert " الوقت المخصص للكلمة 5 دقيقة " in f" {' '.join(words)} "
    titles = outline_titles(book.edition.pdf)
    for title in ("الغلاف", "المحتويات", "الجدول، يوما بيوم", "الاعتماد والشارات"):
        assert title in titles, titles
    keep_artifact(tmp_path / "png" / "page-1.png", "book-ar-page-1.png")
    keep_artifact(sorted((tmp_path / "png").glob("page-*.png"))[3],
                  "book-ar-page-4.png")


def test_a_coordinator_picks_the_book_language(app, world):
    forum, cairo = world["forum"], world["cairo"]
    fr = briefing.current_edition(forum, delegate=cairo, lang="fr")
    ar = briefing.current_edition(forum, delegate=cairo)
    db.session.commit()
    assert fr.edition.fingerprint != ar.edition.fingerprint
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(fr.edition.pdf)).pages)
    assert "DOSSIER D’INFORMATION" in text and "Sommaire" in text
    # asking again for the same language serves the stored edition
    again = briefing.current_edition(forum, delegate=cairo, lang="fr")
    assert again.fresh is False and again.edition.id == fr.edition.id


def test_cli_speaks_the_language_asked_for(app, runner, world, tmp_path):
    r = runner.invoke(args=["roster", "participants", "--out", str(tmp_path / "l.pdf"),
                            "--forum", "IMRF", "--lang", "fr"])
    assert r.exit_code == 0, r.output
    assert "Liste des participants de IMRF (8 personnes) écrite dans" in r.output
    text = " ".join(p.extract_text() for p in PdfReader(tmp_path / "l.pdf").pages)
    assert "Liste des participants" in text
    r = runner.invoke(args=["books", "build", "--delegate", world["wang"].email,
                            "--out", str(tmp_path / "books"), "--lang", "ar"])
    assert r.exit_code == 0, r.output
    assert "كتب ملف إحاطة واحد في" in r.output
    (pdf,) = (tmp_path / "books").glob("*.pdf")
    assert "ملف الإحاطة" in pdftotext(pdf)


def test_a_family_name_first_prints_and_sorts_under_its_family_name(app, world):
    entries = {e.delegation.name: e for g in participants(world["forum"]) for e in g.delegations}
    names = [p.full_name for p in entries["Beijing"].people]
    assert names == ["Emma Eastwood", "Élodie Ébert", "WANG Xiaoming", "Anna Zimmermann"]
    book = briefing.current_edition(world["forum"], delegation=world["beijing"], lang="en")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(book.edition.pdf)).pages)
    assert "WANG Xiaoming" in text
