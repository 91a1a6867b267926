"""VTIMEZONE blocks and event times that every calendar client reads the same way.

A feed's times carry the forum's canonical IANA name as TZID, and the feed carries a
VTIMEZONE for that zone covering every event: first the observance in effect at the first
event (its onset before it), then one observance per changeover up to the last event, each
with a single DTSTART (no RRULE guessed from a rule that may change, no many-valued RDATE,
which ical.js and vobject read only the first value of). See docs/calendars.md.

Why not ``icalendar.Timezone.from_tzid``: it finds changeovers by stepping 64, 32, 16 ...
days through local time, so a change that is undone within those steps is never seen
(Casablanca's clocks go back for Ramadan and forward again about a month later: a forum
in Ramadan got +01 instead of +00), and it writes the onset of a spring-forward change in
the new local time, an hour late by RFC 5545. This module finds each changeover to the
second from the zone's own offsets instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from delegations.timeutil import canonical_zone, zone

UTC_ZONES = frozenset({"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UTC"})
_STEP = timedelta(hours=6)  # no zone changes its offset twice within six hours


def feed_tzid(name: str) -> str | None:
    """The TZID a feed uses for a forum in zone ``name``; None when times are written in
    UTC (with a Z) and need no VTIMEZONE."""
    canon = canonical_zone(name)
    return None if canon in UTC_ZONES else canon


Change = tuple[datetime, timedelta, timedelta, str, bool]


@lru_cache(maxsize=2048)
def changeovers(tzid: str, start: datetime, end: datetime) -> tuple[Change, ...]:
    """(UTC instant, offset before, offset after, abbreviation after, is summer time) of
    every change of offset in ``[start, end)``, each found to the second."""
    tz = zone(tzid)
    out: list[Change] = []
    t = start
    prev = t.astimezone(tz).utcoffset()
    while t < end:
        nxt = min(t + _STEP, end)
        off = nxt.astimezone(tz).utcoffset()
        if off != prev:
            lo, hi = int(t.timestamp()), int(nxt.timestamp())
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if datetime.fromtimestamp(mid, tz).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            at = datetime.fromtimestamp(hi, UTC)
            local = at.astimezone(tz)
            assert prev is not None and off is not None
            out.append((at, prev, off, local.tzname() or tzid, bool(local.dst())))
            prev = off
        t = nxt
    return tuple(out)


def _observance(is_dst: bool, name: str, before: timedelta, after: timedelta,
                onset_local: datetime) -> TimezoneStandard | TimezoneDaylight:
    comp = TimezoneDaylight() if is_dst else TimezoneStandard()
    comp.add("dtstart", onset_local)
    comp.add("tzoffsetfrom", before)
    comp.add("tzoffsetto", after)
    comp.add("tzname", name)
    return comp


@lru_cache(maxsize=256)
def vtimezone(name: str, first: date, last: date) -> Timezone:
    """The VTIMEZONE of zone ``name`` for events on local dates ``first`` .. ``last``.

    The first observance is the one in effect at the start of ``first`` (a day early, so
    an event at midnight is inside it), then every changeover until the day after
    ``last``. Onsets are in the local time before the change, as RFC 5545 says.
    """
    tzid = canonical_zone(name)
    tz = zone(tzid)
    start = datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=2), time(0), tzinfo=UTC)
    vtz = Timezone()
    vtz.add("tzid", tzid)
    vtz.add("x-lic-location", tzid)
    here = start.astimezone(tz)
    offset = here.utcoffset()
    assert offset is not None
    vtz.add_component(_observance(bool(here.dst()), here.tzname() or tzid, offset, offset,
                                  (start + offset).replace(tzinfo=None)))
    for at, before, after, abbr, is_dst in changeovers(tzid, start, end):
        vtz.add_component(_observance(is_dst, abbr, before, after,
                                      (at + before).replace(tzinfo=None)))
    return vtz


def is_ambiguous(local: datetime) -> bool:
    """True when the wall time ``local`` (aware, in its zone) happens twice that night."""
    naive = local.replace(tzinfo=None)
    tz = local.tzinfo
    return naive.replace(tzinfo=tz, fold=0).utcoffset() != \
        naive.replace(tzinfo=tz, fold=1).utcoffset()


def ical_time(instant: datetime, name: str) -> datetime:
    """How an event time is written: wall time in the forum's zone (TZID), except a wall
    time the clocks repeat, which is written in UTC: RFC 5545 means the first of the two,
    ical.js reads the second, so only a UTC time lands on the same instant everywhere."""
    tzid = feed_tzid(name)
    if tzid is None:
        return instant.astimezone(UTC)
    local = instant.astimezone(zone(tzid))
    if is_ambiguous(local):
        return instant.astimezone(UTC)
    return local


def event_window(first_start: datetime, last_end: datetime, name: str) -> tuple[date, date]:
    """The local dates a VTIMEZONE must cover for events from ``first_start`` to
    ``last_end`` (UTC instants)."""
    tz = zone(canonical_zone(name))
    return first_start.astimezone(tz).date(), last_end.astimezone(tz).date()
