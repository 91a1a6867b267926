"""Benchmark: mail about programme changes on a synthetic forum.

    python3 ../shared/bench/forum_gen.py --sessions 500 --rooms auto --days 5 \
        --speakers 2000 --out /tmp/forum-500.json
    python bench/bench_mail.py /tmp/forum-500.json [--people 300] [--database-url URL]

Measures:
1. writing the outbox rows of one change (inside the change's transaction): a plenary with
   ``--people`` delegates from every delegation is cancelled; time and SQL statements;
2. rendering and delivering those messages (text, HTML, iTIP) to a real SMTP server
   (aiosmtpd on 127.0.0.1): messages per second, through ``deliver_pending``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORUM_DESK_INSTANCE", tempfile.mkdtemp(prefix="bench-mail-"))

import sqlalchemy as sa  # noqa: E402

from bench.forumbench import load_forum_bench  # noqa: E402
from delegations import create_app  # noqa: E402
from delegations.db import alembic, db  # noqa: E402
from delegations.models import Delegate, Delegation  # noqa: E402
from schedule import mailer  # noqa: E402
from schedule.models import Session, SessionKind, SpeakerRole, SpeakerSlot  # noqa: E402
from schedule.services import cancel_session  # noqa: E402
from tests.mail_support import SmtpServer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("forum")
    ap.add_argument("--people", type=int, default=300)
    ap.add_argument("--database-url")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    smtp = SmtpServer()
    smtp.start()
    app = create_app({"SECRET_KEY": "bench", "PUBLIC_BASE_URL": "http://localhost/",
                      "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'b.sqlite'}",
                      "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port,
                      "MAIL_COALESCE_SECONDS": 0, "MAIL_SEND_BY_JOBS": False,
                      "MAIL_BATCH": 100_000})
    with app.app_context():
        if args.database_url:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        alembic.upgrade()
        forum = load_forum_bench(args.forum)
        db.session.execute(sa.update(Delegation).where(Delegation.forum_id == forum.id)
                           .values(focal_point_email="focal@example.org"))
        people = db.session.scalars(sa.select(Delegate).join(Delegation).where(
            Delegation.forum_id == forum.id, Delegate.email.is_not(None))
            .order_by(Delegate.id).limit(args.people)).all()
        start = datetime(forum.start_date.year, forum.start_date.month, forum.start_date.day,
                         23, tzinfo=UTC)
        plenary = Session(forum=forum, title="Plenary", kind=SessionKind.PLENARY,
                          starts_at=start, ends_at=start.replace(hour=23, minute=59))
        for i, p in enumerate(people):
            plenary.speaker_slots.append(SpeakerSlot(delegate=p, role=SpeakerRole.SPEAKER,
                                                     order=i + 1))
        db.session.add(plenary)
        db.session.commit()
        delegations = len({p.delegation_id for p in people})

        statements: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        t = time.perf_counter()
        cancel_session(plenary, None)
        db.session.commit()
        enqueue = time.perf_counter() - t
        sa.event.remove(db.engine, "before_cursor_execute", count)
        rows = len(statements)
        kinds: dict[str, int] = {}
        for st in statements:
            key = " ".join(st.split()[:3])
            kinds[key] = kinds.get(key, 0) + 1
        print(sorted(kinds.items(), key=lambda kv: -kv[1])[:6])
        print(f"outbox rows for cancelling a session with {len(people)} people in "
              f"{delegations} delegations: {enqueue * 1000:,.1f} ms, {rows} SQL statements")

        t = time.perf_counter()
        result = mailer.deliver_pending()
        took = time.perf_counter() - t
        print(f"delivered {result.sent} messages (failed {result.failed + result.gave_up}) "
              f"to aiosmtpd in {took:,.2f} s: {result.sent / took:,.0f} messages/s "
              f"(rendering, iTIP, SMTP, marking each sent)")
        assert len(smtp.received) == result.sent
    smtp.stop()


if __name__ == "__main__":
    main()
