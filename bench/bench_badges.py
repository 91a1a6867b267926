"""Benchmark: badges for a large delegation, and the check-in rule.

    python bench/bench_badges.py [--people 200] [--database-url postgresql://...]

Measures, on a fresh database migrated by Alembic:
1. issuing N badges (one delegation, approved accreditations with photos);
2. printing them: the card-size PDF (N pages) and the A4 sheets (N / 8 pages);
3. checking every badge in at the pass office (the desk's rule, one call per scan), then
   the same numbers again ("already collected"), p50 and p95 per scan.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORUM_DESK_INSTANCE", tempfile.mkdtemp(prefix="bench-badges-"))

from delegations import create_app, roster  # noqa: E402
from delegations.db import alembic, db  # noqa: E402
from delegations.models import (  # noqa: E402
    Accreditation,
    AccreditationStatus,
    BadgeType,
    Delegate,
    Delegation,
    Forum,
    Route,
)
from schedule.badges.checkin import check_in  # noqa: E402
from schedule.badges.issue import issue_for_delegation, issued_badges  # noqa: E402
from schedule.badges.render import badges_pdf  # noqa: E402
from schedule.badges.tokens import make_token  # noqa: E402
from tests.badge_support import photo_bytes  # noqa: E402


def timed(label: str, func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    print(f"{label:44} {time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-badges-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "UPLOAD_FOLDER": str(tmp)})
    with app.app_context():
        alembic.upgrade()
        today = datetime.now(UTC).date()
        forum = Forum(name="Bench Forum", short_name=f"B{os.getpid()}", timezone="Europe/Zurich",
                      start_date=today, end_date=today + timedelta(days=4))
        d = Delegation(forum=forum, name="Bench delegation")
        db.session.add_all([forum, d])
        photo = photo_bytes()
        types = list(BadgeType)
        for i in range(args.people):
            p = Delegate(delegation=d, given_names=f"Person {i}", family_name=f"Family {i}",
                         function="Adviser on migration and local government")
            p.accreditations.append(Accreditation(forum=forum, route=Route.OWN_AUTHORITY,
                                                  status=AccreditationStatus.APPROVED,
                                                  badge_type=types[i % len(types)]))
            db.session.add(p)
            db.session.flush()
            roster.set_photo(p, str(tmp), photo, None)
        db.session.commit()
        print(f"{args.people} people, {db.engine.dialect.name}")
        timed("issue badges", issue_for_delegation, d, None)
        db.session.commit()
        badges = issued_badges(d)
        cards = timed("card PDF (one page a badge)", badges_pdf, badges, "card")
        sheets = timed("A4 sheets (8 a page)", badges_pdf, badges, "sheet")
        print(f"{'':44} {len(cards) / 1e6:.1f} MB cards, {len(sheets) / 1e6:.1f} MB sheets")
        tokens = [make_token(b.id, b.version) for b in badges]
        for label in ("check-in (collect)", "check-in again (already collected)"):
            times = []
            for t in tokens:
                start = time.perf_counter()
                check_in(t, forum, None)
                db.session.commit()
                times.append(time.perf_counter() - start)
            q = statistics.quantiles(times, n=20)
            print(f"{label:44} p50 {statistics.median(times) * 1000:6.1f} ms, "
                  f"p95 {q[18] * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
