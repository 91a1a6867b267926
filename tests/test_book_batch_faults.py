"""A worker killed in the middle of a batch loses nothing: 30 books, two real RQ worker
processes on the real Redis, one SIGKILLed while it makes a book; every book ends done
exactly once (one edition each) and passes pdf-check; the batch does not stay running."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from delegations.db import db
from schedule import batch_service
from schedule.book_batches import BookBatch, BookBatchItem, ItemStatus
from schedule.models import BriefingBookEdition
from tests import jobs_support
from tests.cal_support import pdf_check
from tests.jobs_support import forget_queue, redis_or_fail, start_worker, unique_queue

BOOKS = 30


@pytest.fixture
def rq_app(app: Any) -> Any:
    conn = redis_or_fail()
    name = unique_queue()
    app.config.update(REDIS_URL=jobs_support.REDIS_URL, JOBS_QUEUE=name, JOBS_RETRIES=1,
                      JOBS_MAINTENANCE_INTERVAL=2)
    yield app
    forget_queue(conn, name)


def busy_worker(app: Any, name: str) -> bool:
    from rq import Worker

    w = Worker.find_by_key(f"rq:worker:{name}", connection=jobs_support.redis_or_fail())
    return w is not None and w.get_state() == "busy"


def counts(batch_id: int) -> dict[str, int]:
    db.session.rollback()
    rows = db.session.execute(
        sa.select(BookBatchItem.status, sa.func.count()).where(
            BookBatchItem.batch_id == batch_id).group_by(BookBatchItem.status)).all()
    return {s.value: n for s, n in rows}


def test_sigkilled_worker_loses_no_book(rq_app, make_forum, make_delegation, make_delegate,
                                        make_venue, make_session, tmp_path: Path) -> None:
    forum = make_forum(short_name="KILL")
    venue = make_venue(forum, rooms=3)
    cities = [make_delegation(forum, name=f"City {i:02d}") for i in range(BOOKS // 3)]
    people = [make_delegate(cities[i // 3], given_names=f"Person{i:02d}", family_name="Kill")
              for i in range(BOOKS)]
    start = datetime(2022, 5, 17, 13, 0, tzinfo=UTC)
    for i in range(BOOKS):
        at = start + timedelta(days=i // 8, hours=i % 8)
        make_session(forum, start=at, end=at + timedelta(minutes=50), title=f"Session {i}", room=venue.rooms[i % 3],
                     speakers=[people[i], people[(i + 7) % BOOKS]],
                     background="Context for the session. " * 40)
    db.session.commit()
    batch = batch_service.start_batch(forum, actor=None, title="Kill test",
                                      delegates=people)
    db.session.commit()
    batch_id = batch.id

    env = {"FLASK_BOOKS_VISIBILITY_TIMEOUT": "10", "FLASK_JOBS_MAINTENANCE_INTERVAL": "2"}
    victim = start_worker(rq_app, "--name", f"{rq_app.config['JOBS_QUEUE']}-victim",
                          log=tmp_path / "victim.log", **env)
    survivor = start_worker(rq_app, "--name", f"{rq_app.config['JOBS_QUEUE']}-survivor",
                            log=tmp_path / "survivor.log", **env)
    try:
        batch_service.queue_batch(batch_id)
        # kill the victim while it makes a book, once the batch is well under way
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            c = counts(batch_id)
            if c.get("done", 0) >= 3 and busy_worker(
                    rq_app, f"{rq_app.config['JOBS_QUEUE']}-victim"):
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the batch did not get going: {counts(batch_id)}")
        time.sleep(0.3)  # into the render
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(10)
        killed_at = counts(batch_id)
        assert killed_at.get("done", 0) < BOOKS, "the batch finished before the kill"
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            db.session.rollback()
            b = db.session.get(BookBatch, batch_id)
            db.session.refresh(b)
            if b.state != "running":
                break
            time.sleep(1)
        else:
            pytest.fail(f"the batch stayed running: {counts(batch_id)}")
    finally:
        for proc in (victim, survivor):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(60)

    assert counts(batch_id) == {"done": BOOKS}, (tmp_path / "survivor.log").read_text()[-3000:]
    # exactly once: one edition per delegate, every item pointing at its own
    per_owner = db.session.execute(
        sa.select(BriefingBookEdition.delegate_id, sa.func.count())
        .group_by(BriefingBookEdition.delegate_id)).all()
    assert sorted(per_owner) == sorted((p.id, 1) for p in people)
    items = db.session.scalars(sa.select(BookBatchItem).where(
        BookBatchItem.batch_id == batch_id)).all()
    assert len({i.edition_id for i in items}) == BOOKS
    assert all(i.status == ItemStatus.DONE for i in items)
    # the book the victim was making was taken again by the survivor
    assert max(i.attempts for i in items) >= 2, [i.attempts for i in items]
    for ed in db.session.scalars(sa.select(BriefingBookEdition)):
        path = tmp_path / f"book-{ed.id}.pdf"
        path.write_bytes(ed.pdf)
        pdf_check(path, "Kill", "Session", min_pages=5)
