"""iCalendar feeds (RFC 5545), built with ``icalendar``.

Two halves, kept apart: ``gather_feed`` runs the queries and returns a ``Feed`` (plain data
plus loaded sessions); ``render_ics`` is a pure function from a ``Feed`` to bytes. The views,
the CLI and the benchmark all go through both, so a feed and ``flask calendar export`` give
the same bytes but for DTSTAMP.

What a calendar app needs to update in place: a UID per session that never changes
(``Session.uid``), SEQUENCE = ``Session.revision`` (every change bumps it), LAST-MODIFIED,
and cancelled sessions kept with STATUS:CANCELLED so the copy is removed, not orphaned.
Times carry the forum's canonical IANA TZID and a VTIMEZONE that covers every event
(``vtimezone``; docs/calendars.md says how and why).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from threading import Lock
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from icalendar import Calendar, Event, vText
from sqlalchemy.orm import joinedload, selectinload

from delegations.db import db
from delegations.models import Delegate, Delegation, Forum, User
from delegations.timeutil import zone

from .models import Room, Session, SessionStatus, SpeakerSlot
from .queries import visible_sessions_clause
from .vtimezone import event_window, feed_tzid, ical_time, vtimezone

PRODID = "-//Forum Desk//Calendar feeds//EN"
REFRESH = timedelta(hours=1)
STATUS = {
    SessionStatus.TENTATIVE: "TENTATIVE",
    SessionStatus.CONFIRMED: "CONFIRMED",
    SessionStatus.CANCELLED: "CANCELLED",
}

SessionUrl = Callable[[Session], str]

_CONTROL = {c: None for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F]}


def text_value(value: str) -> vText:
    """An iCalendar TEXT value: control characters (which RFC 5545 forbids) dropped, line
    breaks kept and escaped by vText, whatever property it goes into (also X- ones)."""
    return vText(value.replace("\r\n", "\n").translate(_CONTROL))


@dataclass
class Feed:
    """Everything one feed shows. ``key`` names the feed (for caches), ``focus`` holds the
    delegates whose role each event describes (the delegate, or a delegation's people)."""

    kind: str  # forum | delegation | delegate | session
    key: str
    forum: Forum
    name: str
    sessions: list[Session]
    focus: frozenset[int] = field(default_factory=frozenset)


# --------------------------------------------------------------------------- queries


def feed_statement(
    forum: Forum,
    *,
    delegation_id: int | None = None,
    delegate_id: int | None = None,
    session_id: int | None = None,
    user: User | None = None,
) -> sa.Select[tuple[Session]]:
    """Which sessions a feed holds.

    Delegate and delegation feeds hold the sessions their people are in (speaker slots and
    participation), private meetings included: they are theirs. The forum and session feeds
    hold what ``user`` may see (public sessions only when ``user`` is None).
    """
    q = sa.select(Session).where(Session.forum_id == forum.id)
    if delegate_id is not None:
        q = q.where(Session.id.in_(
            sa.select(SpeakerSlot.session_id).where(SpeakerSlot.delegate_id == delegate_id)))
    elif delegation_id is not None:
        q = q.where(Session.id.in_(
            sa.select(SpeakerSlot.session_id).join(Delegate)
            .where(Delegate.delegation_id == delegation_id)))
    else:
        if session_id is not None:
            q = q.where(Session.id == session_id)
        q = q.where(visible_sessions_clause(user))
    return q


def _load(q: sa.Select[tuple[Session]]) -> list[Session]:
    return list(db.session.scalars(
        q.options(  # two queries: sessions with room and venue; slots with people
            joinedload(Session.room).joinedload(Room.venue),
            selectinload(Session.speaker_slots)
            .joinedload(SpeakerSlot.delegate)
            .joinedload(Delegate.delegation),
        ).order_by(Session.starts_at, Session.id)
    ))


def feed_fingerprint(q: sa.Select[tuple[Session]], extra: str = "") -> tuple[str, datetime | None]:
    """A cheap hash of what a feed shows (ids, revisions, statuses, change times), and the
    latest change: the ETag and Last-Modified, without loading or rendering the sessions."""
    sub = q.subquery()
    rows = db.session.connection().execute(
        sa.select(sub.c.id, sub.c.revision, sub.c.status, sub.c.updated_at, sub.c.room_id)
        .order_by(sub.c.id)
    ).all()
    h = hashlib.sha256(extra.encode())
    latest: datetime | None = None
    for sid, rev, status, updated, room_id in rows:
        h.update(f"{sid}:{rev}:{status}:{updated.isoformat()}:{room_id};".encode())
        if latest is None or updated > latest:
            latest = updated
    return h.hexdigest()[:40], latest


def gather_feed(
    forum: Forum,
    *,
    delegation: Delegation | None = None,
    delegate: Delegate | None = None,
    session_id: int | None = None,
    user: User | None = None,
) -> Feed:
    if delegate is not None:
        return Feed("delegate", f"delegate:{delegate.id}", forum,
                    f"{forum.short_name}: {delegate.display_name}",
                    _load(feed_statement(forum, delegate_id=delegate.id)),
                    frozenset({delegate.id}))
    if delegation is not None:
        members = frozenset(db.session.scalars(
            sa.select(Delegate.id).where(Delegate.delegation_id == delegation.id)))
        return Feed("delegation", f"delegation:{delegation.id}", forum,
                    f"{forum.short_name}: {delegation.name} delegation",
                    _load(feed_statement(forum, delegation_id=delegation.id)), members)
    if session_id is not None:
        sessions = _load(feed_statement(forum, session_id=session_id, user=user))
        title = sessions[0].title if sessions else "session"
        return Feed("session", f"session:{session_id}", forum,
                    f"{forum.short_name}: {title}", sessions)
    return Feed("forum", "forum", forum, forum.name,
                _load(feed_statement(forum, user=user)))


# --------------------------------------------------------------------------- rendering


def _window(forum: Forum, sessions: Iterable[Session]) -> tuple[date, date]:
    """The local dates the feed's VTIMEZONE covers: the forum's and every event's."""
    first, last = forum.start_date, forum.end_date
    for s in sessions:
        a, b = event_window(s.starts_at, s.ends_at, forum.timezone)
        first, last = min(first, a), max(last, b)
    return first, last


def location(s: Session) -> str:
    if s.room is not None and not s.room.online:
        parts = [s.room.name, s.room.venue.name, s.room.venue.address]
        return ", ".join(p for p in parts if p)
    if (s.room is not None and s.room.online) or s.online_link:
        return f"Online: {s.online_link}" if s.online_link else "Online"
    return s.location_note


def _slot_line(slot: SpeakerSlot) -> str:
    bits = [slot.role.label]
    if slot.order:
        bits.append(f"speaking {ordinal(slot.order)}")
    if slot.minutes:
        bits.append(f"{slot.minutes} min")
    if slot.remote:
        bits.append("remote")
    return ", ".join(bits)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def description(s: Session, focus: frozenset[int]) -> str:
    # a changed event says first what changed, so the delegate sees why it moved
    lines = [s.change_note] if s.change_note and s.revision else []
    lines += [s.kind.label + (" (official)" if s.official else "")
             + (" · private" if s.private else "")]
    if s.status != SessionStatus.CONFIRMED:
        lines[-1] += f" · {s.status.label.upper()}"
    if s.organiser:
        lines.append(f"Organiser: {s.organiser}")
    if s.chairs:
        lines.append(f"Chairs: {s.chairs}")
    mine = [sl for sl in s.speaker_slots if sl.delegate_id in focus]
    others = [sl for sl in s.speaker_slots if sl.delegate_id not in focus]
    for sl in mine:
        who = "Your role" if len(focus) == 1 else sl.speaker_name
        lines.append(f"{who}: {_slot_line(sl)}")
    if others:
        lines.append("Speakers:" if not mine else "Co-speakers:")
        for sl in others:
            fn = f" ({sl.speaker_function})" if sl.speaker_function else ""
            org = ""
            if sl.delegate is not None:
                org = f", {sl.delegate.delegation.name}"
            lines.append(f"- {sl.speaker_name}{fn}{org}: {_slot_line(sl)}")
    if s.background:
        lines += ["", s.background]
    if s.online_link:
        lines += ["", f"Online: {s.online_link}"]
    return "\n".join(lines)


def render_event(s: Session, focus: frozenset[int], url: str, tz: ZoneInfo,
                 dtstamp: datetime) -> bytes:
    """One VEVENT as folded CRLF bytes."""
    ev = Event()
    ev.add("uid", s.uid)
    ev.add("dtstamp", dtstamp)
    ev.add("sequence", s.revision or 0)
    ev.add("last-modified", s.updated_at.replace(microsecond=0))
    ev.add("dtstart", ical_time(s.starts_at, tz.key))
    ev.add("dtend", ical_time(s.ends_at, tz.key))
    ev.add("status", STATUS[s.status])
    ev.add("summary", text_value(("Cancelled: " if s.cancelled else "") + s.title))
    ev.add("location", text_value(location(s) or "Location to be confirmed"))
    ev.add("description", text_value(description(s, focus)))
    ev.add("url", url)
    if s.private:
        ev.add("class", "PRIVATE")
    if s.cancelled:
        ev.add("transp", "TRANSPARENT")
    return ev.to_ical()


def _head(forum: Forum, name: str, first: date, last: date) -> bytes:
    """The calendar's properties and VTIMEZONE, without the closing line."""
    return _head_bytes(forum.timezone, forum.name, forum.host_city, name, first, last)


@lru_cache(maxsize=4096)
def _head_bytes(tzid: str, forum_name: str, host_city: str, name: str, first: date,
                last: date) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", text_value(name))
    cal.add("x-wr-timezone", feed_tzid(tzid) or "UTC")
    cal.add("x-wr-caldesc", text_value(f"{forum_name}, {host_city}. Times in {tzid}."))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    if feed_tzid(tzid) is not None:
        cal.add_component(vtimezone(tzid, first, last))
    head = cal.to_ical()
    assert head.endswith(END)
    return head[: -len(END)]


END = b"END:VCALENDAR\r\n"


def _event_key(s: Session, url: str, focus: frozenset[int], tzid: str) -> tuple:
    return (s.uid, s.revision, s.updated_at.isoformat(), s.status.value, url,
            len(focus) == 1, tzid,
            tuple(sl.id for sl in s.speaker_slots if sl.delegate_id in focus))


def render_ics(feed: Feed, *, session_url: SessionUrl, dtstamp: datetime | None = None,
               event_cache: EventCache | None = None) -> bytes:
    """The feed as iCalendar bytes (CRLF, folded at 75 octets by the library).

    With an ``event_cache``, each VEVENT is rendered once per session revision and focus
    and reused by every feed that shows it (its DTSTAMP is then when it was rendered, as
    RFC 5545 allows): a change to one session re-renders one event, not the forum.
    """
    dtstamp = (dtstamp or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    forum = feed.forum
    tz = zone(forum.timezone)
    parts = [_head(forum, feed.name, *_window(forum, feed.sessions))]
    urls = [session_url(s) for s in feed.sessions]
    if event_cache is None:
        parts.extend(render_event(s, feed.focus, url, tz, dtstamp)
                     for s, url in zip(feed.sessions, urls, strict=True))
        parts.append(END)
        return b"".join(parts)
    keys = [_event_key(s, url, feed.focus, forum.timezone)
            for s, url in zip(feed.sessions, urls, strict=True)]
    found = event_cache.get_many(keys)
    new: list[tuple[tuple, int, int, bytes]] = []
    for s, url, key in zip(feed.sessions, urls, keys, strict=True):
        data = found.get(key)
        if data is None:
            data = found[key] = render_event(s, feed.focus, url, tz, dtstamp)
            new.append((key, s.id, s.revision or 0, data))
        parts.append(data)
    if new:
        event_cache.put_many(new)
    parts.append(END)
    return b"".join(parts)


def render_programme_ics(forum: Forum, name: str, q: sa.Select[tuple[Session]], *,
                         session_url: SessionUrl, event_cache: EventCache,
                         dtstamp: datetime | None = None) -> bytes:
    """The same bytes as ``render_ics(gather_feed(...))`` for feeds without a focus (the
    forum, one session), loading full sessions only for events not rendered yet: after one
    change to a 5,000-session forum, one session is loaded and rendered, not 5,000."""
    dtstamp = (dtstamp or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    tz = zone(forum.timezone)
    sub = q.subquery()
    conn = db.session.connection()
    rows = conn.execute(
        sa.select(sub.c.id, sub.c.uid, sub.c.revision, sub.c.updated_at, sub.c.status)
        .order_by(sub.c.starts_at, sub.c.id)).all()
    # local dates only grow with the instant: the first start and the last end bound them
    span = conn.execute(sa.select(sa.func.min(sub.c.starts_at),
                                  sa.func.max(sub.c.ends_at))).one()

    class _Id:  # what session_url needs
        def __init__(self, sid: int) -> None:
            self.id = sid

    keys: list[tuple] = []
    for sid, uid, rev, updated, status in rows:
        url = session_url(_Id(sid))  # type: ignore[arg-type]
        status_value = status.value if hasattr(status, "value") else str(status)
        keys.append((uid, rev, updated.isoformat(), status_value, url, False,
                     forum.timezone, ()))
    found = event_cache.get_many(keys, scope=sa.select(sub.c.id))
    missing = [row[0] for row, k in zip(rows, keys, strict=True) if k not in found]
    if missing:
        new: list[tuple[tuple, int, int, bytes]] = []
        for i in range(0, len(missing), 5000):
            for s in _load(sa.select(Session).where(Session.id.in_(missing[i:i + 5000]))):
                url = session_url(s)
                key = _event_key(s, url, frozenset(), forum.timezone)
                data = found[key] = render_event(s, frozenset(), url, tz, dtstamp)
                new.append((key, s.id, s.revision or 0, data))
        event_cache.put_many(new)
    first, last = forum.start_date, forum.end_date
    if span[0] is not None:
        a, b = event_window(span[0], span[1], forum.timezone)
        first, last = min(first, a), max(last, b)
    parts = [_head(forum, name, first, last)]
    parts.extend(found[k] for k in keys)  # type: ignore[misc]
    parts.append(END)
    return b"".join(parts)


class EventCache:
    """Rendered VEVENTs by (session, revision, change time, focus): bounded, thread-safe."""

    def __init__(self, size: int = 50_000) -> None:
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: tuple, data: bytes) -> None:
        with self._lock:
            self._items[key] = data
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get_many(self, keys: list[tuple], scope: Any = None) -> dict[tuple, bytes]:
        """The stored events among ``keys`` (absent keys are left out); ``scope`` (the
        feed's session ids, as a select) lets a database-backed store read them at once."""
        out = {}
        for k in keys:
            data = self.get(k)
            if data is not None:
                out[k] = data
        return out

    def put_many(self, items: list[tuple[tuple, int, int, bytes]]) -> None:
        """Store (key, session id, revision, bytes) for each newly rendered event."""
        for key, _, _, data in items:
            self.put(key, data)


# --------------------------------------------------------------------------- stored renders


class RenderCache:
    """The last rendering of each feed, keyed by its fingerprint: unchanged data serves the
    stored bytes (their DTSTAMP is when they were rendered, which RFC 5545 allows)."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get(self, key: str, fingerprint: str) -> bytes | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None or hit[0] != fingerprint:
                return None
            self._items.move_to_end(key)
            return hit[1]

    def put(self, key: str, fingerprint: str, data: bytes) -> None:
        with self._lock:
            self._items[key] = (fingerprint, data)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
