"""Benchmark the programme: full clash scan, the day grid of the busiest day, and SQL
queries per page (which must not grow with the number of sessions).

    python bench/bench_programme.py                       # 500 and 5,000 sessions, SQLite
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/fd_bench python bench/bench_programme.py
    python bench/bench_programme.py --sizes 5000 --days 12 --rooms 120 --slots 30000

Forums come from ../shared/bench/forum_gen.py (see its README) and are loaded by
bench/forumbench.py. forum_gen gives 1-3 speakers per session; ``--slots`` tops the forum
up with participant slots (drawn at random, so some people are double-booked, as in life)
until it holds that many speaker slots.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GEN = ROOT.parent / "shared" / "bench" / "forum_gen.py"

import sqlalchemy as sa  # noqa: E402

from bench.forumbench import load_forum_bench  # noqa: E402
from delegations import create_app  # noqa: E402
from delegations.auth import create_user  # noqa: E402
from delegations.db import Base, alembic, db  # noqa: E402
from delegations.models import Delegate, Delegation, Role  # noqa: E402
from delegations.timeutil import to_zone  # noqa: E402
from schedule import clashes  # noqa: E402
from schedule.models import Session, SpeakerRole, SpeakerSlot  # noqa: E402

PASSWORD = "bench password 1"


CPU: dict[str, float] = {}


def timed(fn: Any, repeat: int = 5, name: str = "") -> tuple[float, Any]:
    """Median wall-clock milliseconds of ``repeat`` runs (after one warm-up) and the last
    result; the median CPU milliseconds of this process go to CPU[name] (on a shared
    machine wall-clock time includes waiting for a core)."""
    result = fn()
    runs, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        runs.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    if name:
        CPU[name] = statistics.median(cpu)
    return statistics.median(runs), result


class QueryCounter:
    def __init__(self, engine: sa.Engine) -> None:
        self.n = 0
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        self.n += 1


def top_up_slots(forum_id: int, target: int, seed: int = 4) -> int:
    have = db.session.scalar(sa.select(sa.func.count(SpeakerSlot.id)).join(Session).where(
        Session.forum_id == forum_id)) or 0
    if have >= target:
        return have
    rng = random.Random(seed)
    sessions = db.session.scalars(sa.select(Session.id).where(
        Session.forum_id == forum_id).order_by(Session.id)).all()
    people = db.session.scalars(sa.select(Delegate.id).join(Delegation).where(
        Delegation.forum_id == forum_id).order_by(Delegate.id)).all()
    taken = set(db.session.execute(sa.select(SpeakerSlot.session_id, SpeakerSlot.delegate_id)
                                   .join(Session).where(Session.forum_id == forum_id)).all())
    rows = []
    while have + len(rows) < target:
        pair = (rng.choice(sessions), rng.choice(people))
        if pair in taken:
            continue
        taken.add(pair)
        rows.append({"session_id": pair[0], "delegate_id": pair[1], "guest_name": "",
                     "guest_function": "", "role": SpeakerRole.PARTICIPANT, "order": 50,
                     "minutes": None, "remote": False, "notes": ""})
    for i in range(0, len(rows), 5000):
        db.session.execute(sa.insert(SpeakerSlot), rows[i:i + 5000])
    db.session.flush()
    return have + len(rows)


def bench_size(url: str, n: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    data = tmp / f"forum-{n}.json"
    if not data.exists():
        days = args.days if n >= 1000 else 5
        rooms = str(args.rooms) if n >= 1000 else "auto"
        speakers = max(200, min(args.speakers, n * 20))
        subprocess.run([sys.executable, str(GEN), "--sessions", str(n), "--rooms", rooms,
                        "--days", str(days), "--speakers", str(speakers), "--out", str(data)],
                       check=True, capture_output=True)
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "TESTING": True,
                      "WTF_CSRF_ENABLED": False})
    out: dict[str, Any] = {"sessions": n}
    with app.app_context():
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        alembic.upgrade()
        t = time.perf_counter()
        forum = load_forum_bench(data)
        slots_target = args.slots if n >= 1000 else n * 6
        out["slots"] = top_up_slots(forum.id, slots_target)
        create_user("bench-coordinator@example.org", PASSWORD, Role.COORDINATOR)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:  # fresh statistics, as a live database has
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        out["load_ms"] = (time.perf_counter() - t) * 1000
        out["delegates"] = db.session.scalar(sa.select(sa.func.count(Delegate.id)))
        out["rooms"] = len(clashes.load_rows(forum).rooms)
        short, tz = forum.short_name, forum.timezone

        out["scan_load_ms"], rows = timed(lambda: clashes.load_rows(forum), name="scan_load")
        out["scan_compute_ms"], found = timed(lambda: clashes.find_clashes(rows), repeat=9,
                                             name="scan_compute")
        out["scan_total_ms"], _ = timed(lambda: clashes.find_clashes(clashes.load_rows(forum)),
                                       name="scan_total")
        out["clashes"] = dict(Counter(c.kind.value for c in found))
        starts = db.session.scalars(sa.select(Session.starts_at).where(
            Session.forum_id == forum.id)).all()
        busiest, count = Counter(to_zone(s, tz).date() for s in starts).most_common(1)[0]
        out["busiest_day"], out["busiest_day_sessions"] = busiest.isoformat(), count
        sample = db.session.scalar(sa.select(Session.id).where(Session.forum_id == forum.id)
                                   .order_by(Session.id).limit(1))
        person = db.session.scalar(sa.select(SpeakerSlot.delegate_id).join(Session).where(
            Session.forum_id == forum.id).group_by(SpeakerSlot.delegate_id)
            .order_by(sa.func.count().desc()).limit(1))
        delegation = db.session.get(Delegate, person).delegation_id
        db.session.commit()

        client = app.test_client()
        r = client.post("/login", data={"email": "bench-coordinator@example.org",
                                         "password": PASSWORD})
        assert r.status_code == 302, r.status_code
        counter = QueryCounter(db.engine)
        pages = {
            "grid": f"/{short}/grid/?day={busiest.isoformat()}",
            "clashes": f"/{short}/clashes/?kind=room_double_booked",
            "session": f"/{short}/sessions/{sample}/",
            "delegate_agenda": f"/{short}/delegates/{person}/agenda",
            "delegation_agenda": f"/{short}/delegations/{delegation}/agenda",
        }
        for name, path in pages.items():
            def get(path: str = path) -> Any:
                resp = client.get(path)
                assert resp.status_code == 200, (path, resp.status_code)
                return resp
            counter.n = 0
            get()
            out[f"{name}_queries"] = counter.n
            out[f"{name}_ms"], resp = timed(get, repeat=3, name=name)
            out[f"{name}_kb"] = len(resp.data) // 1024
        out.update({f"{k}_cpu_ms": v for k, v in CPU.items()})
        out["load_average"] = os.getloadavg()[0]
        db.session.close()
        db.engine.dispose()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="500,5000")
    p.add_argument("--days", type=int, default=12)
    p.add_argument("--rooms", type=int, default=120)
    p.add_argument("--speakers", type=int, default=100_000)
    p.add_argument("--slots", type=int, default=30_000)
    p.add_argument("--keep", help="folder for generated files (default: a temp dir)")
    args = p.parse_args()
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="bench-programme-"))
    tmp.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("FORUM_DESK_INSTANCE", str(tmp / "instance"))
    base_url = os.environ.get("DATABASE_URL")
    for n in (int(x) for x in args.sizes.split(",")):
        url = base_url or f"sqlite:///{tmp / f'bench-{n}.sqlite'}"
        if not base_url:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        res = bench_size(url, n, args, tmp)
        engine = "postgresql" if base_url else "sqlite"
        print(f"\n== {n} sessions on {engine} ==")
        for k, v in res.items():
            print(f"  {k:28} {round(v, 1) if isinstance(v, float) else v}")
    _ = Base


if __name__ == "__main__":
    main()
