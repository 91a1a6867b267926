"""Clash detection over a whole forum: pure computation over plain rows.

``load_rows(forum)`` (in ``clash_rows``) reads everything with a constant number of
queries (sessions with their rooms, speaker slots with each delegate's accreditation, travel times); ``find_clashes(rows)``
sorts once per person and per room and sweeps, so the work is O(n log n) and never a query
per slot. Cancelled sessions take part in nothing.

Session times reach the scan as whole epoch seconds computed by the database (programme
times are whole minutes), and messages are written only for the clashes found. Figures at
5,000 sessions / 30,000 slots: bench/bench_programme.py.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from babel.dates import format_date
from flask_babel import get_locale, gettext, ngettext

from delegations.gcpause import gc_paused
from delegations.models import Forum
from delegations.timeutil import day_bounds, fmt_span, to_zone

from .clash_rows import (  # noqa: F401  (load_rows, slot_row, APPROVED: read with the scan)
    APPROVED,
    ForumRows,
    RoomRow,
    SessionRow,
    SlotRow,
    _epoch,
    load_rows,
    slot_row,
)


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ClashKind(enum.StrEnum):
    PERSON_DOUBLE_BOOKED = "person_double_booked"
    TRAVEL_TIME = "travel_time"
    ROOM_DOUBLE_BOOKED = "room_double_booked"
    OVER_CAPACITY = "over_capacity"
    NOT_ACCREDITED = "not_accredited"
    OUTSIDE_STAY = "outside_stay"
    OUTSIDE_FORUM = "outside_forum"
    SPEAKING_TIME = "speaking_time"

    @property
    def label(self) -> str:
        return {
            "person_double_booked": gettext("Person in two places"),
            "travel_time": gettext("Too little travel time"),
            "room_double_booked": gettext("Room double-booked"),
            "over_capacity": gettext("Over room capacity"),
            "not_accredited": gettext("Speaker not accredited"),
            "outside_stay": gettext("Outside the person's stay"),
            "outside_forum": gettext("Outside the forum dates"),
            "speaking_time": gettext("Speaking time too long"),
        }[self.value]

    @property
    def severity(self) -> Severity:
        if self in (ClashKind.PERSON_DOUBLE_BOOKED, ClashKind.ROOM_DOUBLE_BOOKED):
            return Severity.ERROR
        return Severity.WARNING


# ----------------------------------------------------------------------------- plain rows

@dataclass(slots=True)
class Ref:
    id: int | None
    name: str


@dataclass(slots=True)
class Clash:
    kind: ClashKind
    message: str
    people: list[Ref] = field(default_factory=list)
    sessions: list[Ref] = field(default_factory=list)
    rooms: list[Ref] = field(default_factory=list)

    @property
    def severity(self) -> Severity:
        return self.kind.severity

    @property
    def session_ids(self) -> set[int]:
        return {s.id for s in self.sessions if s.id is not None}

    @property
    def delegate_ids(self) -> set[int]:
        return {p.id for p in self.people if p.id is not None}

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "people": [{"id": p.id, "name": p.name} for p in self.people],
            "sessions": [{"id": s.id, "title": s.name} for s in self.sessions],
            "rooms": [{"id": r.id, "name": r.name} for r in self.rooms],
            "message": self.message,
        }


# ----------------------------------------------------------------------------- the scan


def _day(dt: datetime, tz: str) -> str:
    """"Tue 17 May" in the language of the page."""
    return format_date(to_zone(dt, tz).date(), "EEE dd MMM", locale=str(get_locale() or "en"))


def _fmt(dt: datetime, tz: str) -> str:
    return f"{_day(dt, tz)} {to_zone(dt, tz):%H:%M}"


def _hm(dt: datetime, tz: str) -> str:
    return to_zone(dt, tz).strftime("%H:%M")


def _when(start: datetime, end: datetime, tz: str) -> str:
    """"Tue 17 May 10:00–13:00", with "(+1)" when it ends on a later day."""
    return f"{_day(start, tz)} {fmt_span(start, end, tz)}"


@gc_paused()
def find_clashes(rows: ForumRows) -> list[Clash]:
    """Every clash of the forum, errors first, then by time.

    One pass over the slots groups them by person (and checks accreditation, stay and
    speaking minutes on the way); each person's sessions are sorted and swept once for
    overlaps and travel; the rooms are sorted and swept once. O(n log n); the only
    query is the names of the people found in clashes (``rows.name_loader``), if set.
    Times are compared as epoch seconds; messages are written for the clashes found only.
    """
    scan = _Scan(rows)
    by_person, minutes_by_session, single = _group_slots(scan)
    double, travel = _sweep_people(scan, by_person)
    out = _people_clashes(scan, single, double, travel)
    out += _room_clashes(scan)
    out += _session_clashes(scan, minutes_by_session)
    far = _epoch(datetime.max.replace(tzinfo=UTC))
    out.sort(key=lambda c: (c.severity != Severity.ERROR,
                            min((scan.live[r.id].start for r in c.sessions if r.id is not None),
                                default=far),
                            c.kind.value))
    return out


class _Scan:
    """What every step of one scan shares: the rows, the live sessions, session refs."""

    def __init__(self, rows: ForumRows) -> None:
        self.rows = rows
        self.tz = rows.timezone
        self.live = {s.id: s for s in rows.sessions if not s.cancelled}
        self.refs: dict[int, Ref] = {}

    def ref(self, sid: int) -> Ref:
        r = self.refs.get(sid)
        if r is None:
            r = self.refs[sid] = Ref(sid, self.live[sid].title)
        return r

    def venue_of(self, s: SessionRow) -> int | None:
        room = self.rows.rooms.get(s.room_id) if s.room_id is not None else None
        return room.venue_id if room else None


_Single = list[tuple[ClashKind, SlotRow, SessionRow]]
_Pairs = dict[tuple[int, int], list[SlotRow]]


def _group_slots(scan: _Scan) -> tuple[dict[int | str, list[SlotRow]], dict[int, int],
                                       _Single]:
    """One pass over the slots: group by person (delegate id, or "g<guest name>"), add up
    speaking minutes, and note who is unaccredited or outside their stay."""
    tz = scan.tz
    by_person: dict[int | str, list[SlotRow]] = defaultdict(list)
    minutes_by_session: dict[int, int] = defaultdict(int)
    single: _Single = []
    get_live = scan.live.get
    for sl in scan.rows.slots:
        sid, key, _, did, minutes, _, accredited, arrival, departure = sl
        s = get_live(sid)
        if s is None:
            continue
        if minutes:
            minutes_by_session[sid] += minutes
        if did is None:
            by_person[key].append(sl)
            continue
        by_person[did].append(sl)
        if not accredited and s.official:
            single.append((ClashKind.NOT_ACCREDITED, sl, s))
        if arrival is not None or departure is not None:
            d0 = to_zone(s.starts_at, tz).date()
            d1 = to_zone(s.ends_at, tz).date()
            if (arrival and d0 < arrival) or (departure and d1 > departure):
                single.append((ClashKind.OUTSIDE_STAY, sl, s))
    return by_person, minutes_by_session, single


def _sweep_people(scan: _Scan, by_person: dict[int | str, list[SlotRow]]
                  ) -> tuple[_Pairs, dict[tuple[int, int], tuple[list[SlotRow], int, int]]]:
    """Per person with two slots or more: sort by time and sweep for overlaps and for too
    little time to travel between venues. Returns the pairs of sessions with their people
    (and, for travel, the gap and the minutes needed)."""
    live, rows = scan.live, scan.rows
    double: _Pairs = defaultdict(list)
    travel: dict[tuple[int, int], tuple[list[SlotRow], int, int]] = {}
    by_time = itemgetter(0, 1, 2)
    for group in by_person.values():
        if len(group) < 2:
            continue
        items = []
        for sl in group:
            s = live[sl[0]]
            items.append((s.start, s.end, s.id, sl))
        items.sort(key=by_time)
        active: list[tuple[int, int, int, SlotRow]] = []
        last: tuple[int, int, int, SlotRow] | None = None  # latest end before
        for item in items:
            start = item[0]
            if active:
                still = []
                for a in active:
                    if a[1] > start:
                        still.append(a)
                    elif last is None or a[1] >= last[1]:
                        last = a
                active = still
            if active:
                for a in active:
                    if a[2] != item[2]:
                        double[(a[2], item[2])].append(item[3])
            elif last is not None and not (last[3].remote or item[3].remote):
                va, vb = scan.venue_of(live[last[2]]), scan.venue_of(live[item[2]])
                if va is not None and vb is not None and va != vb:
                    need = rows.travel_minutes(va, vb)
                    gap = (start - last[1]) // 60
                    if need is not None and gap < need:
                        pair = (last[2], item[2])
                        people = travel[pair][0] if pair in travel else []
                        travel[pair] = ([*people, item[3]], gap, need)
            active.append(item)
    return double, travel


def _people_clashes(scan: _Scan, single: _Single, double: _Pairs,
                    travel: dict[tuple[int, int], tuple[list[SlotRow], int, int]]
                    ) -> list[Clash]:
    """The messages for people: names are loaded for the people in clashes only."""
    tz, live, rows = scan.tz, scan.live, scan.rows
    involved = {sl.delegate_id for group in (*double.values(), *(t[0] for t in travel.values()))
                for sl in group if sl.delegate_id is not None}
    involved |= {sl.delegate_id for _, sl, _ in single if sl.delegate_id is not None}
    names = rows.person_names(involved)

    def person(sl: SlotRow) -> Ref:
        if sl.delegate_id is None:
            return Ref(None, sl.person_name)
        return Ref(sl.delegate_id, names.get(sl.delegate_id) or sl.person_name
                   or f"Delegate {sl.delegate_id}")

    out: list[Clash] = []
    for kind, sl, s in single:
        p = person(sl)
        if kind == ClashKind.NOT_ACCREDITED:
            msg = gettext("%(name)s is in the official session %(session)s without an "
                          "approved accreditation.", name=p.name, session=repr(s.title))
        else:
            msg = gettext("%(name)s is in %(session)s on %(day)s, outside their stay "
                          "(%(arrival)s to %(departure)s).", name=p.name,
                          session=repr(s.title), day=to_zone(s.starts_at, tz).date(),
                          arrival=sl.arrival or "?", departure=sl.departure or "?")
        out.append(Clash(kind, msg, [p], [scan.ref(s.id)]))
    for (a, b), group in double.items():
        sa_, sb = live[a], live[b]
        people = [person(sl) for sl in group]
        names_ = ", ".join(p.name for p in people)
        out.append(Clash(
            ClashKind.PERSON_DOUBLE_BOOKED,
            ngettext("%(names)s is in %(a)s (%(a_when)s) and %(b)s (%(b_when)s) at once.",
                     "%(names)s are in %(a)s (%(a_when)s) and %(b)s (%(b_when)s) at once.",
                     len(people), names=names_, a=repr(sa_.title), b=repr(sb.title),
                     a_when=_when(sa_.starts_at, sa_.ends_at, tz),
                     b_when=_when(sb.starts_at, sb.ends_at, tz)),
            people, [scan.ref(a), scan.ref(b)], _room_refs(rows, sa_, sb)))
    for (a, b), (group, gap, need) in travel.items():
        sa_, sb = live[a], live[b]
        people = [person(sl) for sl in group]
        va, vb = scan.venue_of(sa_), scan.venue_of(sb)
        out.append(Clash(
            ClashKind.TRAVEL_TIME,
            gettext("%(names)s: %(gap)s min between %(a)s (ends %(a_end)s, %(a_venue)s) and "
                    "%(b)s (starts %(b_start)s, %(b_venue)s); the trip takes %(need)s min.",
                    names=", ".join(p.name for p in people), gap=gap, a=repr(sa_.title),
                    a_end=_hm(sa_.ends_at, tz), a_venue=rows.venue_names.get(va or 0, "?"),
                    b=repr(sb.title), b_start=_hm(sb.starts_at, tz),
                    b_venue=rows.venue_names.get(vb or 0, "?"), need=need),
            people, [scan.ref(a), scan.ref(b)], _room_refs(rows, sa_, sb)))
    return out


def _room_clashes(scan: _Scan) -> list[Clash]:
    """Rooms: sort by room and start, sweep once; also attendance over capacity."""
    tz, rows = scan.tz, scan.rows
    out: list[Clash] = []
    in_rooms = sorted((s for s in scan.live.values() if s.room_id is not None),
                      key=lambda s: (s.room_id, s.start, s.end, s.id))
    current: list[SessionRow] = []
    for s in in_rooms:
        if current:
            current = [c for c in current if c.room_id == s.room_id and c.end > s.start]
        room = rows.rooms.get(s.room_id or 0)
        for c in current:
            out.append(Clash(
                ClashKind.ROOM_DOUBLE_BOOKED,
                gettext("%(room)s holds %(a)s and %(b)s at once (%(when)s).",
                        room=room.name if room else gettext("A room"), a=repr(c.title),
                        b=repr(s.title), when=_fmt(s.starts_at, tz)),
                [], [scan.ref(c.id), scan.ref(s.id)], _room_refs(rows, s)))
        current.append(s)
        if room and room.capacity is not None and s.expected_attendance is not None \
                and s.expected_attendance > room.capacity:
            out.append(Clash(
                ClashKind.OVER_CAPACITY,
                gettext("%(session)s expects %(people)s people; %(room)s seats %(seats)s.",
                        session=repr(s.title), people=s.expected_attendance, room=room.name,
                        seats=room.capacity), [], [scan.ref(s.id)], _room_refs(rows, s)))
    return out


def _session_clashes(scan: _Scan, minutes_by_session: dict[int, int]) -> list[Clash]:
    """Per session: inside the forum's dates, and speaking time within its length."""
    tz, rows = scan.tz, scan.rows
    forum_lo = _epoch(day_bounds(rows.start_date, tz)[0])
    forum_hi = _epoch(day_bounds(rows.end_date, tz)[1])
    out: list[Clash] = []
    for s in scan.live.values():
        if s.start < forum_lo or s.end > forum_hi:
            out.append(Clash(
                ClashKind.OUTSIDE_FORUM,
                gettext("%(session)s is on %(day)s, outside the forum (%(start)s to %(end)s).",
                        session=repr(s.title), day=to_zone(s.starts_at, tz).date(),
                        start=rows.start_date, end=rows.end_date), [], [scan.ref(s.id)],
                _room_refs(rows, s)))
    for sid, total in minutes_by_session.items():
        s = scan.live[sid]
        length = (s.end - s.start) // 60
        if total > length:
            out.append(Clash(
                ClashKind.SPEAKING_TIME,
                gettext("Speaking slots of %(session)s add up to %(total)s min; the session "
                        "lasts %(length)s min.", session=repr(s.title), total=total,
                        length=length), [], [scan.ref(s.id)], _room_refs(rows, s)))
    return out


def _room_refs(rows: ForumRows, *sessions: SessionRow) -> list[Ref]:
    seen: dict[int, Ref] = {}
    for s in sessions:
        room = rows.rooms.get(s.room_id) if s.room_id is not None else None
        if room is not None:
            seen.setdefault(room.id, Ref(room.id, room.name))
    return list(seen.values())


def forum_clashes(forum: Forum) -> list[Clash]:
    return find_clashes(load_rows(forum))


def counts(clashes: Iterable[Clash]) -> dict[str, int]:
    c = {"error": 0, "warning": 0}
    for x in clashes:
        c[x.severity.value] += 1
    return c


def _key(c: Clash) -> tuple[Any, ...]:
    return (c.kind, tuple(sorted(c.session_ids)), tuple(sorted(p.name for p in c.people)))
