"""Messages of the outbox, rendered when they are sent: plain text and HTML, what changed
(before -> after, in venue time and the reader's home time), a link to their agenda, and
for a person an iCalendar update (iTIP, RFC 5546) that mail clients apply by themselves.

The message is built with the standard library's ``email`` package: headers are set
through its header registry (addresses as ``Address`` objects, no string pasting), and
every text that comes from the programme (titles, names) has its line breaks and control
characters folded to spaces first, so a title cannot add a header such as ``Bcc``.
The MIME layout is the one calendar servers send: multipart/mixed holding
multipart/alternative (text, HTML, text/calendar with ``method``) and the same calendar
as an ``invite.ics`` attachment.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from icalendar import Calendar, vCalAddress, vText
from itsdangerous import URLSafeSerializer
from sqlalchemy.orm import joinedload, selectinload

from delegations import i18n
from delegations.db import db
from delegations.models import Delegate, Delegation, Forum, User
from delegations.timeutil import fmt_datetime, to_zone

from . import ical
from .models import Room, Session, SpeakerRole, SpeakerSlot
from .outbox import MailMessage, person_view, session_state

CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
DROPPED_PROPS = ("X-WR-CALNAME", "X-WR-TIMEZONE", "X-WR-CALDESC", "REFRESH-INTERVAL",
                 "X-PUBLISHED-TTL")


def one_line(text: str, limit: int = 300) -> str:
    """Text safe for a header: control characters and line breaks become spaces."""
    return " ".join(CONTROL.sub(" ", text or "").split())[:limit]


# --------------------------------------------------------------------------- language


def language_of(forum: Forum, email: str, person: Delegate | None = None) -> str:
    """The reader's language: the one they chose as a user, else the first of their
    languages the app has, else the forum's."""
    chosen = db.session.scalar(sa.select(User.language).where(
        sa.func.lower(User.email) == email.strip().lower()))
    if chosen is None and person is not None:
        chosen = db.session.scalar(sa.select(User.language).where(User.delegate_id == person.id)
                                   .limit(1))
    return (i18n.known(chosen) or (i18n.first_known(person.languages) if person else None)
            or i18n.known(getattr(forum, "language", None)) or i18n.DEFAULT_LANGUAGE)


# --------------------------------------------------------------------------- pieces


def _when(view: dict[str, Any], venue_tz: str, home_tz: str | None) -> tuple[str, str | None]:
    start = datetime.fromisoformat(view["starts_at"])
    end = datetime.fromisoformat(view["ends_at"])

    def span(tz: str) -> str:
        first, last = to_zone(start, tz), to_zone(end, tz)
        if first.date() == last.date():  # the end's time only
            return f"{fmt_datetime(start, tz)} – {last.strftime('%H:%M')} {last.tzname()}"
        return f"{fmt_datetime(start, tz)} – {fmt_datetime(end, tz)}"

    return span(venue_tz), span(home_tz) if home_tz and home_tz != venue_tz else None


def part_text(part: dict[str, Any] | None) -> str:
    if part is None:
        return _("not in this session")
    bits = [SpeakerRole(part["role"]).label]
    if part.get("order"):
        n = part["order"]  # "1st" in English; a plain number where ordinals differ
        bits.append(_("speaking %(n)s",
                      n=ical.ordinal(n) if i18n.current_language() == "en" else n))
    if part.get("minutes"):
        bits.append(_("%(m)s min", m=part["minutes"]))
    if part.get("remote"):
        bits.append(_("remote"))
    return ", ".join(bits)


def changes(before: dict[str, Any], after: dict[str, Any], venue_tz: str,
            home_tz: str | None, home_label: str | None = None) -> list[dict[str, str | None]]:
    """The lines of "what changed": label, before, after (and home-time before/after)."""
    out: list[dict[str, str | None]] = []
    if (before["starts_at"], before["ends_at"]) != (after["starts_at"], after["ends_at"]):
        b_venue, b_home = _when(before, venue_tz, home_tz)
        a_venue, a_home = _when(after, venue_tz, home_tz)
        out.append({"label": _("When (venue time, %(tz)s)", tz=venue_tz),
                    "before": b_venue, "after": a_venue})
        if home_tz and b_home and a_home:
            out.append({"label": home_label or _("When (your time, %(tz)s)", tz=home_tz),
                        "before": b_home, "after": a_home})
    if before["where"] != after["where"]:
        out.append({"label": _("Where"), "before": before["where"] or "–",
                    "after": after["where"] or "–"})
    if before["status"] != after["status"]:
        out.append({"label": _("Status"), "before": before["status"].capitalize(),
                    "after": after["status"].capitalize()})
    if "part" in before and before["part"] != after.get("part"):
        out.append({"label": _("Your part"), "before": part_text(before["part"]),
                    "after": part_text(after["part"])})
    return out


