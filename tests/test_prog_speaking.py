"""Speaking time: only the roles that take the floor in turn fill a session; moderators,
participants, bilaterals and private meetings never make a "speaking time" warning."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from delegations.db import db
from delegations.timeutil import local_to_utc
from schedule.clashes import ClashKind, forum_clashes
from schedule.models import SessionKind, SpeakerRole
from schedule.speaking import SPEAKING_ROLES, counts_toward_speaking_time


def ny(hh: int, mm: int = 0):
    return local_to_utc(date(2022, 5, 17), time(hh, mm), "America/New_York")


def speaking(f: Any) -> list[str]:
    return [c.message for c in forum_clashes(f) if c.kind == ClashKind.SPEAKING_TIME]


def test_only_roles_that_take_the_floor_count(make_forum, make_delegation, make_delegate,
                                               make_session) -> None:
    f = make_forum()
    d = make_delegation(f)
    people = [make_delegate(d) for _ in range(4)]
    s = make_session(f, start=ny(10), end=ny(10, 30), speakers=people,
                     kind=SessionKind.ROUNDTABLE)
    roles = [SpeakerRole.MODERATOR, SpeakerRole.PARTICIPANT, SpeakerRole.SPEAKER,
             SpeakerRole.PANELLIST]
    for slot, role in zip(s.speaker_slots, roles, strict=True):
        slot.role, slot.minutes = role, 12
    db.session.flush()
    assert speaking(f) == []  # 24 counted minutes in 30: the moderator's 12 do not count
    s.speaker_slots[1].role = SpeakerRole.FROM_THE_FLOOR
    db.session.flush()
    (message,) = speaking(f)
    assert "add up to 36 min" in message and "lasts 30 min" in message
    s.speaker_slots[0].role = SpeakerRole.KEYNOTE
    db.session.flush()
    assert "48 min" in speaking(f)[0]


def test_bilaterals_and_private_meetings_never_warn(make_forum, make_delegation,
                                                    make_delegate, make_session) -> None:
    f = make_forum()
    d = make_delegation(f)
    for kind in (SessionKind.BILATERAL, SessionKind.PRIVATE_MEETING):
        s = make_session(f, start=ny(11), end=ny(11, 30), speakers=[make_delegate(d)
                                                                     for _ in range(3)],
                         kind=kind, private=True)
        for slot in s.speaker_slots:
            slot.minutes = 25
        db.session.flush()
        assert speaking(f) == [], kind
        s.speaker_slots.clear()
        db.session.delete(s)
        db.session.flush()


@given(role=st.sampled_from(list(SpeakerRole)), kind=st.sampled_from(list(SessionKind)))
def test_the_rule(role: SpeakerRole, kind: SessionKind) -> None:
    assert counts_toward_speaking_time(role, kind) == (
        role in SPEAKING_ROLES
        and kind not in (SessionKind.BILATERAL, SessionKind.PRIVATE_MEETING))
    assert counts_toward_speaking_time(role.value, kind.value) == \
        counts_toward_speaking_time(role, kind)
