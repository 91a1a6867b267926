"""Each session's rendered VEVENT, stored in the database with the session's revision.

Rendering a VEVENT (icalendar building and folding its lines) is what makes a cold feed
slow; assembling stored events is a lookup and a join. Kept in the database, the events
survive a restart and serve every worker: the first request after a deployment is as fast
as the hundredth. A key names one rendering (session, revision, change time, status, link,
whose feed it is): a change to the session or its speakers gives new keys, and the rows of
older revisions are dropped when the new ones are stored.

Filling the store is a cache write, not a change of the programme: it runs in its own
short transaction when the request (or command) ends, never inside the request's own
(which a GET never commits, and which SQLite would refuse to let write after another
connection wrote). A failure to store (another worker stored the same event, the database
is busy) costs only a re-render next time.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from delegations.db import Base, UTCDateTime, db, utcnow

from .ical import EventCache
from .models import Session

log = logging.getLogger(__name__)
CHUNK = 2000  # keys per query: under every database's limit on bound parameters


class FeedEvent(Base):
    """One rendered VEVENT (folded CRLF bytes) of one session revision."""

    __tablename__ = "feed_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    # rendered for someone's own feed ("Your role: ..."): the forum feed never needs these
    personal: Mapped[bool] = mapped_column(default=False)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def key_hash(key: tuple) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()


class FeedStore(EventCache):
    """Stored events: this process's memory first, then the database."""

    def get_many(self, keys: list[tuple], scope: Any = None) -> dict[tuple, bytes]:
        """Stored events among ``keys``. With ``scope`` (a select of the feed's session
        ids) one query reads the impersonal events of those sessions, with no list of
        5,000 keys to bind; else the keys are looked up by hash."""
        out = super().get_many(keys)
        rest = {key_hash(k): k for k in keys if k not in out}
        if not rest:
            return out
        conn = db.session.connection()  # plain rows: no ORM work per event
        q = sa.select(FeedEvent.key_hash, FeedEvent.data)
        if scope is not None:
            batches = [q.where(FeedEvent.session_id.in_(scope),
                               FeedEvent.personal.is_(False))]
        else:
            hashes = list(rest)
            batches = [q.where(FeedEvent.key_hash.in_(hashes[i:i + CHUNK]))
                       for i in range(0, len(hashes), CHUNK)]
        for batch in batches:
            for h, data in conn.execute(batch).all():
                k = rest.get(h)
                if k is not None:
                    data = bytes(data)
                    out[k] = data
                    self.put(k, data)
        return out

    def put_many(self, items: list[tuple[tuple, int, int, bytes]]) -> None:
        """Keep them in memory now; write them to the database when the request ends."""
        super().put_many(items)
        if has_app_context():
            g.setdefault("forum_desk_feed_events", []).extend(items)
        else:
            write(items)


def flush_pending(_exc: BaseException | None = None) -> None:
    """Store the events rendered in this request or command (run at teardown)."""
    items = g.pop("forum_desk_feed_events", None) if has_app_context() else None
    if items:
        write(items)


def write(items: list[tuple[tuple, int, int, bytes]]) -> None:
    """Insert the rows (another worker's copy wins) and drop older revisions."""
    rows = [{"session_id": sid, "revision": rev, "key_hash": key_hash(k), "data": data,
             "personal": bool(k[5] or k[7]), "created_at": utcnow()}
            for k, sid, rev, data in items]
    try:
        with db.engine.begin() as conn:
            insert: Any = (pg_insert if conn.dialect.name == "postgresql"
                           else sqlite_insert)(FeedEvent)
            for i in range(0, len(rows), CHUNK):
                conn.execute(insert.on_conflict_do_nothing(index_elements=["key_hash"]),
                             rows[i:i + CHUNK])
            # older revisions of these sessions are never asked for again
            ids = sorted({r["session_id"] for r in rows})
            current = sa.select(Session.revision).where(
                Session.id == FeedEvent.session_id).scalar_subquery()
            for i in range(0, len(ids), CHUNK):
                conn.execute(sa.delete(FeedEvent).where(
                    FeedEvent.session_id.in_(ids[i:i + CHUNK]),
                    FeedEvent.revision < current))
    except sa.exc.SQLAlchemyError as e:  # a cache write: the feed is served all the same
        log.warning("feed events not stored: %s", e)
