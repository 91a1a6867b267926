"""Venues, rooms, sessions, speaker slots, calendar feed tokens and briefing book editions."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delegations.db import Base, UTCDateTime, enum_column, utcnow
from delegations.models import Delegate, Delegation, Forum


class SessionKind(enum.StrEnum):
    PLENARY = "plenary"
    GENERAL_DEBATE = "general_debate"
    ROUNDTABLE = "roundtable"
    HEARING = "hearing"
    POLICY_DEBATE = "policy_debate"
    SIDE_EVENT = "side_event"
    BILATERAL = "bilateral"
    PRIVATE_MEETING = "private_meeting"
    PRESS_CONFERENCE = "press_conference"
    RECEPTION = "reception"
    DELEGATION_BRIEFING = "delegation_briefing"

    @property
    def label(self) -> str:
        return {
            "plenary": _("Plenary"),
            "general_debate": _("General debate"),
            "roundtable": _("Roundtable"),
            "hearing": _("Hearing"),
            "policy_debate": _("Policy debate"),
            "side_event": _("Side event"),
            "bilateral": _("Bilateral"),
            "private_meeting": _("Private meeting"),
            "press_conference": _("Press conference"),
            "reception": _("Reception"),
            "delegation_briefing": _("Delegation briefing"),
        }[self.value]

    @property
    def private_by_default(self) -> bool:
        return self in (SessionKind.BILATERAL, SessionKind.PRIVATE_MEETING)


class SessionStatus(enum.StrEnum):
    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "tentative": _("Tentative"),
            "confirmed": _("Confirmed"),
            "cancelled": _("Cancelled"),
        }[self.value]


class SpeakerRole(enum.StrEnum):
    KEYNOTE = "keynote"
    PANELLIST = "panellist"
    MODERATOR = "moderator"
    SPEAKER = "speaker"
    FROM_THE_FLOOR = "from_the_floor"
    PARTICIPANT = "participant"

    @property
    def label(self) -> str:
        return {
            "keynote": _("Keynote"),
            "panellist": _("Panellist"),
            "moderator": _("Moderator"),
            "speaker": _("Speaker"),
            "from_the_floor": _("From the floor"),
            "participant": _("Participant"),
        }[self.value]


class Venue(Base):
    __tablename__ = "venue"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.Text, default="")
    access_instructions: Mapped[str] = mapped_column(sa.Text, default="")

    forum: Mapped[Forum] = relationship()
    rooms: Mapped[list[Room]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", order_by="Room.name"
    )

    __table_args__ = (sa.UniqueConstraint("forum_id", "name"),)


class VenueTravel(Base):
    """Minutes needed to get from one venue to another (stored once per pair, both ways)."""

    __tablename__ = "venue_travel"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venue.id", ondelete="CASCADE"))
    to_venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venue.id", ondelete="CASCADE"))
    minutes: Mapped[int]

    __table_args__ = (
        sa.UniqueConstraint("from_venue_id", "to_venue_id"),
        sa.CheckConstraint("from_venue_id < to_venue_id", name="pair_ordered"),
        sa.CheckConstraint("minutes >= 0", name="minutes_not_negative"),
    )


class Room(Base):
    __tablename__ = "room"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venue.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    capacity: Mapped[int | None]
    interpretation_languages: Mapped[str] = mapped_column(sa.String(100), default="")
    online: Mapped[bool] = mapped_column(default=False)

    venue: Mapped[Venue] = relationship(back_populates="rooms")

    __table_args__ = (sa.UniqueConstraint("venue_id", "name"),)


def _new_uid() -> str:
    return f"{uuid.uuid4()}@forum-desk"


class Session(Base):
    """A session of the programme. Times are stored in UTC; the forum keeps the zone.

    Two sessions that are not cancelled cannot hold the same room at overlapping times:
    PostgreSQL enforces it with an exclusion constraint, SQLite with triggers (see the
    first migration).
    """

    __tablename__ = "session"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(120), unique=True, default=_new_uid)
    forum_id: Mapped[int] = mapped_column(
        sa.ForeignKey("forum.id", ondelete="CASCADE"), index=True
    )
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("room.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(400))
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind))
    official: Mapped[bool] = mapped_column(default=False)
    private: Mapped[bool] = mapped_column(default=False)
    organiser: Mapped[str] = mapped_column(sa.String(300), default="")
    chairs: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus), default=SessionStatus.CONFIRMED
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location_note: Mapped[str] = mapped_column(sa.String(300), default="")  # where no room
    online_link: Mapped[str] = mapped_column(sa.String(500), default="")
    background: Mapped[str] = mapped_column(sa.Text, default="")
    expected_attendance: Mapped[int | None]
    # The coordinator's notes for briefs
    objectives: Mapped[str] = mapped_column(sa.Text, default="")
    points_to_make: Mapped[str] = mapped_column(sa.Text, default="")
    press_line: Mapped[str] = mapped_column(sa.Text, default="")
    revision: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE
    # what the latest edition changed, for people told by feed or mail ("Moved from ...")
    change_note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # the revision is also the optimistic version of a session edited from a form: the
    # services raise it, every UPDATE checks it (delegations/versions.py)
    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    forum: Mapped[Forum] = relationship()
    room: Mapped[Room | None] = relationship()
    speaker_slots: Mapped[list[SpeakerSlot]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SpeakerSlot.order"
    )

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_session_room_time", "room_id", "starts_at"),
    )

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class SpeakerSlot(Base):
    """A person's part in a session: a delegate, or an external guest by name."""

    __tablename__ = "speaker_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    delegate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegate.id", ondelete="CASCADE"), index=True
    )
    guest_name: Mapped[str] = mapped_column(sa.String(300), default="")
    guest_function: Mapped[str] = mapped_column(sa.String(300), default="")
    role: Mapped[SpeakerRole] = mapped_column(enum_column(SpeakerRole))
    order: Mapped[int] = mapped_column(default=0)
    minutes: Mapped[int | None]
    remote: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    session: Mapped[Session] = relationship(back_populates="speaker_slots")
    delegate: Mapped[Delegate | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "delegate_id IS NOT NULL OR guest_name <> ''", name="delegate_or_guest"
        ),
    )

    @property
    def speaker_name(self) -> str:
        return self.delegate.display_name if self.delegate else self.guest_name

    @property
    def speaker_function(self) -> str:
        return self.delegate.function if self.delegate else self.guest_function


