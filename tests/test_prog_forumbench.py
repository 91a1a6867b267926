"""The benchmark loader (bench/forumbench.py) loads a forum_gen file faithfully."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bench.forumbench import load_forum_bench
from delegations.db import db
from delegations.models import Delegate, Delegation
from schedule.models import Room, Session, SpeakerSlot, Venue
from tests.conftest import require_tool


def test_load_forum_bench(app: Any, tmp_path: Any) -> None:
    gen = require_tool("bench/forum_gen.py")
    out = tmp_path / "f.json"
    subprocess.run([sys.executable, str(gen), "--sessions", "40", "--rooms", "auto", "--days",
                    "5", "--speakers", "120", "--out", str(out)], check=True,
                   capture_output=True)
    forum = load_forum_bench(out)
    db.session.commit()
    assert forum.timezone == "America/New_York"
    assert db.session.scalar(sa.select(sa.func.count(Venue.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Room.id))) == 20
    assert db.session.scalar(sa.select(sa.func.count(Delegate.id))) == 120
    assert db.session.scalar(sa.select(sa.func.count(Delegation.id))) == 15
    assert db.session.scalar(sa.select(sa.func.count(Session.id))) == 40
    assert db.session.scalar(sa.select(sa.func.count(SpeakerSlot.id))) >= 40
    import json
    first = json.loads(out.read_text())["sessions"][0]
    s = db.session.scalar(sa.select(Session).where(Session.title == first["title"]))
    assert s.starts_at == datetime.fromisoformat(first["start"]).astimezone(UTC)
    again = load_forum_bench(out)
    assert again.short_name != forum.short_name
