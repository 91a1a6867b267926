"""Briefing books: one PDF per delegate or per delegation, printed with WeasyPrint.

Three steps, kept apart:

- ``gather_book`` runs the queries and returns plain, JSON-able data (no ORM objects), so
  its hash is the fingerprint of the inputs and its sessions are the edition's snapshot;
- ``book_html`` renders that data with ``templates/books/book.html`` (Jinja autoescaping:
  every user string prints as text);
- ``delegations.pdf.html_to_pdf`` prints HTML to PDF bytes with the one safe URL fetcher
  (only the app's own static files; no ``file:``, no network).

``current_edition`` stores each rendering as a ``BriefingBookEdition``: unchanged data
serves the stored PDF; changed data makes the next edition, with a "changes since the last
edition" section computed against the previous edition's snapshot.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from delegations.db import db, utcnow
from delegations.i18n import collated, first_known, known, language, ordinal, sort_key
from delegations.models import (
    Accreditation,
    Deadline,
    DeadlineKind,
    Delegate,
    Delegation,
    Forum,
    Route,
    User,
)
from delegations.pdf import html_to_pdf
from delegations.timeutil import to_zone

from . import speaking
from .ical import location
from .models import BriefingBookEdition, Room, Session, SpeakerSlot

WORDS_PER_MINUTE = 120
PAPERS = {"A4": "A4", "LETTER": "Letter"}

ROUTE_INSTRUCTIONS: dict[str, list[Any]] = {  # lazy: translated in the book's language
    Route.NATIONAL_DELEGATION.value: [
        _l("Your name is on the national delegation list sent by the Permanent Mission "
           "(Note Verbale). The Mission's protocol officer collects or arranges the badge."),
        _l("Badges are issued by the host's accreditation office on presentation of your "
           "passport; bring the same passport as on the nomination."),
        _l("Wear the badge at all times inside the venue; report a lost badge at once."),
    ],
    Route.PARTNER_ORGANISATION.value: [
        _l("You are accredited through the partner organisation named below, within its quota. "
           "Keep its acknowledgement letter with you."),
        _l("Collect the badge in person at the badge pick-up point with your passport "
           "(the name must match the nomination exactly)."),
        _l("Some rooms need a secondary pass: ask the partner's focal point before the day."),
    ],
    Route.OWN_AUTHORITY.value: [
        _l("Your organisation is accredited in its own name; the registration focal point "
           "confirms the nomination."),
        _l("Collect the badge in person with your passport and the confirmation e-mail."),
        _l("Wear the badge at all times inside the venue; report a lost badge at once."),
    ],
}


# --------------------------------------------------------------------------- data


def _slot(sl: SpeakerSlot, kind: Any, limits: dict[Any, int | None]) -> dict[str, Any]:
    p = sl.delegate
    limit = speaking.slot_limit(sl.role, kind, sl.minutes, limits)
    return {
        "delegate_id": sl.delegate_id,
        "name": sl.speaker_name,
        "function": sl.speaker_function,
        "organisation": (p.organisation.name if p is not None and p.organisation
                         else (p.delegation.name if p is not None else "")),
        "delegation": p.delegation.name if p is not None else "",
        "role": sl.role.label,
        "order": sl.order or None,
        "order_text": ordinal(sl.order) if sl.order else "",
        # speakers get a time limit and a word budget; whoever runs the session, a line
        "minutes": limit,
        "words": (limit or 0) * WORDS_PER_MINUTE or None,
        "chairs": sl.role in speaking.CHAIR_ROLES,
        "remote": sl.remote,
        "notes": sl.notes,
    }


def _session(s: Session, tz: str, ours: set[int],
             limits: dict[Any, int | None]) -> dict[str, Any]:
    room = s.room
    venue = room.venue if room is not None else None
    return {
        "id": s.id,
        "uid": s.uid,
        "title": s.title,
        "kind": s.kind.label,
        "official": s.official,
        "private": s.private,
        "status": s.status.value,
        "status_label": s.status.label,
        "revision": s.revision,
        "starts_at": s.starts_at.astimezone(UTC).isoformat(),
        "ends_at": s.ends_at.astimezone(UTC).isoformat(),
        "day": to_zone(s.starts_at, tz).date().isoformat(),
        "minutes": s.minutes,
        "room": room.name if room is not None else "",
        "venue": venue.name if venue is not None else "",
        "address": venue.address if venue is not None else "",
        "location": location(s),
        "online_link": s.online_link,
        "organiser": s.organiser,
        "chairs": s.chairs,
        "background": s.background,
        "objectives": s.objectives,
        "points_to_make": s.points_to_make,
        "press_line": s.press_line,
        "ours": [_slot(sl, s.kind, limits) for sl in s.speaker_slots if sl.delegate_id in ours],
        "others": [_slot(sl, s.kind, limits) for sl in s.speaker_slots
                   if sl.delegate_id not in ours],
    }


def _person(p: Delegate, forum_id: int) -> dict[str, Any]:
    acc = next((a for a in p.accreditations if a.forum_id == forum_id), None)
    return {
        "id": p.id,
        "name": p.display_name,
        "original_name": p.original_name,
        "function": p.function,
        "organisation": p.organisation.name if p.organisation else "",
        "level": p.level.label,
        "level_rank": p.level.rank,
        "capacity": p.capacity.label,
        "capacity_rank": p.capacity.rank,
        "email": p.email or "",
        "mobile": p.mobile,
        "languages": p.languages,
        "home_timezone": p.home_timezone or "",
        "arrival": p.arrival_date.isoformat() if p.arrival_date else "",
        "departure": p.departure_date.isoformat() if p.departure_date else "",
        "route": acc.route.value if acc else "",
        "route_label": acc.route.label if acc else _("No accreditation on file"),
        "status": acc.status.label if acc else "",
        "badge": acc.badge_type.label if acc and acc.badge_type else "",
        "sponsor": acc.sponsor.name if acc and acc.sponsor else "",
    }


def gather_book(forum: Forum, *, delegate: Delegate | None = None,
                delegation: Delegation | None = None) -> dict[str, Any]:
    """Everything a book shows, as plain data (a handful of queries, none per row)."""
    if (delegate is None) == (delegation is None):
        raise ValueError("a briefing book is for one delegate or one delegation")
    delegation = delegation or delegate.delegation  # type: ignore[union-attr]
    members = list(db.session.scalars(
        sa.select(Delegate).where(Delegate.delegation_id == delegation.id)
        .options(selectinload(Delegate.accreditations).selectinload(Accreditation.sponsor),
                 selectinload(Delegate.organisation))))
    members.sort(key=lambda p: (p.capacity.rank, p.level.rank, sort_key(p.sort_name)))
    ours = {delegate.id} if delegate is not None else {p.id for p in members}
    sessions = list(db.session.scalars(
        sa.select(Session).where(
            Session.forum_id == forum.id,
            Session.id.in_(sa.select(SpeakerSlot.session_id)
                           .where(SpeakerSlot.delegate_id.in_(ours))))
        .options(selectinload(Session.room).selectinload(Room.venue),
                 selectinload(Session.speaker_slots).selectinload(SpeakerSlot.delegate)
                 .options(selectinload(Delegate.delegation),
                          selectinload(Delegate.organisation)))
        .order_by(Session.starts_at, Session.id)))
    tz = forum.timezone
    limits = speaking.limits(forum.id)
    engagements = [_session(s, tz, ours, limits) for s in sessions]

    principal = delegate or (members[0] if members else None)
    home_tz = principal.home_timezone if principal is not None else None
    if not home_tz:
        home_tz = next((p.home_timezone for p in members if p.home_timezone), None)

    # who's who: everyone the delegation meets, once, in protocol-ish order of appearance
    whos: dict[str, dict[str, Any]] = {}
    for e in engagements:
        for o in e["others"]:
            k = f"d{o['delegate_id']}" if o["delegate_id"] else f"g{o['name']}"
            w = whos.setdefault(k, {"name": o["name"], "function": o["function"],
                                    "organisation": o["organisation"], "sessions": []})
            if e["title"] not in w["sessions"]:
                w["sessions"].append(e["title"])
    whos_who = collated(whos.values(),
                        key=lambda w: " ".join(w["name"].split()[-1:] + [w["name"]]))

    people = [_person(p, forum.id) for p in members]
    if delegate is not None:
        people_shown = [p for p in people if p["id"] == delegate.id] + \
                       [p for p in people if p["id"] != delegate.id]
    else:
        people_shown = people
    routes: dict[str, dict[str, Any]] = {}
    for p in people_shown:
        if delegate is not None and p["id"] != delegate.id:
            continue
        r = routes.setdefault(p["route"] or "none", {
            "label": p["route_label"],
            "instructions": [str(x) for x in ROUTE_INSTRUCTIONS.get(p["route"], [])],
            "people": []})
        r["people"].append(p)

    venues = []
    seen: set[int] = set()
    for s in sessions:
        if s.room is not None and s.room.venue_id not in seen:
            seen.add(s.room.venue_id)
            v = s.room.venue
            venues.append({"name": v.name, "address": v.address,
                           "access": v.access_instructions})
    deadlines = [
        {"title": d.title, "kind": d.kind.label, "due_at": d.due_at.isoformat(),
         "notes": d.notes}
        for d in db.session.scalars(
            sa.select(Deadline).where(Deadline.forum_id == forum.id,
                                      Deadline.kind == DeadlineKind.BADGE_PICKUP)
            .order_by(Deadline.due_at))
    ]

    return {
        "scope": "delegate" if delegate is not None else "delegation",
        "owner_id": delegate.id if delegate is not None else delegation.id,
        "forum": {"name": forum.name, "short_name": forum.short_name, "timezone": tz,
                  "host_city": forum.host_city, "start": forum.start_date.isoformat(),
                  "end": forum.end_date.isoformat()},
        "delegation": {"name": delegation.name,
                       "focal_point_name": delegation.focal_point_name,
                       "focal_point_email": delegation.focal_point_email,
                       "focal_point_phone": delegation.focal_point_phone,
                       "leading_organisation": (delegation.leading_organisation.name
                                                if delegation.leading_organisation else "")},
        "principal": _person(principal, forum.id) if principal is not None else None,
        "home_tz": home_tz if home_tz and home_tz != tz else None,
        "engagements": engagements,
        "whos_who": whos_who,
        "roster": people_shown,
        "routes": list(routes.values()),
        "venues": venues,
        "deadlines": deadlines,
    }


def fingerprint(data: dict[str, Any], paper: str, lang: str = "en") -> str:
    raw = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{paper}\n{lang}\n{raw}".encode()).hexdigest()


def book_language(forum: Forum, *, delegate: Delegate | None = None,
                  delegation: Delegation | None = None, lang: str | None = None) -> str:
    """``lang`` when a coordinator picked one, else the delegate's first language that we
    have (for a delegation's book, its head's), else the forum's language, else English."""
    if known(lang):
        return known(lang)  # type: ignore[return-value]
    person = delegate
    if person is None and delegation is not None:
        members = sorted(delegation.delegates, key=lambda p: (p.capacity.rank, p.level.rank))
        person = members[0] if members else None
    return (first_known(person.languages if person is not None else None)
            or known(forum.language) or "en")


