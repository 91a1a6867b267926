"""Benchmark: a COP-sized roster through ``flask roster import``, as an operator runs it.

A CSV of N full-width rows (every one of the 21 columns filled, about 160 bytes a row) is
imported into a fresh database three times, each in its own process, timed from the
outside with the process's peak RSS (VmHWM):

Wall time depends on what else the machine runs; the CPU time of the import process (the
database server's own work on PostgreSQL excluded) is printed beside it.

1. first import (N new delegates),
2. the same file again (nothing changes),
3. the file with 1,000 rows changed (a function and a status move each).

    python bench/bench_import.py [--rows 100000] [--database postgresql://...]

Without --database a fresh SQLite file is used. The PostgreSQL database is wiped.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLUMNS = (
    "delegation", "country", "honorific", "given_names", "family_name", "function", "level",
    "capacity", "organisation", "email", "mobile", "languages", "home_timezone",
    "arrival_date", "departure_date", "route", "sponsor", "status", "badge_type",
    "substitute", "notes",
)
CITIES = 200

# The child process reports its own high-water mark as it exits.
CLI = """
import atexit, resource, sys
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            sys.stderr.write("PEAK-KB " + line.split()[1] + "\\n")
    r = resource.getrusage(resource.RUSAGE_SELF)
    sys.stderr.write(f"CPU-S {r.ru_utime + r.ru_stime}\\n")
atexit.register(hwm)
from flask.cli import main
sys.argv = ["flask", "--app", "wsgi", *sys.argv[1:]]
main()
"""


def row(i: int, changed: bool = False) -> list[str]:
    return [f"City {i % CITIES:03d}", "BR", "Ms", f"Given{i} Maria", f"Family{i} da Silva",
            "Deputy Director for International Relations" + (" (new)" if changed else ""),
            "senior_official", "member", "UCLG", f"person{i}@example.org", "+55 11 5555 0000",
            "en, pt, es", "America/Sao_Paulo", "2026-11-08", "2026-11-21",
            "partner_organisation", "UCLG", "approved" if changed else "submitted",
            "observer", "no", "Vegetarian meals; needs a visa letter; arrives via GRU"]


def write_csv(path: Path, n: int, changed: int = 0) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for i in range(n):
            w.writerow(row(i, changed=i < changed))


def setup_database(url: str, workdir: Path) -> None:
    os.environ["FORUM_DESK_INSTANCE"] = str(workdir)
    from datetime import date

    from delegations import create_app
    from delegations.db import alembic, db
    from delegations.models import Delegation, Forum, Organisation, OrganisationKind

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        alembic.upgrade()
        forum = Forum(name="Bench COP", short_name="BENCH", timezone="America/Belem",
                      start_date=date(2026, 11, 10), end_date=date(2026, 11, 21))
        db.session.add(forum)
        db.session.add(Organisation(name="United Cities and Local Governments", acronym="UCLG",
                                    kind=OrganisationKind.PARTNER))
        db.session.flush()
        for i in range(CITIES):
            db.session.add(Delegation(forum_id=forum.id, name=f"City {i:03d}", country="BR"))
        db.session.commit()
        db.engine.dispose()


def run_import(url: str, workdir: Path, path: Path) -> tuple[float, float, float, str]:
    env = {**os.environ, "DATABASE_URL": url, "FORUM_DESK_INSTANCE": str(workdir),
           "FLASK_SECRET_KEY": "bench", "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CLI, "roster", "import", str(path),
                           "--forum", "BENCH"], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    elapsed = time.perf_counter() - t
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise SystemExit(out[-3000:])
    peak = [int(x.split()[1]) for x in out.splitlines() if x.startswith("PEAK-KB ")]
    cpu = [float(x.split()[1]) for x in out.splitlines() if x.startswith("CPU-S ")]
    summary = [x.split(": ", 1)[-1] for x in out.splitlines() if x.startswith("Imported")]
    return elapsed, cpu[-1], peak[-1] / 1024, summary[-1] if summary else ""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--changed", type=int, default=1_000)
    ap.add_argument("--database", help="PostgreSQL URL (wiped); default: a fresh SQLite file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        url = args.database or f"sqlite:///{work / 'bench.sqlite'}"
        first, changed = work / "roster.csv", work / "roster-changed.csv"
        write_csv(first, args.rows)
        write_csv(changed, args.rows, args.changed)
        setup_database(url, work)
        print(f"{args.rows:,} full-width rows ({first.stat().st_size / 1e6:.1f} MB CSV), "
              f"{'PostgreSQL' if args.database else 'SQLite'}; each step is one "
              "`flask roster import` process")
        for label, path in (("first import", first), ("same file again", first),
                            (f"{args.changed:,} rows changed", changed)):
            seconds, cpu, peak, summary = run_import(url, work, path)
            print(f"  {label:22} {seconds:6.2f} s wall  {cpu:6.2f} s CPU (this process)  "
                  f"peak RSS {peak:5.0f} MB   {summary}")


if __name__ == "__main__":
    main()
