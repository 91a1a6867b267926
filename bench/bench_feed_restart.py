"""Benchmark: the whole-forum feed's first request after a restart (stored events).

    python3 ../shared/bench/forum_gen.py --sessions 5000 --rooms auto --days 5 \
        --speakers 2000 --out /tmp/forum-5000-2k.json
    .venv/bin/python bench/bench_feed_restart.py --feeds /tmp/forum-5000-2k.json \
        [--database-url postgresql://postgres@127.0.0.1:5432/DB] [--runs 3]

Loads the forum, renders the whole-forum feed once with nothing stored (the cold render,
which stores every event), then starts a NEW Python process per run (a restart: no
in-process cache, no warmed imports of zone data) that creates the app, logs in and times
its first GET of the feed. Also checks that the assembled bytes are the bytes of a full
render (DTSTAMP lines aside, since stored events keep the time they were rendered).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORUM_DESK_INSTANCE", tempfile.mkdtemp(prefix="bench-restart-"))

PASSWORD = "bench password 1"
EMAIL = "coord@bench.example"


def strip(data: bytes) -> bytes:
    return b"\r\n".join(x for x in data.split(b"\r\n") if not x.startswith(b"DTSTAMP"))


def config(url: str) -> dict:
    return {"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "DATABASE_URL": url,
            "PUBLIC_BASE_URL": "https://desk.example.org/"}


def probe(url: str, short: str) -> None:
    """One restarted process: create the app, log in, time the first feed request."""
    from delegations import create_app

    app = create_app(config(url))
    client = app.test_client()
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    t, cpu = time.perf_counter(), time.process_time()
    r = client.get(f"/{short}/calendar/forum.ics")
    took, cpu = time.perf_counter() - t, time.process_time() - cpu
    assert r.status_code == 200, r.status_code
    print(json.dumps({"seconds": took, "cpu": cpu, "events": r.data.count(b"BEGIN:VEVENT"),
                      "sha": hashlib.sha256(r.data).hexdigest()}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=Path)
    ap.add_argument("--database-url")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--probe", nargs=2, metavar=("URL", "SHORT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.probe:
        probe(*args.probe)
        return

    import sqlalchemy as sa

    from bench.forumbench import load_forum_bench
    from delegations import create_app
    from delegations.auth import create_user
    from delegations.db import alembic, db
    from delegations.models import Role
    from schedule import ical
    from schedule.calendars import session_url_factory
    from schedule.feed_store import FeedEvent

    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    app = create_app(config(url))
    with app.app_context():
        if args.database_url:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        alembic.upgrade()
        forum = load_forum_bench(args.feeds)
        create_user(EMAIL, PASSWORD, Role.COORDINATOR)
        db.session.commit()
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        short, forum_id = forum.short_name, forum.id
    print(f"database: {app.config['DATABASE_URL'].split('@')[-1].split('///')[-1]}")

    client = app.test_client()
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    t = time.perf_counter()
    r = client.get(f"/{short}/calendar/forum.ics")
    cold = time.perf_counter() - t
    first = r.data
    with app.app_context():
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(FeedEvent))
        from delegations.models import Forum, User

        f = db.session.get(Forum, forum_id)
        coordinator = db.session.scalar(sa.select(User).where(User.email == EMAIL))
        full = ical.render_ics(ical.gather_feed(f, user=coordinator),
                               session_url=session_url_factory(f))
    same = strip(full) == strip(first)
    print(f"whole-forum feed: {first.count(b'BEGIN:VEVENT'):,} events, "
          f"{len(first) / 1e6:.1f} MB; {stored:,} events stored")
    print(f"  cold render, nothing stored        {cold * 1000:,.0f} ms")

    runs = []
    for _ in range(args.runs):
        p = subprocess.run([sys.executable, __file__, "--probe", url, short],
                           capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    secs = [x["seconds"] for x in runs]
    print(f"  first request after a restart      p50 {statistics.median(secs) * 1000:,.0f} ms"
          f"  (runs: {', '.join(f'{s * 1000:,.0f}' for s in secs)} ms)")
    cpus = [x["cpu"] for x in runs]
    print(f"  (CPU time of that request          p50 {statistics.median(cpus) * 1000:,.0f} ms:"
          " the wall time includes waiting for a shared CPU)")
    print(f"  same bytes in every restarted run: "
          f"{len({x['sha'] for x in runs}) == 1 and runs[0]['sha'] == hashlib.sha256(first).hexdigest()}")
    print(f"  assembled == full render (DTSTAMP aside): {same}")


if __name__ == "__main__":
    main()
