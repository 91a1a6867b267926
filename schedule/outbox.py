"""The mail outbox: who is told about a programme change, written in the change's own
transaction.

A change to a session (time, room, status, a person added or removed, a speaking part)
becomes rows in ``mail_message`` in the same transaction as the change itself: either
both are committed or neither is. A sender (``schedule.mailer``) delivers the rows later.

Who is told what:

- every person whose view of the session changed gets one message about it (the session
  moved, changed room or was cancelled: everyone in it; they were added, removed, or their
  role, order or minutes changed: that person);
- the focal point of each affected person's delegation gets one digest for the delegation,
  except for private meetings, which are told only to the people in them;
- changes to one session within ``MAIL_COALESCE_SECONDS`` of the first go out as one
  message: the row written for the first change is still waiting, so later changes join it
  (its "before" stays the state the person last knew; "after" is read when it is sent);
- an address on the opt-out list gets no message (its calendar feed still updates).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from delegations.db import Base, UTCDateTime, db, utcnow
from delegations.models import Delegate, Delegation

from .models import Room, Session


class MailStatus:
    PENDING = "pending"  # waiting for its window or its next attempt
    SENDING = "sending"  # claimed by a sender; back to pending if the sender dies
    SENT = "sent"
    FAILED = "failed"  # gave up (permanent refusal or too many attempts)
    SKIPPED = "skipped"  # nothing left to tell, or the person opted out meanwhile

    ALL = ("pending", "sending", "sent", "failed", "skipped")


class MailMessage(Base):
    """One message to one address: a person's update about one session, or a focal point's
    digest for one delegation. ``raw`` holds the exact bytes once rendered, so a retry sends
    the same message (same Message-ID) and never a second, different one."""

    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # person | digest
    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"))
    delegate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegate.id", ondelete="SET NULL"))
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(sa.String(320))
    recipient_name: Mapped[str] = mapped_column(sa.String(300), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # the "before" states
    status: Mapped[str] = mapped_column(sa.String(16), default=MailStatus.PENDING)
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    subject: Mapped[str] = mapped_column(sa.String(500), default="")
    method: Mapped[str] = mapped_column(sa.String(16), default="")  # REQUEST | CANCEL | ""
    raw: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("kind IN ('person', 'digest')", name="kind"),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'skipped')", name="status"),
        sa.Index("ix_mail_message_due", "status", "not_before"),
        sa.Index("ix_mail_message_waiting", "kind", "session_id", "delegate_id",
                 "delegation_id", "status"),
    )


class MailOptOut(Base):
    """An address that asked for no more messages (stored lower-case)."""

    __tablename__ = "mail_opt_out"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --------------------------------------------------------------------------- states

WRITTEN = "forum_desk_mail_written"  # session.info flag: this transaction wrote rows

# What a person is told about: a change to any of these, or to their own part.
TOLD_FIELDS = ("starts_at", "ends_at", "where", "status")


def where(s: Session) -> str:
    """Where the session happens, read from ``room_id`` (the relationship may be stale
    right after the room was changed in this transaction)."""
    room = db.session.get(Room, s.room_id) if s.room_id is not None else None
    if room is not None and not room.online:
        return ", ".join(p for p in (room.name, room.venue.name) if p)
    if (room is not None and room.online) or s.online_link:
        return f"Online: {s.online_link}" if s.online_link else "Online"
    return s.location_note or ""


def session_state(s: Session) -> dict[str, Any]:
    """The session as its people know it: plain JSON-able data."""
    people: dict[str, dict[str, Any]] = {}
    for slot in s.speaker_slots:
        if slot.delegate_id is not None:
            people[str(slot.delegate_id)] = {
                "role": slot.role.value, "order": slot.order, "minutes": slot.minutes,
                "remote": bool(slot.remote)}
    return {
        "title": s.title,
        "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(),
        "where": where(s),
        "status": s.status.value,
        "private": bool(s.private),
        "people": people,
    }


def person_view(state: dict[str, Any], delegate_id: int) -> dict[str, Any]:
    """One person's view of a session state: the session, and their part (None: not in it)."""
    view = {k: state[k] for k in ("title", "starts_at", "ends_at", "where", "status")}
    view["part"] = state["people"].get(str(delegate_id))
    return view


def snapshot(s: Session) -> dict[str, Any]:
    """Call before changing a session; hand the result to ``session_changed``."""
    db.session.flush()
    return session_state(s)


# --------------------------------------------------------------------------- writing rows


@dataclass(frozen=True)
class Affected:
    delegate_id: int
    before: dict[str, Any]


def affected_people(before: dict[str, Any], after: dict[str, Any]) -> list[Affected]:
    """Everyone whose view of the session differs between the two states."""
    session_changed = any(before[k] != after[k] for k in TOLD_FIELDS)
    ids = sorted({int(k) for k in before["people"]} | {int(k) for k in after["people"]})
    out = []
    for pid in ids:
        b, a = before["people"].get(str(pid)), after["people"].get(str(pid))
        if b is None and a is None:
            continue
        # a person who has just been added or removed is told about their part even when
        # nothing else changed; people in it all along only when the session itself did
        if b != a or (session_changed and b is not None):
            out.append(Affected(pid, person_view(before, pid)))
    return out


def opted_out(email: str) -> bool:
    return bool(opted_out_of([email]))


def opted_out_of(emails: list[str]) -> set[str]:
    """Which of these addresses opted out (lower-case), in one query."""
    wanted = {e.strip().lower() for e in emails if e and e.strip()}
    if not wanted:
        return set()
    return set(db.session.scalars(sa.select(MailOptOut.email).where(
        MailOptOut.email.in_(wanted))))


