"""A whole forum as one JSON file (format ``forum-desk/1``, see docs/forum-format.md): the
export. ``export_forum`` returns the file's bytes; ``forum_to_dict`` the same as data.

Steps: load the forum's rows, give every object a readable key, then write each section."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from delegations.db import db
from delegations.models import (
    Accreditation,
    Delegate,
    Delegation,
    DocumentKind,
    Forum,
    Organisation,
    PartnerQuota,
)
from delegations.timeutil import to_zone

from .models import Session, Venue, VenueTravel

FORMAT = "forum-desk/1"


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class _Keys:
    """Readable, unique keys derived from names, in a deterministic order."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, text: str) -> str:
        base = slug(text)[:60]
        key, n = base, 2
        while key in self.used:
            key, n = f"{base}-{n}", n + 1
        self.used.add(key)
        return key


def _iso(dt: datetime | None, tz: str) -> str | None:
    return to_zone(dt, tz).isoformat() if dt is not None else None


def _d(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _by_name(p: Delegate) -> tuple[str, str, int]:
    return (p.family_name, p.given_names, p.id)


@dataclass
class _Rows:
    """Everything the file holds, loaded in a handful of queries."""

    delegations: list[Delegation]
    venues: list[Venue]
    sessions: list[Session]
    quotas: list[PartnerQuota]
    organisations: list[Organisation]
    travel: list[VenueTravel]


@dataclass
class _KeyMaps:
    org: dict[int, str]
    venue: dict[int, str]
    room: dict[int, str]
    delegation: dict[int, str]
    delegate: dict[int, str]


def _load(forum: Forum) -> _Rows:
    s = db.session
    delegations = list(s.scalars(
        sa.select(Delegation).where(Delegation.forum_id == forum.id)
        .options(selectinload(Delegation.delegates).selectinload(Delegate.accreditations)
                 .selectinload(Accreditation.documents))
        .order_by(Delegation.name)))
    venues = list(s.scalars(
        sa.select(Venue).where(Venue.forum_id == forum.id)
        .options(selectinload(Venue.rooms)).order_by(Venue.name)))
    sessions = list(s.scalars(
        sa.select(Session).where(Session.forum_id == forum.id)
        .options(selectinload(Session.speaker_slots))
        .order_by(Session.starts_at, Session.uid)))
    quotas = list(s.scalars(sa.select(PartnerQuota).where(PartnerQuota.forum_id == forum.id)))
    org_ids = _organisations_used(forum, delegations, quotas)
    orgs = list(s.scalars(
        sa.select(Organisation).where(Organisation.id.in_(org_ids))
        .order_by(Organisation.name))) if org_ids else []
    venue_ids = [v.id for v in venues]
    travel = list(s.scalars(
        sa.select(VenueTravel).where(VenueTravel.from_venue_id.in_(venue_ids)))) \
        if venue_ids else []
    return _Rows(delegations, venues, sessions, quotas, orgs, travel)


def _organisations_used(forum: Forum, delegations: list[Delegation],
                        quotas: list[PartnerQuota]) -> set[int]:
    org_ids: set[int] = {q.organisation_id for q in quotas}
    for dl in delegations:
        if dl.leading_organisation_id:
            org_ids.add(dl.leading_organisation_id)
        for p in dl.delegates:
            if p.organisation_id:
                org_ids.add(p.organisation_id)
            for a in p.accreditations:
                if a.forum_id == forum.id and a.sponsor_id:
                    org_ids.add(a.sponsor_id)
    return org_ids


def _make_keys(rows: _Rows) -> _KeyMaps:
    keys = _Keys()
    org = {o.id: keys.make(o.acronym or o.name) for o in rows.organisations}
    venue: dict[int, str] = {}
    room: dict[int, str] = {}
    for v in rows.venues:
        venue[v.id] = keys.make(v.name)
        for r in v.rooms:
            room[r.id] = keys.make(r.name)
    delegation = {dl.id: keys.make(dl.name) for dl in rows.delegations}
    delegate = {p.id: keys.make(f"{p.given_names} {p.family_name}")
                for dl in rows.delegations for p in sorted(dl.delegates, key=_by_name)}
    return _KeyMaps(org, venue, room, delegation, delegate)


def _accreditation_dict(acc: Accreditation, k: _KeyMaps, tz: str) -> dict[str, Any]:
    return {
        "route": acc.route.value,
        "sponsor": k.org.get(acc.sponsor_id) if acc.sponsor_id else None,
        "status": acc.status.value,
        "badge_type": acc.badge_type.value if acc.badge_type else None,
        "substitute": acc.substitute,
        "submitted_at": _iso(acc.submitted_at, tz),
        "approved_at": _iso(acc.approved_at, tz),
        "rejected_at": _iso(acc.rejected_at, tz),
        "withdrawn_at": _iso(acc.withdrawn_at, tz),
        "badge_collected_at": _iso(acc.badge_collected_at, tz),
        "notes": acc.notes,
        "documents": [
            {"kind": doc.kind.value, "received_at": _iso(doc.received_at, tz)}
            for doc in sorted(acc.documents, key=lambda x: list(DocumentKind).index(x.kind))
        ],
    }


def _delegate_dict(p: Delegate, forum: Forum, k: _KeyMaps) -> dict[str, Any]:
    acc = next((a for a in p.accreditations if a.forum_id == forum.id), None)
    return {
        "key": k.delegate[p.id],
        "honorific": p.honorific,
        "given_names": p.given_names,
        "family_name": p.family_name,
        "function": p.function,
        "level": p.level.value,
        "capacity": p.capacity.value,
        "organisation": k.org.get(p.organisation_id) if p.organisation_id else None,
        "email": p.email,
        "mobile": p.mobile,
        "languages": p.languages,
        "home_timezone": p.home_timezone,
        "arrival_date": _d(p.arrival_date),
        "departure_date": _d(p.departure_date),
        "notes": p.notes,
        "accreditation": _accreditation_dict(acc, k, forum.timezone) if acc else None,
    }


def _delegation_dict(dl: Delegation, forum: Forum, k: _KeyMaps) -> dict[str, Any]:
    return {
        "key": k.delegation[dl.id],
        "name": dl.name,
        "country": dl.country,
        "region": dl.region,
        "category": dl.category.value,
        "leading_organisation": k.org.get(dl.leading_organisation_id)
        if dl.leading_organisation_id else None,
        "focal_point": {"name": dl.focal_point_name, "email": dl.focal_point_email,
                        "phone": dl.focal_point_phone},
        "notes": dl.notes,
        "delegates": [_delegate_dict(p, forum, k) for p in sorted(dl.delegates, key=_by_name)],
    }


def _session_dict(se: Session, k: _KeyMaps, tz: str) -> dict[str, Any]:
    return {
        "uid": se.uid,
        "title": se.title,
        "kind": se.kind.value,
        "official": se.official,
        "private": se.private,
        "organiser": se.organiser,
        "chairs": se.chairs,
        "status": se.status.value,
        "room": k.room.get(se.room_id) if se.room_id else None,
        "location_note": se.location_note,
        "start": _iso(se.starts_at, tz),
        "end": _iso(se.ends_at, tz),
        "online_link": se.online_link,
        "background": se.background,
        "expected_attendance": se.expected_attendance,
        "objectives": se.objectives,
        "points_to_make": se.points_to_make,
        "press_line": se.press_line,
        "revision": se.revision,
        "speakers": [
            {
                "delegate": k.delegate.get(sl.delegate_id) if sl.delegate_id else None,
                "guest_name": sl.guest_name,
                "guest_function": sl.guest_function,
                "role": sl.role.value,
                "order": sl.order,
                "minutes": sl.minutes,
                "remote": sl.remote,
                "notes": sl.notes,
            }
            for sl in sorted(se.speaker_slots, key=lambda x: (x.order, x.id))
        ],
    }


def _venues_and_travel(rows: _Rows, k: _KeyMaps) -> dict[str, Any]:
    venues = [
        {
            "key": k.venue[v.id], "name": v.name, "address": v.address,
            "access_instructions": v.access_instructions,
            "rooms": [
                {"key": k.room[r.id], "name": r.name, "capacity": r.capacity,
                 "interpretation_languages": r.interpretation_languages, "online": r.online}
                for r in v.rooms
            ],
        }
        for v in rows.venues
    ]
    travel = sorted(
        # a pair is stored once, either way round: write it in key order
        ({"from": a, "to": b, "minutes": t.minutes}
         for t in rows.travel
         for a, b in [sorted((k.venue[t.from_venue_id], k.venue[t.to_venue_id]))]),
        key=lambda t: (t["from"], t["to"]),
    )
    return {"venues": venues, "travel": travel}


def _forum_header(forum: Forum) -> dict[str, Any]:
    return {
        "short_name": forum.short_name,
        "name": forum.name,
        "series": forum.series.value,
        "timezone": forum.timezone,
        "start_date": _d(forum.start_date),
        "end_date": _d(forum.end_date),
        "host_city": forum.host_city,
        "description": forum.description,
    }


def forum_to_dict(forum: Forum) -> dict[str, Any]:
    tz = forum.timezone
    rows = _load(forum)
    k = _make_keys(rows)
    return {
        "format": FORMAT,
        "forum": _forum_header(forum),
        "organisations": [
            {"key": k.org[o.id], "name": o.name, "acronym": o.acronym, "kind": o.kind.value,
             "country": o.country}
            for o in rows.organisations
        ],
        "quotas": sorted(
            ({"organisation": k.org[q.organisation_id], "quota": q.quota} for q in rows.quotas),
            key=lambda q: q["organisation"],
        ),
        "deadlines": [
            {"kind": d.kind.value, "title": d.title, "due": _iso(d.due_at, tz), "notes": d.notes}
            for d in sorted(forum.deadlines, key=lambda d: (d.due_at, d.title))
        ],
        **_venues_and_travel(rows, k),
        "delegations": [_delegation_dict(dl, forum, k) for dl in rows.delegations],
        "sessions": [_session_dict(se, k, tz) for se in rows.sessions],
    }


def export_forum(forum: Forum) -> bytes:
    return (json.dumps(forum_to_dict(forum), ensure_ascii=False, indent=2) + "\n").encode()