class SpeakingLimit(Base):
    """A forum's time limit for each speaker in one kind of session (minutes; None: none)."""

    __tablename__ = "speaking_limit"
    __table_args__ = (sa.UniqueConstraint("forum_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind))
    minutes: Mapped[int | None]


class FeedToken(Base):
    """A secret calendar-feed token of a delegate or a delegation, stored as its SHA-256."""

    __tablename__ = "feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegate.id", ondelete="CASCADE")
    )
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation.id", ondelete="CASCADE")
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    delegate: Mapped[Delegate | None] = relationship()
    delegation: Mapped[Delegation | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "(delegate_id IS NULL) <> (delegation_id IS NULL)", name="one_owner"
        ),
    )


class BriefingBookEdition(Base):
    """A rendered briefing book, stored so unchanged data serves the same file."""

    __tablename__ = "briefing_book_edition"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegate.id", ondelete="CASCADE")
    )
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation.id", ondelete="CASCADE")
    )
    number: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paper: Mapped[str] = mapped_column(sa.String(10), default="A4")
    fingerprint: Mapped[str] = mapped_column(sa.String(64))  # hash of the inputs
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # sessions as issued
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)

    __table_args__ = (
        sa.CheckConstraint(
            "(delegate_id IS NULL) <> (delegation_id IS NULL)", name="one_owner"
        ),
        sa.Index("ix_briefing_book_owner", "delegate_id", "delegation_id", "number"),
    )