def _message_id() -> str:
    sender = str(current_app.config.get("MAIL_DEFAULT_SENDER") or "forum-desk@localhost")
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def _window(now: datetime) -> datetime:
    return now + timedelta(seconds=float(current_app.config.get("MAIL_COALESCE_SECONDS", 120)))


def _join_waiting(row_id: int, values: dict[str, Any]) -> bool:
    """Add to a row still waiting; False when a sender claimed it meanwhile (then the
    change goes into a new row). The status test is in the UPDATE itself, so a sender's
    claim and this write cannot both win."""
    result = db.session.execute(
        sa.update(MailMessage)
        .where(MailMessage.id == row_id, MailMessage.status == MailStatus.PENDING,
               MailMessage.raw.is_(None))
        .values(**values).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _waiting_digests(delegation_ids: set[int]) -> dict[int, MailMessage]:
    """The digests still in their window for these delegations, in one query."""
    if not delegation_ids:
        return {}
    rows = db.session.scalars(sa.select(MailMessage).where(
        MailMessage.kind == "digest", MailMessage.delegation_id.in_(delegation_ids),
        MailMessage.status == MailStatus.PENDING, MailMessage.raw.is_(None))
        .order_by(MailMessage.id))
    return {r.delegation_id: r for r in rows if r.delegation_id is not None}


def _tell_person(s: Session, person: Delegate, before: dict[str, Any], now: datetime,
                 waiting: dict[int, int]) -> dict[str, Any] | None:
    """Join the person's waiting message, or return the values of a new one."""
    row_id = waiting.get(person.id)
    if row_id is not None and _join_waiting(row_id, {"recipient": person.email.strip()}):
        return None
    return {"kind": "person", "forum_id": s.forum_id, "session_id": s.id,
            "delegate_id": person.id, "delegation_id": person.delegation_id,
            "recipient": person.email.strip(), "recipient_name": person.display_name,
            "payload": {"before": before}, "message_id": _message_id(), "created_at": now,
            "not_before": _window(now), "next_attempt_at": now}


def _tell_focal_point(s: Session, delegation: Delegation, before: dict[str, Any],
                      delegate_ids: list[int], now: datetime,
                      row: MailMessage | None) -> dict[str, Any] | None:
    """Join the delegation's waiting digest, or return the values of a new one."""
    entry = {"before": before, "delegates": delegate_ids}
    if row is not None:
        sessions = dict(row.payload.get("sessions", {}))
        old = sessions.get(str(s.id))
        if old is not None:  # keep the earliest "before"; add the people
            entry = {"before": old["before"],
                     "delegates": sorted(set(old["delegates"]) | set(delegate_ids))}
        sessions[str(s.id)] = entry
        if _join_waiting(row.id, {"payload": {"sessions": sessions}}):
            db.session.expire(row)
            return None
    return {"kind": "digest", "forum_id": s.forum_id, "delegation_id": delegation.id,
            "recipient": delegation.focal_point_email.strip(),
            "recipient_name": delegation.focal_point_name or "",
            "payload": {"sessions": {str(s.id): entry}}, "message_id": _message_id(),
            "created_at": now, "not_before": _window(now), "next_attempt_at": now}


def session_changed(s: Session, before: dict[str, Any]) -> int:
    """Write the outbox rows for a change of ``s`` from state ``before`` (flushes only).
    Returns how many people are affected."""
    db.session.flush()
    db.session.expire(s, ["speaker_slots"])
    after = session_state(s)
    people = affected_people(before, after)
    if not people:
        return 0
    now = utcnow()
    persons = {p.id: p for p in db.session.scalars(
        sa.select(Delegate).where(Delegate.id.in_([a.delegate_id for a in people])))}
    delegations = {d.id: d for d in db.session.scalars(sa.select(Delegation).where(
        Delegation.id.in_({p.delegation_id for p in persons.values()})))}
    stopped = opted_out_of([p.email or "" for p in persons.values()]
                           + [d.focal_point_email for d in delegations.values()])
    waiting = dict(db.session.execute(  # rows still in their window, one query
        sa.select(MailMessage.delegate_id, MailMessage.id).where(
            MailMessage.kind == "person", MailMessage.session_id == s.id,
            MailMessage.status == MailStatus.PENDING, MailMessage.raw.is_(None))).all())
    by_delegation: dict[int, list[int]] = {}
    new_rows: list[dict[str, Any]] = []
    for a in people:
        person = persons.get(a.delegate_id)
        if person is None:
            continue
        by_delegation.setdefault(person.delegation_id, []).append(person.id)
        email = (person.email or "").strip()
        if email and email.lower() not in stopped:
            new = _tell_person(s, person, a.before, now, waiting)
            if new is not None:
                new_rows.append(new)
    if not (before["private"] or after["private"]):
        session_before = {k: v for k, v in before.items() if k != "private"}
        digests = _waiting_digests(set(by_delegation))
        for delegation_id, ids in sorted(by_delegation.items()):
            delegation = delegations[delegation_id]
            email = (delegation.focal_point_email or "").strip()
            if email and email.lower() not in stopped:
                new = _tell_focal_point(s, delegation, session_before, ids, now,
                                        digests.get(delegation_id))
                if new is not None:
                    new_rows.append(new)
    if new_rows:  # one INSERT for every new message, not one per person
        db.session.execute(sa.insert(MailMessage), new_rows)
    db.session.flush()
    db.session.info[WRITTEN] = True  # once committed, a job sends them (see mail_views)
    return len(people)
