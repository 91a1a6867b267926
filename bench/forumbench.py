"""Load a synthetic forum written by ``forum_gen.py`` (JSON ``forum-bench/1``) into Forum Desk.

Fast: bulk inserts (one executemany per table, no ORM unit of work per row). Rooms go into
one venue; speakers become delegates grouped into delegations of ``per_delegation`` people,
each with an approved accreditation. Use inside an app context::

    from bench.forumbench import load_forum_bench
    forum = load_forum_bench("/tmp/forum-5000.json")   # flushed, not committed
    db.session.commit()

Re-loading the same file into the same database gives the forum a fresh short name.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from delegations.db import db  # noqa: E402
from delegations.models import (  # noqa: E402
    Accreditation,
    AccreditationStatus,
    Capacity,
    Delegate,
    Delegation,
    Forum,
    Level,
    Route,
    Series,
)
from schedule.models import (  # noqa: E402
    Room,
    Session,
    SessionKind,
    SessionStatus,
    SpeakerRole,
    SpeakerSlot,
    Venue,
)

KINDS = {
    "talk": SessionKind.SIDE_EVENT,
    "workshop": SessionKind.SIDE_EVENT,
    "panel": SessionKind.ROUNDTABLE,
    "roundtable": SessionKind.ROUNDTABLE,
    "keynote": SessionKind.PLENARY,
    "plenary": SessionKind.PLENARY,
}
CHUNK = 5000


def _chunks(rows: list[dict[str, Any]]) -> Any:
    for i in range(0, len(rows), CHUNK):
        yield rows[i:i + CHUNK]


def _insert_returning_ids(entity: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert, returning the new primary keys in the order of ``rows``."""
    ids: list[int] = []
    stmt = sa.insert(entity).returning(entity.id, sort_by_parameter_order=True)
    for part in _chunks(rows):
        ids.extend(db.session.scalars(stmt, part).all())
    return ids


def _insert(entity: Any, rows: list[dict[str, Any]]) -> None:
    for part in _chunks(rows):
        db.session.execute(sa.insert(entity), part)


def _split_name(name: str) -> tuple[str, str]:
    given, _, family = name.rpartition(" ")
    return (given or family, family if given else "")


def load_forum_bench(path: str | Path, *, short_name: str | None = None,
                     per_delegation: int = 8) -> Forum:
    """Load the file at ``path``; returns the (flushed, uncommitted) Forum."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("schema") != "forum-bench/1":
        raise ValueError(f"{path}: not a forum-bench/1 file")
    event = data["event"]
    tz = event["timezone"]
    base = short_name or f"BENCH{len(data['sessions'])}"
    short = base
    n = 1
    while db.session.scalar(sa.select(Forum.id).where(Forum.short_name == short)) is not None:
        n += 1
        short = f"{base}-{n}"
    forum = Forum(name=event["name"], short_name=short, series=Series.OTHER, timezone=tz,
                  start_date=date.fromisoformat(event["date_from"]),
                  end_date=date.fromisoformat(event["date_to"]), host_city="Bench City")
    venue = Venue(forum=forum, name="Bench Conference Centre", address="1 Bench Plaza")
    db.session.add_all([forum, venue])
    db.session.flush()

    room_rows = [{"venue_id": venue.id, "name": r["name"], "capacity": r.get("capacity"),
                  "interpretation_languages": "", "online": False} for r in data["rooms"]]
    room_ids = dict(zip((r["id"] for r in data["rooms"]),
                        _insert_returning_ids(Room, room_rows), strict=True))

    speakers = data["speakers"]
    groups = [speakers[i:i + per_delegation] for i in range(0, len(speakers), per_delegation)]
    delegation_rows = [{"forum_id": forum.id, "name": f"Delegation {i + 1:05d}",
                        "country": None, "region": "", "focal_point_name": "",
                        "focal_point_email": "", "focal_point_phone": "", "notes": ""}
                       for i in range(len(groups))]
    delegation_ids = _insert_returning_ids(Delegation, delegation_rows)
    delegate_rows = []
    for group, delegation_id in zip(groups, delegation_ids, strict=True):
        for i, p in enumerate(group):
            given, family = _split_name(p["name"])
            delegate_rows.append({
                "delegation_id": delegation_id, "honorific": "", "given_names": given,
                "family_name": family, "function": "", "email": p.get("email"),
                "level": Level.MAYOR if i == 0 else Level.OFFICIAL,
                "capacity": Capacity.HEAD if i == 0 else Capacity.MEMBER,
                "mobile": "", "languages": "", "home_timezone": None, "notes": "",
            })
    delegate_ids = dict(zip((p["id"] for p in speakers),
                            _insert_returning_ids(Delegate, delegate_rows), strict=True))
    now = datetime.now(UTC)
    _insert(Accreditation, [{
        "delegate_id": did, "forum_id": forum.id, "route": Route.PARTNER_ORGANISATION,
        "status": AccreditationStatus.APPROVED, "substitute": False, "created_at": now,
        "status_changed_at": now, "approved_at": now, "notes": ""}
        for did in delegate_ids.values()])

    session_rows = []
    for s in data["sessions"]:
        kind = KINDS.get(str(s.get("type", "")).lower(), SessionKind.SIDE_EVENT)
        session_rows.append({
            "uid": f"{uuid.uuid4()}@forum-desk", "forum_id": forum.id,
            "room_id": room_ids.get(s.get("room")), "title": s["title"][:400], "kind": kind,
            "official": kind != SessionKind.SIDE_EVENT, "private": False, "organiser": "",
            "chairs": "", "status": SessionStatus.CONFIRMED,
            "starts_at": datetime.fromisoformat(s["start"]).astimezone(UTC),
            "ends_at": datetime.fromisoformat(s["end"]).astimezone(UTC),
            "location_note": "", "online_link": "", "background": s.get("abstract", ""),
            "expected_attendance": None, "objectives": "", "points_to_make": "",
            "press_line": "", "revision": 0, "created_at": now, "updated_at": now,
        })
    session_ids = _insert_returning_ids(Session, session_rows)
    slot_rows = []
    for s, session_id in zip(data["sessions"], session_ids, strict=True):
        n_speakers = len(s.get("speakers", []))
        for order, pid in enumerate(s.get("speakers", []), start=1):
            slot_rows.append({
                "session_id": session_id, "delegate_id": delegate_ids[pid], "guest_name": "",
                "guest_function": "", "role": SpeakerRole.SPEAKER, "order": order,
                "minutes": max(5, (s.get("duration_minutes") or 30) // (n_speakers + 1)),
                "remote": False, "notes": ""})
    _insert(SpeakerSlot, slot_rows)
    db.session.flush()
    return forum


if __name__ == "__main__":  # pragma: no cover - manual use
    import argparse

    from delegations import create_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--short-name")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        f = load_forum_bench(args.file, short_name=args.short_name)
        db.session.commit()
        print(f"loaded forum {f.short_name} (id {f.id})")