def snapshot(data: dict[str, Any]) -> dict[str, Any]:
    """What the next edition compares against: each session as issued."""
    return {"sessions": {e["uid"]: {k: e[k] for k in (
        "title", "starts_at", "ends_at", "status", "location", "revision")}
        for e in data["engagements"]}}


def changes_since(previous: dict[str, Any] | None, data: dict[str, Any]) -> dict[str, list]:
    """Sessions added, moved, cancelled, changed or dropped since ``previous``."""
    out: dict[str, list[dict[str, Any]]] = {
        "added": [], "moved": [], "cancelled": [], "changed": [], "removed": []}
    if previous is None:
        return out
    before = previous.get("sessions", {})
    now = {e["uid"]: e for e in data["engagements"]}
    for uid, e in now.items():
        old = before.get(uid)
        if old is None:
            out["added"].append({"title": e["title"], "starts_at": e["starts_at"]})
        elif e["status"] == "cancelled" and old["status"] != "cancelled":
            out["cancelled"].append({"title": e["title"], "starts_at": e["starts_at"]})
        elif (old["starts_at"], old["ends_at"], old["location"]) != (
                e["starts_at"], e["ends_at"], e["location"]):
            out["moved"].append({"title": e["title"], "starts_at": e["starts_at"],
                                 "old_starts_at": old["starts_at"],
                                 "old_location": old["location"], "location": e["location"]})
        elif old["title"] != e["title"] or old["status"] != e["status"]:
            out["changed"].append({"title": e["title"], "old_title": old["title"],
                                   "starts_at": e["starts_at"], "status": e["status"]})
    for uid, old in before.items():
        if uid not in now:
            out["removed"].append({"title": old["title"], "starts_at": old["starts_at"]})
    return out


