"""Forums in any zone on any dates, rendered through the real feed code, and a small
reader of the VTIMEZONE they carry (RFC 5545 semantics) to check every event's instant
without starting a calendar client for each feed.

The reader is itself checked against ical-check (ical.js and vobject) on a sample of the
same feeds, so "the reader agrees with zoneinfo" stands for "clients agree with zoneinfo".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from delegations.models import Forum
from delegations.timeutil import all_zone_names, canonical_zone, zone
from schedule.ical import Feed, render_ics
from schedule.models import Session, SessionKind, SessionStatus
from schedule.vtimezone import changeovers

DTSTAMP = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ZONES = sorted(all_zone_names())
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2037, 12, 31)


@dataclass
class ForumCase:
    tzid: str
    first: date
    days: int
    ics: bytes
    expected: dict[str, tuple[datetime, datetime]]  # UID -> (start, end) in UTC


def instants(tzid: str, first: date, days: int) -> list[tuple[datetime, datetime]]:
    """Events on every day (midnight, morning, late evening) and around every changeover
    in the window: in the hour that repeats or vanishes, and one across it."""
    tz = zone(tzid)
    out: set[tuple[datetime, datetime]] = set()
    half = timedelta(minutes=30)
    for i in range(days):
        d = first + timedelta(days=i)
        for at, length in ((time(0), half), (time(9), timedelta(hours=1, minutes=30)),
                           (time(23, 30), half)):
            start = datetime.combine(d, at, tzinfo=tz).astimezone(UTC)
            out.add((start, start + length))
    lo = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(first + timedelta(days=days), time(0), tzinfo=tz).astimezone(UTC)
    for at, *_ in changeovers(canonical_zone(tzid), lo, hi):
        for m in (-90, -60, -30, 0, 30, 60):
            out.add((at + timedelta(minutes=m), at + timedelta(minutes=m + 30)))
        out.add((at - timedelta(hours=1), at + timedelta(hours=1)))  # across the change
    return sorted(out)


def forum_case(tzid: str, first: date, days: int) -> ForumCase:
    """A forum of ``days`` days from ``first`` in ``tzid``, rendered as a whole-forum feed
    by the same function the web feed and ``flask calendar export`` use."""
    forum = Forum(id=1, name=f"Forum in {tzid}", short_name="Z", timezone=tzid,
                  start_date=first, end_date=first + timedelta(days=days - 1),
                  host_city="Somewhere")
    sessions, expected = [], {}
    for n, (start, end) in enumerate(instants(tzid, first, days)):
        uid = f"{n}-{start:%Y%m%dT%H%M}-{tzid.replace('/', '.')}@zones.test"
        sessions.append(Session(
            id=n + 1, uid=uid, forum_id=1, title=f"Event {n}", kind=SessionKind.PLENARY,
            official=True, private=False, organiser="", chairs="", background="",
            online_link="", location_note="Hall", status=SessionStatus.CONFIRMED,
            starts_at=start, ends_at=end, revision=0, updated_at=DTSTAMP, room=None,
            speaker_slots=[]))
        expected[uid] = (start, end)
    feed = Feed("forum", "forum", forum, forum.name, sessions)
    ics = render_ics(feed, session_url=lambda s: f"https://desk.example.org/s/{s.id}",
                     dtstamp=DTSTAMP)
    return ForumCase(tzid, first, days, ics, expected)


# --------------------------------------------------------------------------- the reader

_PROP = re.compile(r"^([A-Z-]+)((?:;[^:]*)?):(.*)$")


def _lines(ics: bytes) -> list[str]:
    return ics.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def _offset(text: str) -> timedelta:
    sign = -1 if text[0] == "-" else 1
    hh, mm, ss = int(text[1:3]), int(text[3:5]), int(text[5:7] or 0)
    return sign * timedelta(hours=hh, minutes=mm, seconds=ss)


def _naive(text: str) -> datetime:
    return datetime.strptime(text[:15], "%Y%m%dT%H%M%S")  # noqa: DTZ007 (wall time)


@dataclass
class Observance:
    onset: datetime  # UTC, naive
    offset_from: timedelta
    offset_to: timedelta


def read_vtimezones(ics: bytes) -> dict[str, list[Observance]]:
    """TZID -> observances sorted by onset. Refuses what the feed must never hold: RRULE,
    RDATE with several values, a VTIMEZONE defined twice."""
    zones: dict[str, list[Observance]] = {}
    tzid, obs, cur = None, [], {}
    in_obs = False
    for line in _lines(ics):
        m = _PROP.match(line)
        if not m:
            continue
        name, _, value = m.groups()
        if line == "BEGIN:VTIMEZONE":
            tzid, obs = None, []
        elif line == "END:VTIMEZONE":
            assert tzid and tzid not in zones, f"VTIMEZONE {tzid} missing or defined twice"
            zones[tzid] = sorted(obs, key=lambda o: o.onset)
        elif line in ("BEGIN:STANDARD", "BEGIN:DAYLIGHT"):
            cur, in_obs = {}, True
        elif line in ("END:STANDARD", "END:DAYLIGHT"):
            in_obs = False
            obs.append(Observance(cur["DTSTART"] - cur["TZOFFSETFROM"],
                                  cur["TZOFFSETFROM"], cur["TZOFFSETTO"]))
        elif name == "TZID" and not in_obs:
            tzid = value
        elif name == "DTSTART" and in_obs:
            cur["DTSTART"] = _naive(value)
        elif name in ("TZOFFSETFROM", "TZOFFSETTO"):
            cur[name] = _offset(value)
        elif name in ("RRULE", "RDATE") and in_obs:
            raise AssertionError(f"{name} in a VTIMEZONE: {line}")
    return zones


def resolve(local: datetime, observances: list[Observance]) -> datetime:
    """The UTC instant of wall time ``local`` by RFC 5545: the observance whose span of
    local time holds it. A time before the first onset, in a gap, or in a repeated
    hour is an error: the feed must never write one."""
    spans = []
    for i, o in enumerate(observances):
        utc = local - o.offset_to
        nxt = observances[i + 1].onset if i + 1 < len(observances) else datetime.max
        if o.onset <= utc < nxt:
            spans.append(utc)
    assert len(spans) == 1, (
        f"{local} has {len(spans)} readings in this VTIMEZONE "
        f"(first onset {observances[0].onset if observances else None})")
    return spans[0].replace(tzinfo=UTC)


def read_events(ics: bytes) -> dict[str, tuple[datetime, datetime]]:
    """UID -> (start, end) in UTC, as the VTIMEZONEs in the file say."""
    zones = read_vtimezones(ics)
    out: dict[str, tuple[datetime, datetime]] = {}
    ev: dict[str, datetime] = {}
    uid = ""
    in_event = False
    for line in _lines(ics):
        if line == "BEGIN:VEVENT":
            in_event, ev, uid = True, {}, ""
        elif line == "END:VEVENT":
            in_event = False
            out[uid] = (ev["DTSTART"], ev["DTEND"])
        elif in_event:
            m = _PROP.match(line)
            if not m:
                continue
            name, params, value = m.groups()
            if name == "UID":
                uid = value
            elif name in ("DTSTART", "DTEND"):
                if value.endswith("Z"):
                    ev[name] = _naive(value).replace(tzinfo=UTC)
                else:
                    tz = re.search(r"TZID=([^;:]+)", params)
                    assert tz, f"floating time: {line}"
                    ev[name] = resolve(_naive(value), zones[tz.group(1)])
    return out


def merge(cases: list[ForumCase]) -> bytes:
    """Several feeds as one calendar for one run of a client (their zones must differ):
    the first feed's head, every feed's VTIMEZONE and events, one END."""
    assert len({c.tzid and canonical_zone(c.tzid) for c in cases}) == len(cases)
    head, body = [], []
    for c in cases:
        text = c.ics
        start = text.find(b"BEGIN:VTIMEZONE")
        if start < 0:
            start = text.find(b"BEGIN:VEVENT")
        if not head:
            head.append(text[:start])
        body.append(text[start:text.rindex(b"END:VCALENDAR")])
    return b"".join(head + body) + b"END:VCALENDAR\r\n"
