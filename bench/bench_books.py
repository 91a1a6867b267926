"""Benchmark: briefing books on a synthetic forum, one at a time and as a batch on RQ.

    python3 ../shared/bench/forum_gen.py --sessions 5000 --rooms auto --days 5 \
        --speakers 2000 --out /tmp/forum-5000-2k.json
    .venv/bin/python bench/bench_books.py /tmp/forum-5000-2k.json \
        [--db /tmp/bench-books.sqlite] [--batch 50] [--workers 2] [--redis redis://...]

Measures:
1. one delegation's book with about 40 engagements (delegations of 8 speakers): first
   render (read, HTML, PDF; nothing stored), the unchanged book served from its stored
   edition, and WeasyPrint alone on the same HTML; the queries one book runs;
2. a batch of ``--batch`` delegate books (speakers of the forum, in roster order) made by
   ``--workers`` real ``flask worker`` processes on Redis: wall time, books per second,
   the time 2,000 books would take at that rate (an extrapolation, said so), and each
   worker's peak resident memory (VmHWM).

The forum is loaded once into ``--db`` (SQLite) and reused by later runs.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORUM_DESK_INSTANCE", tempfile.mkdtemp(prefix="bench-books-"))

import sqlalchemy as sa  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from bench.forumbench import load_forum_bench  # noqa: E402
from delegations import create_app  # noqa: E402
from delegations.db import alembic, db  # noqa: E402
from delegations.models import Delegate, Delegation, Forum  # noqa: E402
from schedule import batch_service, briefing  # noqa: E402
from schedule.book_batches import BookBatch  # noqa: E402
from schedule.models import BriefingBookEdition, SpeakerSlot  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def make_app(db_path: Path, redis_url: str | None, queue: str):
    config = {"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{db_path}",
              "REDIS_URL": redis_url, "JOBS_QUEUE": queue}
    return create_app(config)


def load(app, path: Path) -> Forum:
    with app.app_context():
        alembic.upgrade()
        forum = db.session.scalar(sa.select(Forum).where(Forum.short_name == "BENCHBOOKS"))
        if forum is None:
            forum = load_forum_bench(path, short_name="BENCHBOOKS", per_delegation=8)
            db.session.commit()
        return forum.id


def count_queries(fn) -> int:
    n = 0

    def before(*_a, **_k):
        nonlocal n
        n += 1

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    return n


def bench_one(app, forum_id: int) -> None:
    with app.app_context(), app.test_request_context("/"):
        forum = db.session.get(Forum, forum_id)
        counts = db.session.execute(
            sa.select(Delegation.id, sa.func.count(sa.distinct(SpeakerSlot.session_id)))
            .join(Delegate, Delegate.delegation_id == Delegation.id)
            .join(SpeakerSlot, SpeakerSlot.delegate_id == Delegate.id)
            .where(Delegation.forum_id == forum.id).group_by(Delegation.id)).all()
        did, n = min(counts, key=lambda c: (abs(c[1] - 40), c[0]))
        delegation = db.session.get(Delegation, did)
        # leave no edition behind: the first render must render
        db.session.execute(sa.delete(BriefingBookEdition)
                           .where(BriefingBookEdition.delegation_id == did))
        db.session.commit()
        briefing.draft_edition(forum, delegation=delegation)  # warm fonts and caches
        firsts, cpus = [], []
        for _ in range(3):
            t, c = time.perf_counter(), time.process_time()
            draft = briefing.draft_edition(forum, delegation=delegation)
            firsts.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        queries = count_queries(lambda: briefing.gather_book(forum, delegation=delegation))
        book = briefing.store_draft(draft)
        db.session.commit()
        pages = len(PdfReader(io.BytesIO(draft.pdf)).pages)
        stored, stored_cpu = [], []
        for _ in range(5):
            t, c = time.perf_counter(), time.process_time()
            again = briefing.stored_edition(forum, delegation=delegation)
            stored.append(time.perf_counter() - t)
            stored_cpu.append(time.process_time() - c)
        assert again is not None and again.edition.id == book.edition.id
        html = briefing.book_html(draft.data, edition=1, issued_at=draft.issued_at,
                                  changes=None)
        t = time.perf_counter()
        briefing.html_to_pdf(html, static_folder=app.static_folder)
        alone = time.perf_counter() - t
        big = briefing.gather_book(forum, delegation=delegation)
    print(f"1. delegation book, {n} engagements, {pages} pages, "
          f"{len(big['whos_who'])} people in its who's who")
    print(f"   first render (read+HTML+PDF)  p50 {ms(statistics.median(firsts))}"
          f"  (runs: {', '.join(ms(x) for x in firsts)}); CPU p50 {ms(statistics.median(cpus))}")
    print(f"   unchanged, stored edition     p50 {ms(statistics.median(stored))}"
          f"; CPU p50 {ms(statistics.median(stored_cpu))}")
    print(f"   WeasyPrint alone, same HTML   {ms(alone)}")
    print(f"   queries to gather one book    {queries}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def bench_batch(app, forum_id: int, size: int, workers: int, db_path: Path) -> None:
    queue = app.config["JOBS_QUEUE"]
    with app.app_context():
        forum = db.session.get(Forum, forum_id)
        people = batch_service.forum_delegates(forum)[:size]
        ids = [p.id for p in people]
        db.session.execute(sa.delete(BriefingBookEdition)
                           .where(BriefingBookEdition.delegate_id.in_(ids)))
        engagements = db.session.scalar(
            sa.select(sa.func.count(SpeakerSlot.id)).where(SpeakerSlot.delegate_id.in_(ids)))
        batch = batch_service.start_batch(forum, actor=None, title="bench", delegates=people)
        db.session.commit()
        batch_id = batch.id
    env = dict(os.environ, PYTHONPATH=str(ROOT), FLASK_SECRET_KEY="bench",
               FLASK_DATABASE_URL=f"sqlite:///{db_path}", FLASK_REDIS_URL=app.config["REDIS_URL"],
               FLASK_JOBS_QUEUE=queue, FORUM_DESK_INSTANCE=app.instance_path)
    procs = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(workers)]
    time.sleep(3)  # let the workers import the app before the clock starts
    cpu0 = [cpu_seconds(proc.pid) for proc in procs]
    t = time.perf_counter()
    with app.app_context():
        batch_service.queue_batch(batch_id)
        while True:
            db.session.rollback()
            b = db.session.get(BookBatch, batch_id)
            db.session.refresh(b)
            if b.state != "running":
                break
            time.sleep(0.5)
        wall = time.perf_counter() - t
        p = batch_service.progress(b)
    peaks = [peak_rss_kb(proc.pid) for proc in procs]
    cpu = sum(cpu_seconds(proc.pid) - c0 for proc, c0 in zip(procs, cpu0, strict=True))
    load = os.getloadavg()[0]
    for proc in procs:
        proc.terminate()
        proc.wait(30)
    rate = p.done / wall if wall else 0
    print(f"2. batch of {size} delegate books ({engagements} engagements), {workers} workers")
    print(f"   wall {wall:,.1f} s, {p.done} done, {p.failed} failed, {rate:.2f} books/s")
    if rate:
        print(f"   2,000 books at this rate (extrapolated, not measured): "
              f"{2000 / rate / 60:,.1f} min")
    print(f"   worker peak RSS (VmHWM): {', '.join(f'{kb / 1024:,.0f} MB' for kb in peaks)}")
    if p.done:
        per_book = cpu / p.done
        print(f"   worker CPU {per_book * 1000:,.0f} ms per book (load average {load:.1f} on "
              f"{os.cpu_count()} cores); 2,000 books on {workers} otherwise idle cores would "
              f"take about {2000 * per_book / workers / 60:,.1f} min (extrapolated from CPU)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("forum", type=Path)
    ap.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "bench-books.sqlite")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--skip-one", action="store_true")
    args = ap.parse_args()
    queue = f"bench-books-{uuid.uuid4().hex[:8]}"
    app = make_app(args.db, args.redis, queue)
    forum_id = load(app, args.forum)
    if not args.skip_one:
        bench_one(app, forum_id)
    if args.batch:
        bench_batch(app, forum_id, args.batch, args.workers, args.db)


if __name__ == "__main__":
    main()