# --------------------------------------------------------------------------- rendering


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def book_html(data: dict[str, Any], *, edition: int, issued_at: datetime,
              changes: dict[str, list] | None, paper: str = "A4") -> str:
    """The book's print HTML (needs an app context for the Jinja environment)."""
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in data["engagements"]:
        days[e["day"]].append(e)
    return render_template(
        "books/book.html",
        book=data,
        days=[(date.fromisoformat(d), items) for d, items in sorted(days.items())],
        edition=edition,
        issued_at=issued_at,
        changes=changes,
        has_changes=bool(changes and any(changes.values())),
        paper=PAPERS.get(paper.upper(), "A4"),
        dt=_dt,
    )


# --------------------------------------------------------------------------- editions


@dataclass
class Book:
    edition: BriefingBookEdition
    data: dict[str, Any]
    fresh: bool  # rendered now (False: the stored file was served)

    @property
    def filename(self) -> str:
        d = self.data
        who = d["principal"]["name"] if d["scope"] == "delegate" and d["principal"] \
            else d["delegation"]["name"]
        return edition_filename(d["forum"]["short_name"], who, self.edition.number,
                                self.edition.paper)


def edition_filename(forum_short: str, who: str, number: int, paper: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in who).strip("-")
    return (f"{forum_short}-briefing-{safe}-ed{number}"
            f"{'-letter' if paper == 'Letter' else ''}.pdf")


