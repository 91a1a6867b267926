"""The one check-in rule: what a scanned or typed badge number means at the pass office
(collecting the badge) or at a session door (entering), and what gets recorded.

The desk page and ``flask badges check-in`` both call ``check_in``; nothing else decides
whether a badge is good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from delegations import changelog
from delegations.db import db, utcnow
from delegations.models import AccreditationStatus, Delegate, Forum, User
from delegations.status import change_status
from delegations.timeutil import fmt_datetime, fmt_day, to_zone

from ..models import Session, SessionStatus
from .issue import void_reason
from .models import Badge, SessionAttendance
from .tokens import normalise, read_token

#: How many days before the forum opens the pass office hands badges out.
DEFAULT_PICKUP_DAYS = 7


@dataclass
class Verdict:
    ok: bool
    code: str  # collected, entered, re_entry, invalid, other_forum, replaced, revoked,
    #            not_yet_valid, expired, already_collected, not_collected, session_closed
    message: str
    badge: Badge | None = None
    token: str = ""

    @property
    def person(self) -> Delegate | None:
        return self.badge.accreditation.delegate if self.badge is not None else None


def _refuse(code: str, message: str, badge: Badge | None = None, token: str = "") -> Verdict:
    return Verdict(False, code, message, badge, token)


def _find(text: str, forum: Forum) -> Verdict:
    """The badge a number names, or a refusal; ``ok`` here only means "a real badge"."""
    token = normalise(text)
    read = read_token(token)
    badge = db.session.get(Badge, read[0]) if read is not None else None
    if read is None or badge is None:
        return _refuse("invalid", _("Not a valid badge number: check the number, or the "
                                    "badge is forged or damaged."))
    if badge.accreditation.forum_id != forum.id:
        return _refuse("other_forum", _("This badge is for another forum."))
    if read[1] != badge.version:
        when = fmt_datetime(badge.issued_at, forum.timezone)
        return _refuse("replaced", _("Revoked: this badge was replaced by a re-issued badge "
                                     "on %(when)s. Keep it and send the person to the pass "
                                     "office.", when=when), badge, token)
    void = void_reason(badge)
    if void:
        return _refuse("revoked", void, badge, token)
    return Verdict(True, "found", "", badge, token)


def check_in(text: str, forum: Forum, actor: User | None, *, session: Session | None = None,
             now: datetime | None = None, source: str = "desk") -> Verdict:
    """Check a badge number in: at the pass office when ``session`` is None (records the
    collection), else at that session's door (records the entry). Flushes, never commits.
    ``source`` goes into the status history ("desk" for the page, "cli")."""
    now = now or utcnow()
    found = _find(text, forum)
    if not found.ok:
        return found
    badge, token = found.badge, found.token
    assert badge is not None
    today = to_zone(now, forum.timezone).date()
    if today > badge.valid_until:
        return _refuse("expired", _("Expired: valid until %(day)s.",
                                    day=fmt_day(badge.valid_until)), badge, token)
    if session is None:
        return _collect(badge, token, forum, actor, now, today, source)
    return _enter(badge, token, forum, session, actor, now, today)


def _collect(badge: Badge, token: str, forum: Forum, actor: User | None, now: datetime,
             today: date, source: str) -> Verdict:
    days = int(current_app.config.get("BADGE_PICKUP_DAYS", DEFAULT_PICKUP_DAYS))
    opens = badge.valid_from - timedelta(days=days)
    if today < opens:
        return _refuse("not_yet_valid", _("Not yet valid: badge pick-up opens on %(day)s.",
                                          day=fmt_day(opens)), badge, token)
    if badge.collected:
        who = badge.collected_by.email if badge.collected_by is not None else _("the system")
        return _refuse("already_collected",
                       _("Already collected on %(when)s (recorded by %(who)s).",
                         when=fmt_datetime(badge.collected_at, forum.timezone), who=who),
                       badge, token)
    acc = badge.accreditation
    badge.collected_version = badge.version
    badge.collected_at = now
    badge.collected_by_id = actor.id if actor is not None else None
    if acc.status == AccreditationStatus.APPROVED:
        change_status(acc, AccreditationStatus.BADGE_COLLECTED, actor,
                      note=f"badge version {badge.version} handed over at the pass office",
                      source=source)
    else:  # a re-issued badge collected again: the status is badge collected already
        changelog.record(actor, "accreditation", acc.id, "badge:collected",
                         f"{acc.delegate.full_name}: re-issued badge collected "
                         f"(version {badge.version})",
                         {"badge_id": badge.id, "version": badge.version,
                          "delegate_id": acc.delegate_id})
    db.session.flush()
    return Verdict(True, "collected", _("Badge handed over: collection recorded."), badge, token)


def _enter(badge: Badge, token: str, forum: Forum, session: Session, actor: User | None,
           now: datetime, today: date) -> Verdict:
    if session.forum_id != forum.id or session.status == SessionStatus.CANCELLED:
        return _refuse("session_closed", _("This session is not open: it is cancelled or "
                                           "belongs to another forum."), badge, token)
    if today < badge.valid_from:
        return _refuse("not_yet_valid", _("Not yet valid: valid from %(day)s.",
                                          day=fmt_day(badge.valid_from)), badge, token)
    if not badge.collected:
        return _refuse("not_collected", _("This badge was never handed over at the pass "
                                          "office: send the person there."), badge, token)
    person_id = badge.accreditation.delegate_id
    row = db.session.scalar(sa.select(SessionAttendance).where(
        SessionAttendance.session_id == session.id, SessionAttendance.delegate_id == person_id))
    if row is not None:
        return Verdict(True, "re_entry", _("Re-entry: first entered at %(when)s.",
                                           when=fmt_datetime(row.entered_at, forum.timezone)),
                       badge, token)
    db.session.add(SessionAttendance(
        session_id=session.id, delegate_id=person_id, badge_version=badge.version,
        entered_at=now, recorded_by_id=actor.id if actor is not None else None))
    db.session.flush()
    return Verdict(True, "entered", _("Entry to %(title)s recorded.", title=session.title),
                   badge, token)


def headcount(forum: Forum, delegation_id: int | None = None) -> list[tuple[Session, int]]:
    """Sessions with how many people entered (of one delegation when given), by start."""
    q = (sa.select(Session, sa.func.count(SessionAttendance.id))
         .join(SessionAttendance, SessionAttendance.session_id == Session.id)
         .where(Session.forum_id == forum.id)
         .group_by(Session.id).order_by(Session.starts_at, Session.id))
    if delegation_id is not None:
        q = q.join(Delegate, Delegate.id == SessionAttendance.delegate_id).where(
            Delegate.delegation_id == delegation_id)
    return [(s, n) for s, n in db.session.execute(q).all()]


def attendance(session: Session, delegation_id: int | None = None) -> list[SessionAttendance]:
    q = (sa.select(SessionAttendance).join(Delegate)
         .where(SessionAttendance.session_id == session.id)
         .order_by(SessionAttendance.entered_at, SessionAttendance.id))
    if delegation_id is not None:
        q = q.where(Delegate.delegation_id == delegation_id)
    return list(db.session.scalars(q))
