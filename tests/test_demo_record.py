"""The demo forum follows the record: every city, event and person that the record of the
IMRF 2022 names is in the loaded demo, on its day, with the people the record puts there.

The record is ``shared/data/imrf-2022.md`` beside the checkout; the test reads it as it is, so
a change to the record shows up here, and a missing record fails the run."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from conftest import SHARED

from delegations.db import db
from delegations.models import Delegate, Delegation
from schedule.models import Session, SpeakerSlot

RECORD = SHARED / "data" / "imrf-2022.md"
DEMO = Path(__file__).resolve().parent.parent / "schedule" / "demo" / "imrf-2022.json"
NEW_YORK = ZoneInfo("America/New_York")
STOP = {"with", "then", "and", "the", "for", "continued", "from", "into", "a", "of", "in"}
TITLE = re.compile(r"(?:Lord Mayor|Mayor|Ms\.|Mr\.|Prof\.)\s+((?:[A-Z][\w.'\-]*\s?)+)")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _words(title: str) -> set[str]:
    head = re.split(r"[(;]", title)[0]
    return {w for w in re.findall(r"[\w\-]+", _fold(head)) if w not in STOP and (len(w) > 2 or w.isdigit())}


def _table(section: str) -> list[list[str]]:
    text = RECORD.read_text(encoding="utf-8")
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in body.splitlines() if line.startswith("|")]
    return rows[2:]  # header and rule


def _day(cell: str) -> date:
    return date(2022, 5, int(re.search(r"(\d+) May", cell).group(1)))


def _sessions_on(day: date) -> list[Session]:
    return [s for s in db.session.scalars(sa.select(Session))
            if s.starts_at.astimezone(NEW_YORK).date() == day]


def _find(day: date, title: str) -> Session:
    wanted = _words(title)
    found = [s for s in _sessions_on(day)
             if wanted <= set(re.findall(r"[\w\-]+", _fold(s.title)))]
    assert found, f"{title!r} on {day} is not in the demo"
    return found[0]


def _people_in(session: Session) -> set[str]:
    out = set()
    for slot in db.session.scalars(sa.select(SpeakerSlot).where(
            SpeakerSlot.session_id == session.id)):
        if slot.delegate is not None:
            out.add(_fold(f"{slot.delegate.given_names} {slot.delegate.family_name}"))
            out.add(_fold(slot.delegate.delegation.name))
        else:
            out.add(_fold(slot.guest_name))
    return out


def _cities() -> list[str]:
    return [row[0] for row in _table("The local-government delegation")]


def test_the_record_is_there() -> None:
    assert RECORD.is_file(), f"the record of the demo forum is missing: {RECORD}"


def test_every_city_with_its_route(demo_forum: Any) -> None:
    delegations = {_fold(d.name): d for d in db.session.scalars(sa.select(Delegation))}
    rows = _table("The local-government delegation")
    assert len(rows) == 16
    for city, _country, route in rows:
        d = delegations.get(_fold(city))
        assert d is not None, f"{city} is not a delegation of the demo"
        expected = "national_delegation" if route.startswith("national") else "partner_organisation"
        routes = {p.accreditation.route.value for p in d.delegates if p.accreditation}
        assert expected in routes, f"{city}: route {routes} != {expected}"


@pytest.mark.parametrize("row", _table("Official programme (as the report's timetable shows it)")
                         if RECORD.is_file() else [], ids=lambda r: f"{r[0]} {r[1][:30]}")
def test_every_official_session_on_its_day(demo_forum: Any, row: list[str]) -> None:
    day, title, room, _chair = row
    session = _find(_day(day), title)
    assert session.official
    assert session.room is not None and session.room.name == room


@pytest.mark.parametrize("row", _table("Speaker assignments and delegation events")
                         if RECORD.is_file() else [], ids=lambda r: f"{r[0]} {r[1][:30]}")
def test_every_event_with_the_people_the_record_puts_there(demo_forum: Any,
                                                           row: list[str]) -> None:
    day, title, _kind, who = row
    session = _find(_day(day), title)
    people = _people_in(session)
    folded = _fold(who)
    for city in _cities():
        name = _fold(city.split(" (")[0])
        if re.search(rf"\b{re.escape(name)}\b", folded):
            assert any(name in p for p in people), f"{city} is not in {session.title!r}"
    for named in re.findall(r"\(([^)]+)\)", who):
        if named.isupper():  # an organisation's acronym, not a person
            continue
        family = _fold(named.split(",")[0].split()[-1])
        assert any(family in p for p in people), f"{named} is not in {session.title!r}"
    for name in _named_people():
        if _fold(name) in folded:
            assert _fold(name) in people, f"{name} is not in {session.title!r}"


def _named_people() -> list[str]:
    text = RECORD.read_text(encoding="utf-8")
    block = text.split("Named people", 1)[1].split("\n## ", 1)[0]
    return [n.strip() for n in TITLE.findall(block)]


def test_every_named_person_is_somewhere(demo_forum: Any) -> None:
    names = _named_people()
    assert len(names) >= 20
    everyone = {_fold(f"{p.given_names} {p.family_name}")
                for p in db.session.scalars(sa.select(Delegate))}
    everyone |= {_fold(g) for g in db.session.scalars(sa.select(SpeakerSlot.guest_name))}
    missing = [n for n in names if _fold(n) not in everyone]
    assert not missing, f"named in the record, missing from the demo: {missing}"


def _demo_fields(obj: dict[str, Any]) -> set[str]:
    return set(obj.get("demo_data", []))


def test_what_is_invented_is_marked_field_by_field() -> None:
    demo = json.loads(DEMO.read_text(encoding="utf-8"))
    for s in demo["sessions"]:
        marked = _demo_fields(s)
        if not s["official"]:
            assert {"start", "end", "room"} <= marked, s["uid"]
        if s["expected_attendance"] is not None:
            assert "expected_attendance" in marked, s["uid"]
        if any(sp["minutes"] is not None for sp in s["speakers"]):
            assert "speakers.minutes" in marked, s["uid"]
    for venue in demo["venues"]:
        for room in venue["rooms"]:
            assert "capacity" in _demo_fields(room), room["key"]
    assert all("minutes" in _demo_fields(t) for t in demo["travel"])
    for d in demo["delegations"]:
        for p in d["delegates"]:
            assert {"email", "arrival_date", "departure_date"} <= _demo_fields(p), p["key"]
            acc = p["accreditation"]
            assert {"status", "badge_type"} <= _demo_fields(acc), p["key"]
            if acc["route"] == "partner_organisation":
                assert "sponsor" in _demo_fields(acc), p["key"]


SEED = SHARED / "seeds" / "000_435f0aa2681d38a9.txt"
# Who the report's own pages put in each event (beyond the summary table above), in its order.
FROM_THE_REPORT = {
    (date(2022, 5, 18), "Localizing the Global Compacts with a Call to Local Action"): [
        "Sáiz", "Vitorino", "Zanuso", "Goyeneche", "Lukwago", "Rio", "Scharf", "Bälz",
        "Monrovia"],
    (date(2022, 5, 18), "Policy debate"): ["Aki-Sawyerr", "Skeldon", "Venté"],
    (date(2022, 5, 19), "The Migration Multi-Partner Trust Fund"): [
        "Zanuso", "Shahid", "Vitorino", "Ndembet", "Prasad", "Zahneisen", "Kingi", "Ammassari"],
    (date(2022, 5, 17), "UCLG Global Taskforce Local and Regional Governments Day"): [
        "Aki-Sawyerr", "Madlala", "Rio", "Suplicy", "Vandersmissen"],
}


@pytest.mark.parametrize("key", list(FROM_THE_REPORT), ids=lambda k: k[1][:30])
def test_the_report_pages_people_are_in_their_events(demo_forum: Any,
                                                      key: tuple[date, str]) -> None:
    seed = _fold(SEED.read_text(encoding="utf-8"))
    session = _find(*key)
    people = _people_in(session)
    for name in FROM_THE_REPORT[key]:
        assert _fold(name) in seed, f"{name} is not in the report"
        assert any(_fold(name) in p for p in people), f"{name} is not in {session.title!r}"