def _owner(q: Any, data: dict[str, Any]) -> Any:
    if data["scope"] == "delegate":
        return q.where(BriefingBookEdition.delegate_id == data["owner_id"])
    return q.where(BriefingBookEdition.delegation_id == data["owner_id"])


def _latest_and_reusable(data: dict[str, Any], fp: str) -> tuple[Any, Any]:
    """The owner's latest edition, and the edition that can be served for ``fp`` (None when
    the content changed since)."""
    latest = db.session.scalar(_owner(sa.select(BriefingBookEdition), data)
                               .order_by(BriefingBookEdition.number.desc()).limit(1))
    if latest is None:
        return None, None
    if latest.fingerprint == fp:
        return latest, latest
    same = db.session.scalar(
        _owner(sa.select(BriefingBookEdition), data)
        .where(BriefingBookEdition.fingerprint == fp)
        .order_by(BriefingBookEdition.number.desc()).limit(1))
    if same is not None and same.snapshot == latest.snapshot:
        return latest, same
    return latest, None


def stored_edition(forum: Forum, *, delegate: Delegate | None = None,
                   delegation: Delegation | None = None, paper: str = "A4",
                   lang: str | None = None) -> Book | None:
    """The stored edition that is still current, or None when the book changed since (or
    has none): a new edition is made by a POST or a job, never by a GET."""
    paper = PAPERS.get(paper.upper(), "A4")
    lang = book_language(forum, delegate=delegate, delegation=delegation, lang=lang)
    with language(lang):
        data = gather_book(forum, delegate=delegate, delegation=delegation)
    _ignored, same = _latest_and_reusable(data, fingerprint(data, paper, lang))
    return Book(same, data, fresh=False) if same is not None else None


