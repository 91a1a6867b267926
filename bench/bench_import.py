"""Benchmark: import 10,000 roster rows (CSV and XLSX) into a fresh SQLite database.

The people come from ../shared/bench/forum_gen.py (its speakers: names and e-mails), spread
over 100 delegations with a partner organisation. Each format is timed in three phases:
read (parse the file), check (validate every row against the forum), write (insert all rows
in one transaction and commit). A second import of the same file (all rows match, nothing
changes) is timed too. Median of --repeat runs, each on a new database.

    /tmp/probe-venv/bin/python bench/bench_import.py [--rows 10000] [--repeat 3] [--database URL]
"""

from __future__ import annotations

import argparse
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
GEN = ROOT.parent / "shared" / "bench" / "forum_gen.py"


def people(n: int) -> list[tuple[str, str, str]]:
    out = Path(tempfile.gettempdir()) / f"forum-bench-speakers-{n}.json"
    if not out.exists():
        subprocess.run([sys.executable, str(GEN), "--sessions", "10", "--speakers", str(n),
                        "--out", str(out)], check=True, capture_output=True)
    data = json.loads(out.read_text())
    result = []
    for s in data["speakers"][:n]:
        given, _, family = s["name"].rpartition(" ")
        result.append((given or s["name"], family or "-", s["email"]))
    return result


def run_once(fmt: str, rows: list[dict[str, str]], workdir: Path, url: str | None) -> dict:
    os.environ["FORUM_DESK_INSTANCE"] = str(workdir)
    from datetime import date

    import sqlalchemy as sa

    from delegations import create_app
    from delegations.db import Base, alembic, db
    from delegations.models import Delegate, Delegation, Forum, Organisation, OrganisationKind
    from delegations.spreadsheets import apply_plan, check_rows, export_csv, read_table
    from tests.accr_support import csv_bytes

    db_url = url or f"sqlite:///{workdir / 'bench.sqlite'}"
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        if url:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        alembic.upgrade()
        forum = Forum(name="Bench forum", short_name="BENCH", timezone="America/New_York",
                      start_date=date(2026, 10, 29), end_date=date(2026, 11, 2))
        db.session.add(forum)
        db.session.add(Organisation(name="United Cities and Local Governments", acronym="UCLG",
                                    kind=OrganisationKind.PARTNER))
        db.session.flush()
        for i in range(100):
            db.session.add(Delegation(forum_id=forum.id, name=f"City {i:03d}", country="BR"))
        db.session.commit()

        data = csv_bytes(rows)
        name = "roster.csv"
        if fmt == "xlsx":
            from openpyxl import Workbook

            from delegations.spreadsheets import COLUMNS

            wb = Workbook(write_only=True)
            ws = wb.create_sheet("Roster")
            ws.append(list(COLUMNS))
            for r in rows:
                ws.append([r[c] for c in COLUMNS])
            import io

            buf = io.BytesIO()
            wb.save(buf)
            data, name = buf.getvalue(), "roster.xlsx"

        t0 = time.perf_counter()
        table = read_table(data, name)
        t1 = time.perf_counter()
        plan = check_rows(forum, table)
        assert plan.ok, plan.errors[:3]
        t2 = time.perf_counter()
        created, _ = apply_plan(forum, plan, None, name)
        db.session.commit()
        t3 = time.perf_counter()
        assert created == len(rows)
        assert db.session.scalar(sa.select(sa.func.count(Delegate.id))) == len(rows)
        db.session.expire_all()
        t4 = time.perf_counter()
        plan2 = check_rows(forum, read_table(data, name))
        c2, u2 = apply_plan(forum, plan2, None, name)
        db.session.commit()
        t5 = time.perf_counter()
        assert (c2, u2) == (0, 0)
        # export of the whole roster (for the round trip)
        from delegations.roster import RosterFilter, roster

        t6 = time.perf_counter()
        export_csv(roster(forum, RosterFilter(sort="city")))
        t7 = time.perf_counter()
        db.session.close()  # end the read transaction before truncating
        if url:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        db.engine.dispose()
    return {"bytes": len(data), "read": t1 - t0, "check": t2 - t1, "write": t3 - t2,
            "total": t3 - t0, "reimport_unchanged": t5 - t4, "export_csv": t7 - t6}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--database", help="PostgreSQL URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    from tests.accr_support import row

    rows, seen = [], set()
    for i, (g, f, e) in enumerate(people(args.rows)):
        city = i % 100
        while (g, f, city) in seen:  # the generator repeats names: keep them in other cities
            city = (city + 1) % 100
        seen.add((g, f, city))
        rows.append(row(delegation=f"City {city:03d}", country="BR", given_names=g,
                        family_name=f, email=e, arrival_date="2026-10-28",
                        departure_date="2026-11-03", languages="en, pt",
                        mobile="+55 11 5555 0000", level="official"))
    print(f"{args.rows} rows, {args.repeat} runs each, database: "
          f"{'PostgreSQL' if args.database else 'SQLite'}")
    for fmt in ("csv", "xlsx"):
        runs = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
                runs.append(run_once(fmt, rows, Path(tmp), args.database))
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{fmt.upper():4} file {med['bytes'] / 1e6:.2f} MB | read {med['read']:.2f} s | "
              f"check {med['check']:.2f} s | write+commit {med['write']:.2f} s | "
              f"TOTAL {med['total']:.2f} s | re-import unchanged {med['reimport_unchanged']:.2f} s"
              f" | export CSV {med['export_csv']:.2f} s")


if __name__ == "__main__":
    main()
