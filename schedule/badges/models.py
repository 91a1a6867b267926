"""Badges (one per accreditation, re-issued by raising its version) and entries to sessions.

A badge's QR code and number carry only the badge id, its version and a signature
(``tokens.py``); everything a desk shows is looked up here at scan time, so a re-issue,
a withdrawal or a rejection takes effect at once on every printed copy.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delegations.db import Base, UTCDateTime, utcnow
from delegations.models import Accreditation, Delegate, Delegation, Forum, User

from ..models import Session


class Badge(Base):
    __tablename__ = "badge"

    id: Mapped[int] = mapped_column(primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accreditation.id", ondelete="CASCADE"), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    #: The version handed over at the pass office (None: never collected). A re-issued
    #: badge has a higher version, so it must be collected again.
    collected_version: Mapped[int | None]
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    accreditation: Mapped[Accreditation] = relationship()
    collected_by: Mapped[User | None] = relationship(foreign_keys=[collected_by_id])

    __table_args__ = (
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("valid_until >= valid_from", name="dates_in_order"),
    )

    @property
    def collected(self) -> bool:
        return self.collected_version == self.version


class SessionAttendance(Base):
    """A delegate let into a session by the desk (one row per person and session)."""

    __tablename__ = "session_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    delegate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delegate.id", ondelete="CASCADE"), index=True)
    badge_version: Mapped[int]
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    session: Mapped[Session] = relationship()
    delegate: Mapped[Delegate] = relationship()

    __table_args__ = (sa.UniqueConstraint("session_id", "delegate_id"),)


class BadgeBatch(Base):
    """Printing many badges as a job: what was asked, how far it got, and the PDFs.

    The job (``batches.run_badge_batch``) keeps its progress here, so a page can show it and
    a restarted worker can run it again (issuing is idempotent, the PDFs are rewritten)."""

    __tablename__ = "badge_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"))
    #: One delegation, or None for every delegation of the forum.
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    stage: Mapped[str] = mapped_column(sa.String(200), default="")
    steps_done: Mapped[int] = mapped_column(default=0)
    steps_total: Mapped[int] = mapped_column(default=0)
    badges: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[str] = mapped_column(sa.Text, default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cards_pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    sheets_pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)

    forum: Mapped[Forum] = relationship()
    delegation: Mapped[Delegation | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')",
                           name="status_known"),
    )