def latest_edition(*, delegate: Delegate | None = None,
                   delegation: Delegation | None = None) -> BriefingBookEdition | None:
    q = sa.select(BriefingBookEdition)
    q = (q.where(BriefingBookEdition.delegate_id == delegate.id) if delegate is not None
         else q.where(BriefingBookEdition.delegation_id == delegation.id))  # type: ignore[union-attr]
    return db.session.scalar(q.order_by(BriefingBookEdition.number.desc()).limit(1))


@dataclass
class Draft:
    """A book made but not stored: everything ``store_draft`` needs, as plain values, so
    the reading (and rendering) transaction can end before the writing one starts."""

    data: dict[str, Any]
    fingerprint: str
    paper: str
    reuse_id: int | None  # the stored edition that is still current
    based_on: int | None  # the latest edition's number when this was made
    issued_at: datetime | None = None
    pdf: bytes | None = None


class StaleDraft(Exception):
    """Another edition of the same book was stored while this one was being made."""


def draft_edition(forum: Forum, *, delegate: Delegate | None = None,
                  delegation: Delegation | None = None, paper: str = "A4",
                  lang: str | None = None) -> Draft:
    """Read and, when the content changed, render the next edition (writes nothing), in
    the book's language (``book_language``)."""
    lang = book_language(forum, delegate=delegate, delegation=delegation, lang=lang)
    with language(lang):
        return _draft_edition(forum, delegate=delegate, delegation=delegation, paper=paper,
                              lang=lang)


def _draft_edition(forum: Forum, *, delegate: Delegate | None, delegation: Delegation | None,
                   paper: str, lang: str) -> Draft:
    paper = PAPERS.get(paper.upper(), "A4")
    data = gather_book(forum, delegate=delegate, delegation=delegation)
    fp = fingerprint(data, paper, lang)
    latest, same = _latest_and_reusable(data, fp)
    based_on = latest.number if latest is not None else None
    if same is not None:
        return Draft(data, fp, paper, same.id, based_on)
    issued = utcnow()
    changes = changes_since(latest.snapshot if latest is not None else None, data)
    html = book_html(data, edition=(based_on or 0) + 1, issued_at=issued,
                     changes=changes if latest is not None else None, paper=paper)
    pdf = html_to_pdf(html, static_folder=current_app.static_folder)
    return Draft(data, fp, paper, None, based_on, issued, pdf)


def store_draft(draft: Draft) -> Book:
    """Store a drafted edition (flushed; the caller commits), or return the reused one.
    Raises ``StaleDraft`` when another edition was stored since the draft was made."""
    if draft.reuse_id is not None:
        ed = db.session.get(BriefingBookEdition, draft.reuse_id)
        if ed is None:
            raise StaleDraft("the reused edition is gone")
        return Book(ed, draft.data, fresh=False)
    latest = db.session.scalar(
        _owner(sa.select(sa.func.max(BriefingBookEdition.number)), draft.data))
    if latest != draft.based_on:
        raise StaleDraft(f"edition {latest} was stored meanwhile")
    data = draft.data
    ed = BriefingBookEdition(
        delegate_id=data["owner_id"] if data["scope"] == "delegate" else None,
        delegation_id=data["owner_id"] if data["scope"] == "delegation" else None,
        number=(draft.based_on or 0) + 1, issued_at=draft.issued_at, paper=draft.paper,
        fingerprint=draft.fingerprint, snapshot=snapshot(data), pdf=draft.pdf)
    db.session.add(ed)
    db.session.flush()
    return Book(ed, data, fresh=True)


def current_edition(forum: Forum, *, delegate: Delegate | None = None,
                    delegation: Delegation | None = None, paper: str = "A4",
                    actor: User | None = None, lang: str | None = None) -> Book:
    """The book as of now: the stored edition when nothing changed, else a new edition
    (rendered, stored, flushed; the caller commits). In ``lang`` when given (a
    coordinator's pick), else in the book's own language."""
    del actor
    return store_draft(draft_edition(forum, delegate=delegate, delegation=delegation,
                                     paper=paper, lang=lang))