def _links(forum: Forum, email: str, agenda: str) -> dict[str, str]:
    token = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="mail-opt-out").dumps(
        email.strip().lower())
    return {"agenda": agenda,
            "unsubscribe": url_for("mail.unsubscribe", token=token, _external=True)}


def opt_out_email(token: str) -> str | None:
    """The address an unsubscribe link was made for; None when the link is not ours."""
    try:
        value = URLSafeSerializer(current_app.config["SECRET_KEY"],
                                  salt="mail-opt-out").loads(token)
    except Exception:  # noqa: BLE001 (any bad token is just not ours)
        return None
    return value if isinstance(value, str) else None


def sender() -> Address:
    raw = str(current_app.config.get("MAIL_DEFAULT_SENDER") or "forum-desk@localhost")
    name, _sep, addr = raw.rpartition("<")
    if addr:
        addr = addr.rstrip(">").strip()
        name = name.strip().strip('"')
    else:
        addr, name = raw.strip(), ""
    user, _sep, domain = addr.partition("@")
    return Address(one_line(name or "Forum Desk", 100), user, domain or "localhost")


def _address(name: str, email: str) -> Address:
    user, _sep, domain = email.strip().partition("@")
    return Address(one_line(name, 100), user, domain)


# --------------------------------------------------------------------------- iTIP


def itip(s: Session, person: Delegate, method: str, url: str) -> bytes:
    """The session as an iTIP REQUEST or CANCEL: the feed's own event (same UID, SEQUENCE
    = the session's revision, raised by every change) with ORGANIZER and ATTENDEE."""
    # the calendar's name is dropped below; a plain one, because X-WR-CALNAME is
    # written unescaped and a title may hold a line break
    feed = ical.Feed("delegate", f"mail:{person.id}", s.forum, one_line(s.title), [s],
                     frozenset({person.id}))
    cal = Calendar.from_ical(ical.render_ics(feed, session_url=lambda _s: url))
    for prop in DROPPED_PROPS:
        cal.pop(prop, None)
    cal.pop("METHOD", None)
    cal.add("method", method)
    org = sender()
    organizer = vCalAddress(f"mailto:{org.addr_spec}")
    organizer.params["CN"] = vText(org.display_name or "Forum Desk")
    attendee = vCalAddress(f"mailto:{person.email.strip()}")
    attendee.params["CN"] = vText(one_line(person.display_name, 100))
    attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
    attendee.params["PARTSTAT"] = vText("NEEDS-ACTION")
    attendee.params["RSVP"] = vText("FALSE")
    for ev in cal.walk("VEVENT"):
        ev.add("organizer", organizer)
        ev.add("attendee", attendee)
        if method == "CANCEL":
            ev.pop("STATUS", None)
            ev.add("status", "CANCELLED")
    return cal.to_ical()


# --------------------------------------------------------------------------- messages


