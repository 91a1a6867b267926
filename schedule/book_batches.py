"""Batches of briefing books: one row per batch and one per book, so the progress of a
batch lives in the database and survives restarts of web servers and workers."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delegations.db import Base, UTCDateTime, enum_column, utcnow
from delegations.models import Delegate, Delegation, Forum

from .models import BriefingBookEdition


class ItemStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


OPEN = (ItemStatus.QUEUED, ItemStatus.RUNNING)


class BookBatch(Base):
    """A coordinator's request for many books at once (the whole forum, a delegation,
    chosen delegates)."""

    __tablename__ = "book_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"),
                                          index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    paper: Mapped[str] = mapped_column(sa.String(10), default="A4")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total: Mapped[int] = mapped_column(default=0)

    forum: Mapped[Forum] = relationship()

    @property
    def state(self) -> str:
        if self.cancelled_at is not None:
            return "cancelled"
        return "finished" if self.finished_at is not None else "running"


class BookBatchItem(Base):
    """One book of a batch: its state, how many times a worker took it, why it failed,
    and the edition it produced (new, or the unchanged one reused)."""

    __tablename__ = "book_batch_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("book_batch.id", ondelete="CASCADE"))
    delegate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegate.id", ondelete="CASCADE"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation.id", ondelete="CASCADE"))
    status: Mapped[ItemStatus] = mapped_column(enum_column(ItemStatus, name="bookitemstatus"),
                                               default=ItemStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[float | None]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    reused: Mapped[bool] = mapped_column(default=False)
    edition_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("briefing_book_edition.id", ondelete="SET NULL"))

    batch: Mapped[BookBatch] = relationship()
    delegate: Mapped[Delegate | None] = relationship()
    delegation: Mapped[Delegation | None] = relationship()
    edition: Mapped[BriefingBookEdition | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("(delegate_id IS NULL) <> (delegation_id IS NULL)",
                           name="one_owner"),
        sa.Index("ix_book_batch_item_batch_status", "batch_id", "status"),
    )
