"""Batches of briefing books: progress kept in the database, the in-process pool and real
RQ workers, reuse of unchanged editions, cancel, a failed book with its reason and a retry,
the streamed ZIP, the CLI, and what a delegate sees."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from delegations import jobs
from delegations.db import db
from delegations.models import Role
from delegations.zipstream import zip_stream
from schedule import batch_service
from schedule.book_batches import BookBatch, BookBatchItem, ItemStatus
from schedule.models import BriefingBookEdition
from schedule.services import update_session
from tests import jobs_support
from tests.cal_support import pdf_check
from tests.jobs_support import ROOT, forget_queue, redis_or_fail, unique_queue, worker_env


@pytest.fixture
def world(make_forum, make_delegation, make_delegate, make_venue, make_session, make_user):
    forum = make_forum(short_name="BB22")
    venue = make_venue(forum, rooms=2)
    a = make_delegation(forum, name="Accra")
    b = make_delegation(forum, name="Bogotá")
    people = [make_delegate(a, given_names="Ama", family_name="Mensah"),
              make_delegate(a, given_names="Kofi", family_name="Owusu"),
              make_delegate(b, given_names="Lucía", family_name="Gómez"),
              make_delegate(b, given_names="Mateo", family_name="<b>Ruiz</b>")]
    start = datetime(2022, 5, 17, 14, 0, tzinfo=UTC)
    sessions = [make_session(forum, start=start + timedelta(hours=i), title=f"Dialogue {i}",
                             room=venue.rooms[i % 2], speakers=[people[i], people[(i + 1) % 4]])
                for i in range(4)]
    make_user(Role.COORDINATOR, email="c@example.org")
    make_user(Role.DELEGATE, email="ama@example.org", delegate=people[0])
    db.session.commit()
    return {"forum": forum, "people": people, "sessions": sessions, "a": a, "b": b}


def finished(app: Any) -> None:
    assert jobs.wait_idle(app, timeout=300)
    db.session.rollback()  # the test's session may hold a read from before the jobs


def start(client: Any, **form: str) -> int:
    r = client.post("/BB22/books/batches/", data=form)
    assert r.status_code == 303, r.data
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_batch_progress_zip_and_reuse_in_process(app, client, auth, world, tmp_path):
    auth.login("c@example.org")
    batch_id = start(client, scope="forum", delegation_books="1")
    finished(app)
    p = client.get(f"/BB22/books/batches/{batch_id}/progress.json").get_json()
    assert (p["total"], p["done"], p["failed"], p["remaining"], p["percent"], p["state"]) \
        == (6, 6, 0, 0, 100, "finished")
    page = client.get(f"/BB22/books/batches/{batch_id}/").data.decode()
    assert 'id="batch-bar" max="100" value="100"' in page
    assert "<script>" not in page.replace(
        '<script src="/static/book-batch.js" defer></script>', "")  # no inline script
    assert "&lt;b&gt;Ruiz&lt;/b&gt;" in page and "<b>Ruiz</b>" not in page
    r = client.get(f"/BB22/books/batches/{batch_id}/books.zip")
    assert r.status_code == 200 and r.mimetype == "application/zip" and r.is_streamed
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    names = archive.namelist()
    assert len(names) == 6 and "BB22-briefing-Accra-ed1.pdf" in names
    assert any("Lucía-Gómez" in n or "Luc-a-G-mez" in n or "Lucía" in n for n in names)
    for name in names:
        pdf = archive.read(name)
        assert pdf.startswith(b"%PDF") and len(PdfReader(io.BytesIO(pdf)).pages) >= 5
    book = tmp_path / names[0]
    book.write_bytes(archive.read(names[0]))
    pdf_check(book, "Dialogue", min_pages=5)
    editions = db.session.scalar(sa.select(sa.func.count(BriefingBookEdition.id)))
    assert editions == 6

    # nothing changed: every book keeps its edition
    again = start(client, scope="forum", delegation_books="1")
    finished(app)
    p = client.get(f"/BB22/books/batches/{again}/progress.json").get_json()
    assert (p["done"], p["reused"]) == (6, 6)
    assert db.session.scalar(sa.select(sa.func.count(BriefingBookEdition.id))) == 6

    # one session moves: the books of its two speakers and their delegations change
    update_session(world["sessions"][0], None,
                   starts_at=datetime(2022, 5, 18, 9, 0, tzinfo=UTC),
                   ends_at=datetime(2022, 5, 18, 10, 0, tzinfo=UTC))
    db.session.commit()
    third = start(client, scope="forum", delegation_books="1")
    finished(app)
    p = client.get(f"/BB22/books/batches/{third}/progress.json").get_json()
    assert (p["done"], p["reused"]) == (6, 3)  # Ama, Kofi and Accra made anew
    assert db.session.scalar(sa.select(sa.func.count(BriefingBookEdition.id))) == 9


def test_delegate_sees_when_the_new_edition_is_ready(app, client, auth, world):
    auth.login("ama@example.org")
    me = world["people"][0]
    assert client.get("/BB22/books/batches/").status_code == 403  # not a coordinator
    r = client.post(f"/BB22/books/delegates/{me.id}/edition", data={"paper": "A4"})
    assert r.status_code == 303
    finished(app)
    page = client.get("/BB22/books/").data.decode()
    assert "edition 1 ready since" in page
    # the one-book batch is theirs to follow; others' batches are not
    own = client.get(r.headers["Location"])
    assert own.status_code == 200 and b"Finished" in own.data
    auth.logout()
    auth.login("c@example.org")
    other = start(client, scope="forum")
    finished(app)
    auth.logout()
    auth.login("ama@example.org")
    assert client.get(f"/BB22/books/batches/{other}/").status_code == 404  # kept secret


def test_cli_batch_in_process(app, runner, world):
    res = runner.invoke(args=["books", "batch", "--forum", "BB22", "--delegation", "Accra",
                              "--wait"])
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[-1] == "2 done, 0 failed"
    res = runner.invoke(args=["books", "batch", "--forum", "NOPE"])
    assert res.exit_code != 0


def test_zip_is_streamed_one_member_at_a_time():
    loaded: list[str] = []

    def loader(name: str):
        def load() -> bytes:
            loaded.append(name)
            return name.encode() * 1000
        return load

    stream = zip_stream((f"{i}.pdf", loader(f"{i}.pdf")) for i in range(3))
    first = next(stream)
    assert loaded == ["0.pdf"] and len(first) > 3000
    rest = b"".join(stream)
    assert loaded == ["0.pdf", "1.pdf", "2.pdf"]
    with zipfile.ZipFile(io.BytesIO(first + rest)) as z:
        assert z.read("2.pdf") == b"2.pdf" * 1000


# --------------------------------------------------------------------------- on RQ


@pytest.fixture
def rq_app(app: Any) -> Any:
    conn = redis_or_fail()
    name = unique_queue()
    app.config.update(REDIS_URL=jobs_support.REDIS_URL, JOBS_QUEUE=name, JOBS_RETRIES=1)
    yield app
    forget_queue(conn, name)


def burst(app: Any, **env: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT, env=worker_env(app, **env), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cancel_drops_the_books_not_started(rq_app, client, auth, world):
    auth.login("c@example.org")
    batch_id = start(client, scope="forum")  # queued on Redis; no worker runs yet
    db.session.rollback()
    r = client.post(f"/BB22/books/batches/{batch_id}/cancel")
    assert r.status_code == 303
    burst(rq_app)
    db.session.rollback()
    p = client.get(f"/BB22/books/batches/{batch_id}/progress.json").get_json()
    assert p["state"] == "cancelled" and p["counts"] == {"cancelled": 4}
    assert db.session.scalar(sa.select(sa.func.count(BriefingBookEdition.id))) == 0


def test_failed_book_has_a_reason_and_can_be_retried(rq_app, client, auth, world,
                                                     make_session):
    # a book too long for its time limit fails alone, with a readable reason
    forum, ama = world["forum"], world["people"][0]
    start_at = datetime(2022, 5, 19, 8, 0, tzinfo=UTC)
    for i in range(400):
        make_session(forum, start=start_at + timedelta(minutes=10 * i),
                     end=start_at + timedelta(minutes=10 * i + 9), title=f"Long {i}",
                     speakers=[ama], background="Background paragraph. " * 400)
    db.session.commit()
    auth.login("c@example.org")
    batch_id = start(client, scope="delegation", delegation_id=str(world["a"].id))
    burst(rq_app, FLASK_BOOKS_JOB_TIMEOUT="10")
    db.session.rollback()
    p = client.get(f"/BB22/books/batches/{batch_id}/progress.json").get_json()
    assert (p["done"], p["failed"], p["state"]) == (1, 1, "finished")
    failed = client.get(f"/BB22/books/batches/{batch_id}/failed").data.decode()
    assert "Ama Mensah" in failed and "rendering took too long and was stopped" in failed
    item = db.session.scalar(sa.select(BookBatchItem).where(
        BookBatchItem.status == ItemStatus.FAILED))
    assert client.post(f"/BB22/books/batches/{batch_id}/retry",
                       data={"item_id": str(item.id)}).status_code == 303
    burst(rq_app)
    db.session.rollback()
    p = client.get(f"/BB22/books/batches/{batch_id}/progress.json").get_json()
    assert (p["done"], p["failed"], p["state"]) == (2, 0, "finished")


def test_cli_batch_on_rq_exits_non_zero_when_a_book_failed(rq_app, world, make_session,
                                                           tmp_path):
    forum, ama = world["forum"], world["people"][0]
    start_at = datetime(2022, 5, 19, 8, 0, tzinfo=UTC)
    for i in range(400):
        make_session(forum, start=start_at + timedelta(minutes=10 * i),
                     end=start_at + timedelta(minutes=10 * i + 9), title=f"Long {i}",
                     speakers=[ama], background="Background paragraph. " * 400)
    db.session.commit()
    worker = jobs_support.start_worker(rq_app, log=tmp_path / "worker.log",
                                       FLASK_BOOKS_JOB_TIMEOUT="10")
    try:
        res = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "books", "batch",
             "--forum", "BB22", "--delegation", "Accra", "--wait"],
            cwd=ROOT, env=worker_env(rq_app), capture_output=True, text=True, timeout=600)
    finally:
        worker.terminate()
        worker.wait(30)
    assert res.returncode == 1, res.stdout + res.stderr
    assert res.stdout.strip().splitlines()[-1] == "1 done, 1 failed"
    assert "Ama Mensah: rendering took too long" in res.stderr
    db.session.rollback()
    assert db.session.scalar(sa.select(BookBatch.finished_at)) is not None
    assert batch_service  # the module the worker ran


def test_a_book_whose_worker_died_is_taken_again(app, world):
    forum, people = world["forum"], world["people"]
    batch = batch_service.start_batch(forum, actor=None, title="t", delegates=people[:2])
    db.session.commit()
    items = db.session.scalars(sa.select(BookBatchItem).order_by(BookBatchItem.id)).all()
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    # a worker took each book and died: one on its first try, one on its third
    for item, attempts in zip(items, (1, 3), strict=True):
        item.status, item.attempts, item.claimed_at = ItemStatus.RUNNING, attempts, long_ago
    fresh = batch_service.start_batch(forum, actor=None, title="u", delegates=people[2:3])
    db.session.flush()
    db.session.execute(sa.update(BookBatchItem).where(BookBatchItem.batch_id == fresh.id)
                       .values(status=ItemStatus.RUNNING, attempts=1,
                               claimed_at=datetime.now(UTC)))  # alive: left alone
    db.session.commit()
    assert batch_service.requeue_stale() == 2
    finished(app)
    rows = db.session.execute(sa.select(BookBatchItem.status, BookBatchItem.attempts,
                                        BookBatchItem.reason)
                              .where(BookBatchItem.batch_id == batch.id)
                              .order_by(BookBatchItem.id)).all()
    assert rows[0] == (ItemStatus.DONE, 2, "")
    assert rows[1][:2] == (ItemStatus.FAILED, 4)
    assert "its worker stopped before finishing, 3 times" in rows[1][2]
    assert db.session.get(BookBatch, batch.id).state == "finished"
    assert db.session.get(BookBatch, fresh.id).state == "running"