def _envelope(row: MailMessage, subject: str, text: str, html: str,
              links: dict[str, str]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender()
    msg["To"] = _address(row.recipient_name, row.recipient)
    msg["Subject"] = one_line(subject, 250)
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = row.message_id
    msg["List-Unsubscribe"] = f"<{links['unsubscribe']}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def _home_zone(person: Delegate | None, fallback: str) -> str:
    return (person.home_timezone if person is not None and person.home_timezone
            else fallback)


def person_message(row: MailMessage) -> tuple[EmailMessage, str] | None:
    """The update for one person about one session; None when nothing is left to tell
    (changed and changed back within the window, added and removed again)."""
    s = db.session.get(Session, row.session_id, options=[  # 3 queries, not one per speaker
        selectinload(Session.speaker_slots).joinedload(SpeakerSlot.delegate)
        .joinedload(Delegate.delegation),
        joinedload(Session.room).joinedload(Room.venue)],
        populate_existing=True) if row.session_id else None  # refresh what commits expired
    person = db.session.get(Delegate, row.delegate_id) if row.delegate_id else None
    if s is None or person is None:
        return None
    forum = s.forum
    before = row.payload["before"]
    after = person_view(session_state(s), person.id)
    if before == after or (before["part"] is None and after["part"] is None):
        return None
    method = "CANCEL" if after["part"] is None or s.cancelled else "REQUEST"
    home = _home_zone(person, forum.timezone)
    with i18n.language(language_of(forum, row.recipient, person)):
        lines = changes(before, after, forum.timezone, home if home != forum.timezone else None)
        if after["part"] is None and not s.cancelled:
            headline = _("You are no longer in this session")
        elif s.cancelled:
            headline = _("Cancelled")
        elif before["part"] is None:
            headline = _("You have been added to this session")
        else:
            headline = _("Changed")
        session_link = url_for("schedule.session_detail", forum=forum.short_name,
                               session_id=s.id, _external=True)
        links = _links(forum, row.recipient, url_for(
            "schedule.my_agenda", forum=forum.short_name, _external=True))
        now_venue, now_home = _when(after, forum.timezone, home)
        ctx = {"row": row, "forum": forum, "s": s, "person": person, "headline": headline,
               "title": one_line(s.title, 400), "changes": lines, "links": links,
               "now_venue": now_venue, "now_home": now_home, "home_tz": home,
               "where": after["where"], "part": part_text(after["part"]),
               "method": method}
        subject = f"{headline}: {one_line(s.title, 200)}"
        if method == "REQUEST" and lines:
            subject += f" ({now_venue})"
        msg = _envelope(row, subject, render_template("mail/change.txt", **ctx),
                        render_template("mail/change.html", **ctx), links)
    ics = itip(s, person, method, session_link)
    # Outlook and Gmail read the inline text/calendar part; others the attachment
    msg.add_alternative(ics.decode(), subtype="calendar",
                        params={"method": method, "charset": "utf-8"})
    msg.make_mixed()
    msg.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    return msg, method


def digest_message(row: MailMessage) -> tuple[EmailMessage, str] | None:
    """A focal point's digest: every session of their delegation that changed in the
    window, with who in the delegation is in it; None when nothing is left to tell."""
    delegation = db.session.get(Delegation, row.delegation_id) if row.delegation_id else None
    if delegation is None:
        return None
    forum = delegation.forum
    entries = []
    ids = [int(k) for k in row.payload.get("sessions", {})]
    sessions = {s.id: s for s in db.session.scalars(sa.select(Session).where(
        Session.id.in_(ids)))}
    people = {p.id: p for p in db.session.scalars(sa.select(Delegate).where(
        Delegate.delegation_id == delegation.id))}
    zones = [p.home_timezone for p in people.values() if p.home_timezone]
    home = max(set(zones), key=zones.count) if zones else forum.timezone
    with i18n.language(language_of(forum, row.recipient)):
        for sid, entry in sorted(row.payload.get("sessions", {}).items(),
                                 key=lambda kv: int(kv[0])):
            s = sessions.get(int(sid))
            if s is None or s.private:
                continue
            after = session_state(s)
            who = []
            for pid in entry["delegates"]:
                p = people.get(pid)
                if p is None:
                    continue
                b = entry["before"]["people"].get(str(pid))
                a = after["people"].get(str(pid))
                if b != a:
                    who.append(f"{p.display_name}: {part_text(b)} → {part_text(a)}")
                elif a is not None:
                    who.append(f"{p.display_name}: {part_text(a)}")
            lines = changes(entry["before"], after, forum.timezone,
                            home if home != forum.timezone else None,
                            _("When (the delegation's home time, %(tz)s)", tz=home))
            if not lines and not any("→" in w for w in who):
                continue
            now_venue, now_home = _when(after, forum.timezone, home)
            entries.append({"s": s, "title": one_line(s.title, 400), "changes": lines,
                            "who": who, "now_venue": now_venue, "now_home": now_home,
                            "cancelled": s.cancelled, "where": after["where"]})
        if not entries:
            return None
        links = _links(forum, row.recipient, url_for(
            "schedule.delegation_agenda", forum=forum.short_name,
            delegation_id=delegation.id, _external=True))
        ctx = {"row": row, "forum": forum, "delegation": delegation, "entries": entries,
               "links": links, "home_tz": home}
        subject = _("Programme changes for the %(name)s delegation", name=delegation.name)
        if len(entries) == 1:
            subject += f": {entries[0]['title']}"
        msg = _envelope(row, subject, render_template("mail/digest.txt", **ctx),
                        render_template("mail/digest.html", **ctx), links)
    return msg, ""


def render(row: MailMessage) -> tuple[EmailMessage, str] | None:
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost/"
    with current_app.test_request_context("/", base_url=base):
        if row.kind == "person":
            return person_message(row)
        return digest_message(row)
