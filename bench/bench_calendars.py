"""Benchmark: calendar feeds and briefing books on synthetic forums.

    python3 ../shared/bench/forum_gen.py --sessions 5000 --rooms auto --days 5 \
        --speakers 100000 --out /tmp/forum-5000-100k.json
    python3 ../shared/bench/forum_gen.py --sessions 5000 --rooms auto --days 5 \
        --speakers 2000 --out /tmp/forum-5000-2k.json
    /tmp/probe-venv/bin/python bench/bench_calendars.py \
        --feeds /tmp/forum-5000-100k.json --books /tmp/forum-5000-2k.json \
        [--database-url postgresql://postgres@127.0.0.1:5432/DB]

Measures, through the Flask test client (the whole app stack, no network):
1. a delegate's subscribed feed (token URL) at 100,000 delegates / 5,000 sessions: first
   render, stored render (unchanged data), and 304 revalidation; p50 and p95;
2. the whole-forum feed at 5,000 sessions (first render, stored, 304) against serialising
   the same events with ``icalendar`` alone (values prepared beforehand: the floor);
3. one delegation's briefing book with about 40 engagements: first edition, stored edition,
   and WeasyPrint alone on the same HTML.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORUM_DESK_INSTANCE", tempfile.mkdtemp(prefix="bench-cal-"))

import sqlalchemy as sa  # noqa: E402
from icalendar import Calendar, Event  # noqa: E402

from bench.forumbench import load_forum_bench  # noqa: E402
from delegations import create_app  # noqa: E402
from delegations.auth import create_user  # noqa: E402
from delegations.db import alembic, db  # noqa: E402
from delegations.models import Delegate, Delegation, Role  # noqa: E402
from delegations.timeutil import zone  # noqa: E402
from schedule import briefing, ical  # noqa: E402
from schedule.feeds import issue_token  # noqa: E402
from schedule.models import SpeakerSlot  # noqa: E402

PASSWORD = "bench password 1"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def make_app(url: str | None, tmp: Path):
    config = {"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
              "DATABASE_URL": url or f"sqlite:///{tmp / 'bench.sqlite'}",
              "PUBLIC_BASE_URL": "http://localhost/"}
    app = create_app(config)
    with app.app_context():
        if url:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        alembic.upgrade()
    return app


def icalendar_alone(feed: ical.Feed) -> Callable[[], bytes]:
    """The floor: the same events built and serialised by icalendar, values prepared."""
    tz = zone(feed.forum.timezone)
    vtz = ical.vtimezone(feed.forum.timezone, *ical._window(feed.forum, feed.sessions))
    rows = [(s.uid, s.revision, s.updated_at, s.starts_at.astimezone(tz),
             s.ends_at.astimezone(tz), ical.STATUS[s.status], s.title, ical.location(s),
             ical.description(s, feed.focus), f"http://localhost/x#{s.id}")
            for s in feed.sessions]

    def run() -> bytes:
        cal = Calendar()
        cal.add("prodid", ical.PRODID)
        cal.add("version", "2.0")
        cal.add_component(vtz)
        for uid, rev, upd, start, end, status, title, loc, desc, url in rows:
            ev = Event()
            ev.add("uid", uid)
            ev.add("dtstamp", upd)
            ev.add("sequence", rev)
            ev.add("last-modified", upd)
            ev.add("dtstart", start)
            ev.add("dtend", end)
            ev.add("status", status)
            ev.add("summary", title)
            ev.add("location", loc)
            ev.add("description", desc)
            ev.add("url", url)
            cal.add_component(ev)
        return cal.to_ical()
    return run


def bench_feeds(app, path: Path, samples: int) -> None:
    with app.app_context():
        t = time.perf_counter()
        forum = load_forum_bench(path)
        db.session.commit()
        with db.engine.connect() as conn:  # fresh statistics, as a live database has
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        n_delegates = db.session.scalar(sa.select(sa.func.count(Delegate.id)))
        print(f"loaded {path.name}: {n_delegates:,} delegates in {time.perf_counter() - t:.1f} s")
        create_user("coord@bench.example", PASSWORD, Role.COORDINATOR)
        busy = db.session.scalars(
            sa.select(SpeakerSlot.delegate_id).join(Delegate)
            .join(Delegation).where(Delegation.forum_id == forum.id).distinct()).all()
        random.seed(5)
        chosen = random.sample(list(busy), min(samples, len(busy)))
        tokens = [issue_token(None, delegate_id=d)[1] for d in chosen]
        db.session.commit()
        short = forum.short_name
        forum_id = forum.id

    client = app.test_client()
    urls = [f"/calendar/feed/{tok}.ics" for tok in tokens]
    first, stored, revalidate = [], [], []
    etags = {}
    for u in urls:
        t = time.perf_counter()
        r = client.get(u)
        first.append(time.perf_counter() - t)
        assert r.status_code == 200, r.status_code
        etags[u] = r.headers["ETag"]
    for u in urls:
        t = time.perf_counter()
        r = client.get(u)
        stored.append(time.perf_counter() - t)
    for u in urls:
        t = time.perf_counter()
        r = client.get(u, headers={"If-None-Match": etags[u]})
        revalidate.append(time.perf_counter() - t)
        assert r.status_code == 304
    print(f"\n1. delegate's feed (token URL), {n_delegates:,} delegates, {len(urls)} delegates:")
    for label, xs in (("first render", first), ("stored render", stored),
                      ("304 revalidation", revalidate)):
        print(f"   {label:18} p50 {ms(statistics.median(xs))}  p95 {ms(pct(xs, 95))}")

    # whole forum
    coord = app.test_client()
    coord.post("/login", data={"email": "coord@bench.example", "password": PASSWORD})
    url = f"/{short}/calendar/forum.ics"
    cold = []
    for _ in range(3):
        app.extensions.pop("forum_desk_ical_cache", None)
        app.extensions.pop("forum_desk_ical_events", None)
        t = time.perf_counter()
        r = coord.get(url)
        cold.append(time.perf_counter() - t)
    n_events = r.data.count(b"BEGIN:VEVENT")
    changed = []
    for i in range(3):  # one session moves: only its event is rendered again
        with app.app_context():
            from schedule.models import Session as S
            from schedule.services import update_session

            s = db.session.scalars(sa.select(S).where(S.forum_id == forum_id)
                                   .order_by(S.id).offset(i).limit(1)).one()
            update_session(s, None, title=s.title + " (moved)")
            db.session.commit()
        t = time.perf_counter()
        r = coord.get(url)
        changed.append(time.perf_counter() - t)
        assert b"(moved)" in r.data
    etag = r.headers["ETag"]
    warm = timed(lambda: coord.get(url), 5)
    not_modified = timed(lambda: coord.get(url, headers={"If-None-Match": etag}), 5)
    with app.app_context():
        from delegations.models import Forum

        f = db.session.get(Forum, forum_id)
        with app.test_request_context("/"):
            t = time.perf_counter()
            feed = ical.gather_feed(f, user=None)
            gather = time.perf_counter() - t
            t = time.perf_counter()
            ical.render_ics(feed, session_url=lambda s: f"http://localhost/x#{s.id}")
            render = time.perf_counter() - t
            alone = timed(icalendar_alone(feed), 3)
    print(f"\n2. whole-forum feed, {n_events:,} events ({len(r.data) / 1e6:.1f} MB):")
    print(f"   first render over HTTP   p50 {ms(statistics.median(cold))}"
          f"  (query+load {ms(gather)}, render_ics {ms(render)})")
    print(f"   one session changed      p50 {ms(statistics.median(changed))}"
          "  (stored events, one re-rendered)")
    print(f"   stored render over HTTP  p50 {ms(statistics.median(warm))}")
    print(f"   304 revalidation         p50 {ms(statistics.median(not_modified))}")
    print(f"   icalendar alone (floor)  p50 {ms(statistics.median(alone))}")


def bench_book(app, path: Path) -> None:
    with app.app_context():
        forum = load_forum_bench(path, per_delegation=8)
        db.session.commit()
        counts = db.session.execute(
            sa.select(Delegation.id, sa.func.count(sa.distinct(SpeakerSlot.session_id)))
            .join(Delegate, Delegate.delegation_id == Delegation.id)
            .join(SpeakerSlot, SpeakerSlot.delegate_id == Delegate.id)
            .where(Delegation.forum_id == forum.id).group_by(Delegation.id)).all()
        did, n = min(counts, key=lambda c: (abs(c[1] - 40), c[0]))
        delegation = db.session.get(Delegation, did)
        with app.test_request_context("/"):
            briefing.current_edition(forum, delegation=delegation)  # warm fonts, caches
            db.session.rollback()
            firsts, pages = [], 0
            for _ in range(3):
                t = time.perf_counter()
                book = briefing.current_edition(forum, delegation=delegation)
                firsts.append(time.perf_counter() - t)
                db.session.rollback()  # forget the edition: the next run renders again
            book = briefing.current_edition(forum, delegation=delegation)
            db.session.commit()
            stored = timed(lambda: briefing.current_edition(forum, delegation=delegation), 5)
            import io

            from pypdf import PdfReader

            pages = len(PdfReader(io.BytesIO(book.edition.pdf)).pages)
            data = briefing.gather_book(forum, delegation=delegation)
            html = briefing.book_html(data, edition=1, issued_at=book.edition.issued_at,
                                      changes=None)
            from weasyprint import HTML

            alone = timed(lambda: HTML(string=html).write_pdf(), 3)
            gather = timed(lambda: briefing.gather_book(forum, delegation=delegation), 3)
    print(f"\n3. delegation book, {n} engagements, {pages} pages:")
    print(f"   first edition (gather+HTML+PDF) p50 {ms(statistics.median(firsts))}"
          f"  (gather {ms(statistics.median(gather))})")
    print(f"   stored edition (unchanged)      p50 {ms(statistics.median(stored))}")
    print(f"   WeasyPrint alone, same HTML     p50 {ms(statistics.median(alone))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=Path, required=True)
    ap.add_argument("--books", type=Path)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--database-url")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-cal-db-"))
    app = make_app(args.database_url, tmp)
    print(f"database: {app.config['DATABASE_URL'].split('@')[-1]}")
    bench_feeds(app, args.feeds, args.samples)
    if args.books:
        bench_book(app, args.books)


if __name__ == "__main__":
    main()
