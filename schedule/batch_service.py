"""Batches of briefing books as jobs: start, run one book, retry, cancel, find books whose
worker died, and report progress.

A book is taken by a worker with one UPDATE (``queued`` -> ``running``, attempts + 1) and
finished with another that names that attempt, in the same transaction as its edition: a
book whose worker died (SIGKILL, lost machine) is taken again once its claim is older than
``BOOKS_VISIBILITY_TIMEOUT``, and a late finish of the dead attempt is refused, so each book
is written exactly once. The batch is marked finished by whoever finishes its last book,
and by the maintenance pass, so no batch stays "running".
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from delegations import jobs
from delegations.db import db, utcnow
from delegations.models import Delegate, Delegation, Forum, User

from . import briefing
from .book_batches import OPEN, BookBatch, BookBatchItem, ItemStatus
from .models import BriefingBookEdition

DEFAULTS = {
    "BOOKS_VISIBILITY_TIMEOUT": 300,  # seconds a taken book may run before another takes it
    "BOOKS_JOB_TIMEOUT": 240,  # seconds one book may render (shorter than the above)
    "BOOKS_MAX_ATTEMPTS": 3,
}
REASON_LENGTH = 500


def init_app(app: Any) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    jobs.add_maintenance(app, requeue_stale)


# --------------------------------------------------------------------------- starting


def start_batch(forum: Forum, *, actor: User | None, title: str,
                delegates: Iterable[Delegate] = (), delegations: Iterable[Delegation] = (),
                paper: str = "A4") -> BookBatch:
    """A batch with one queued book per delegate and per delegation (flushed; commit, then
    call ``queue_batch``)."""
    batch = BookBatch(forum_id=forum.id, title=title[:300],
                      paper=briefing.PAPERS.get(paper.upper(), "A4"),
                      created_by_id=actor.id if actor is not None else None)
    db.session.add(batch)
    db.session.flush()
    rows = [{"batch_id": batch.id, "delegate_id": p.id, "delegation_id": None}
            for p in delegates]
    rows += [{"batch_id": batch.id, "delegate_id": None, "delegation_id": d.id}
             for d in delegations]
    if not rows:
        raise ValueError("nobody to make a book for")
    db.session.execute(sa.insert(BookBatchItem), [
        {**r, "status": ItemStatus.QUEUED, "attempts": 0, "reason": "", "reused": False}
        for r in rows])
    batch.total = len(rows)
    db.session.flush()
    return batch


def forum_delegates(forum: Forum, delegation: Delegation | None = None,
                    ids: Iterable[int] | None = None) -> list[Delegate]:
    q = (sa.select(Delegate).join(Delegation).where(Delegation.forum_id == forum.id)
         .order_by(Delegation.name, Delegate.family_name, Delegate.given_names, Delegate.id))
    if delegation is not None:
        q = q.where(Delegate.delegation_id == delegation.id)
    if ids is not None:
        q = q.where(Delegate.id.in_(list(ids)))
    return list(db.session.scalars(q))


def queue_batch(batch_id: int) -> None:
    """Submit one job per queued book (a job itself: a big batch is queued by a worker,
    not by the web request). Commit the batch before calling."""
    jobs.submit(enqueue_items, batch_id)


def enqueue_items(batch_id: int, item_ids: list[int] | None = None) -> None:
    q = sa.select(BookBatchItem.id).where(BookBatchItem.batch_id == batch_id,
                                          BookBatchItem.status == ItemStatus.QUEUED)
    if item_ids is not None:
        q = q.where(BookBatchItem.id.in_(item_ids))
    ids = list(db.session.scalars(q.order_by(BookBatchItem.id)))
    db.session.rollback()
    for i in range(0, len(ids), 500):
        jobs.enqueue_many(run_item, [(item_id,) for item_id in ids[i:i + 500]],
                          on_failure=item_failed,
                          timeout=int(current_app.config["BOOKS_JOB_TIMEOUT"]))


# --------------------------------------------------------------------------- running


def _stale_before() -> datetime:
    return utcnow() - timedelta(seconds=int(current_app.config["BOOKS_VISIBILITY_TIMEOUT"]))


def claim(item_id: int) -> int | None:
    """Take a queued book (or one whose worker stopped answering); return the attempt
    number, None when another worker has it or it is finished. Commits."""
    item = BookBatchItem.__table__
    attempt = db.session.execute(
        item.update()
        .where(item.c.id == item_id,
               sa.or_(item.c.status == ItemStatus.QUEUED,
                      sa.and_(item.c.status == ItemStatus.RUNNING,
                              item.c.claimed_at < _stale_before())),
               sa.not_(sa.exists().where(BookBatch.id == item.c.batch_id,
                                         BookBatch.cancelled_at.is_not(None))))
        .values(status=ItemStatus.RUNNING, attempts=item.c.attempts + 1, claimed_at=utcnow())
        .returning(item.c.attempts)).scalar()
    db.session.commit()
    return attempt


def run_item(item_id: int) -> None:
    """The job: make (or reuse) one book of a batch."""
    attempt = claim(item_id)
    if attempt is None:
        return
    item = db.session.get(BookBatchItem, item_id)
    assert item is not None
    if attempt > int(current_app.config["BOOKS_MAX_ATTEMPTS"]):
        _finish_failed(item_id, attempt, "its worker stopped before finishing, "
                       f"{attempt - 1} times: not tried again")
        return
    batch = item.batch
    forum, paper = batch.forum, batch.paper
    started = time.perf_counter()
    owner: dict[str, Any] = ({"delegate": item.delegate} if item.delegate_id is not None
                             else {"delegation": item.delegation})
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost/"
    for _ in range(3):
        try:
            with current_app.test_request_context("/", base_url=base):
                draft = briefing.draft_edition(forum, paper=paper, **owner)
        except Exception as exc:  # a broken book fails alone; the batch goes on
            db.session.rollback()
            current_app.logger.exception("briefing book of batch item %s failed", item_id)
            _finish_failed(item_id, attempt, readable(exc))
            return
        # End the reading transaction before writing (SQLite refuses to turn a reader
        # whose snapshot is older than another writer's commit into a writer).
        db.session.rollback()
        stored = _store(item_id, attempt, draft, time.perf_counter() - started)
        if stored is not None:
            if stored:
                finish_batch(item.batch_id)
            return
        owner = {k: db.session.merge(v) for k, v in owner.items()}
        forum = db.session.merge(forum)
    _finish_failed(item_id, attempt, "other editions of this book kept being stored "
                   "meanwhile: try again")


def _store(item_id: int, attempt: int, draft: briefing.Draft, seconds: float) -> bool | None:
    """Store the draft and mark the book done, in one transaction that starts with the
    write naming this attempt (so a late, taken-over attempt stores nothing). True: done;
    False: another attempt owns the book; None: the draft is stale, make it again."""
    table = BookBatchItem.__table__
    mine = db.session.execute(
        table.update()
        .where(table.c.id == item_id, table.c.status == ItemStatus.RUNNING,
               table.c.attempts == attempt)
        .values(status=ItemStatus.DONE, finished_at=utcnow(), seconds=seconds, reason=""))
    if mine.rowcount != 1:
        db.session.rollback()
        return False
    try:
        book = briefing.store_draft(draft)
    except briefing.StaleDraft:
        db.session.rollback()
        return None
    db.session.execute(table.update().where(table.c.id == item_id)
                       .values(edition_id=book.edition.id, reused=not book.fresh))
    db.session.commit()
    return True


def readable(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "JobTimeoutException":
        return "rendering took too long and was stopped"
    text = str(exc).strip() or name
    return f"could not render the book: {text}"[:REASON_LENGTH]


def _finish_failed(item_id: int, attempt: int | None, reason: str) -> None:
    db.session.rollback()  # a fresh transaction that starts by writing (see run_item)
    table = BookBatchItem.__table__
    cond = [table.c.id == item_id, table.c.status.in_(OPEN)]
    if attempt is not None:
        cond.append(table.c.attempts == attempt)
    batch_id = db.session.execute(
        table.update().where(*cond)
        .values(status=ItemStatus.FAILED, reason=reason[:REASON_LENGTH], finished_at=utcnow())
        .returning(table.c.batch_id)).scalar()
    db.session.commit()
    if batch_id is not None:
        finish_batch(batch_id)


def item_failed(reason: str, item_id: int) -> None:
    """The job's failure hook: the job itself failed for good (not the book's rendering,
    which ``run_item`` records itself), e.g. the database was unreachable."""
    _finish_failed(item_id, None, reason)


def finish_batch(batch_id: int) -> bool:
    """Mark the batch finished once none of its books is queued or running. Commits."""
    table = BookBatch.__table__
    items = BookBatchItem.__table__
    result = db.session.execute(
        table.update()
        .where(table.c.id == batch_id, table.c.finished_at.is_(None),
               sa.not_(sa.exists().where(items.c.batch_id == batch_id,
                                         items.c.status.in_(OPEN))))
        .values(finished_at=utcnow()))
    db.session.commit()
    return result.rowcount == 1


def requeue_stale() -> int:
    """Maintenance: give books whose worker died to another worker, and finish batches
    left with nothing to do. Safe to run from many workers at once. Returns how many."""
    stale = db.session.execute(
        sa.select(BookBatchItem.id, BookBatchItem.batch_id)
        .where(BookBatchItem.status == ItemStatus.RUNNING,
               BookBatchItem.claimed_at < _stale_before())).all()
    open_batches = list(db.session.scalars(
        sa.select(BookBatch.id).where(BookBatch.finished_at.is_(None))))
    db.session.rollback()
    if stale:
        jobs.enqueue_many(run_item, [(item_id,) for item_id, _ in stale],
                          on_failure=item_failed,
                          timeout=int(current_app.config["BOOKS_JOB_TIMEOUT"]))
    for batch_id in open_batches:
        finish_batch(batch_id)
    return len(stale)


# --------------------------------------------------------------------------- coordinator


def cancel(batch: BookBatch) -> int:
    """Cancel the books not yet taken (those being made finish). Flushes."""
    if batch.cancelled_at is None and batch.finished_at is None:
        batch.cancelled_at = utcnow()
    result = db.session.execute(
        sa.update(BookBatchItem)
        .where(BookBatchItem.batch_id == batch.id, BookBatchItem.status == ItemStatus.QUEUED)
        .values(status=ItemStatus.CANCELLED, finished_at=utcnow()))
    db.session.flush()
    return result.rowcount


def retry(batch: BookBatch, item_ids: list[int] | None = None) -> list[int]:
    """Queue failed (or cancelled) books again; returns their ids. Flushes; commit, then
    ``jobs.submit(enqueue_items, batch.id, ids)``."""
    q = sa.select(BookBatchItem.id).where(
        BookBatchItem.batch_id == batch.id,
        BookBatchItem.status.in_((ItemStatus.FAILED, ItemStatus.CANCELLED)))
    if item_ids is not None:
        q = q.where(BookBatchItem.id.in_(item_ids))
    ids = list(db.session.scalars(q))
    if ids:
        db.session.execute(
            sa.update(BookBatchItem).where(BookBatchItem.id.in_(ids))
            .values(status=ItemStatus.QUEUED, reason="", attempts=0, finished_at=None,
                    claimed_at=None))
        batch.finished_at = None
        batch.cancelled_at = None
        db.session.flush()
    return ids


# --------------------------------------------------------------------------- progress


@dataclass
class Progress:
    batch: BookBatch
    counts: dict[str, int] = field(default_factory=dict)
    reused: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts.get(ItemStatus.DONE.value, 0)

    @property
    def failed(self) -> int:
        return self.counts.get(ItemStatus.FAILED.value, 0)

    @property
    def remaining(self) -> int:
        return sum(self.counts.get(s.value, 0) for s in OPEN)

    @property
    def percent(self) -> int:
        finished = self.total - self.remaining
        return 100 if not self.total else int(100 * finished / self.total)

    def eta_seconds(self, now: datetime | None = None) -> int | None:
        """Remaining books at the rate seen so far in this batch (all workers together)."""
        finished = self.total - self.remaining
        if not self.remaining or not finished or self.batch.state != "running":
            return None
        elapsed = ((now or utcnow()) - self.batch.created_at).total_seconds()
        return int(elapsed / finished * self.remaining) + 1

    def as_json(self) -> dict[str, Any]:
        return {"id": self.batch.id, "state": self.batch.state, "total": self.total,
                "done": self.done, "failed": self.failed, "remaining": self.remaining,
                "reused": self.reused, "percent": self.percent,
                "eta_seconds": self.eta_seconds(), "counts": self.counts}


def progress(batch: BookBatch) -> Progress:
    """Counts by state in one query."""
    rows = db.session.execute(
        sa.select(BookBatchItem.status, BookBatchItem.reused, sa.func.count())
        .where(BookBatchItem.batch_id == batch.id)
        .group_by(BookBatchItem.status, BookBatchItem.reused)).all()
    p = Progress(batch)
    for status, reused, n in rows:
        p.counts[status.value] = p.counts.get(status.value, 0) + n
        if status == ItemStatus.DONE and reused:
            p.reused += n
    return p


def items(batch: BookBatch, status: ItemStatus | None = None) -> list[BookBatchItem]:
    from sqlalchemy.orm import selectinload

    q = (sa.select(BookBatchItem).where(BookBatchItem.batch_id == batch.id)
         .options(selectinload(BookBatchItem.delegate), selectinload(BookBatchItem.delegation))
         .order_by(BookBatchItem.id))
    if status is not None:
        q = q.where(BookBatchItem.status == status)
    return list(db.session.scalars(q))


def done_editions(batch: BookBatch) -> list[tuple[int, str, str]]:
    """(edition id, file name, whose book) of every finished book, without the PDFs."""
    rows = db.session.execute(
        sa.select(BriefingBookEdition.id, BriefingBookEdition.number,
                  BriefingBookEdition.paper, Delegate, Delegation.name)
        .select_from(BookBatchItem)
        .join(BriefingBookEdition, BriefingBookEdition.id == BookBatchItem.edition_id)
        .outerjoin(Delegate, Delegate.id == BookBatchItem.delegate_id)
        .outerjoin(Delegation, Delegation.id == BookBatchItem.delegation_id)
        .where(BookBatchItem.batch_id == batch.id, BookBatchItem.status == ItemStatus.DONE)
        .order_by(BookBatchItem.id)).all()
    short = batch.forum.short_name
    out, seen = [], set()
    for edition_id, number, paper, person, delegation in rows:
        who = person.display_name if person is not None else delegation
        name = briefing.edition_filename(short, who or "book", number, paper)
        if name in seen:
            name = name.removesuffix(".pdf") + f"-{edition_id}.pdf"
        seen.add(name)
        out.append((edition_id, name, who or ""))
    return out
