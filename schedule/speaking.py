"""Which minutes make a session's speaking time: the one home of that rule.

Only the people who take the floor one after the other fill a session's time: keynote,
panellists, speakers and speakers from the floor. A moderator talks between them and a
participant listens, so their minutes (a note for the briefing book) add nothing. Nor do
the minutes of a bilateral or a private meeting, where nobody queues for the floor: those
never make a "speaking time too long" warning.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .models import Session, SessionKind, SpeakerRole, SpeakerSlot

SPEAKING_ROLES = frozenset({SpeakerRole.KEYNOTE, SpeakerRole.PANELLIST, SpeakerRole.SPEAKER,
                            SpeakerRole.FROM_THE_FLOOR})
CONVERSATIONS = frozenset({SessionKind.BILATERAL, SessionKind.PRIVATE_MEETING})


def counts_toward_speaking_time(role: SpeakerRole | str | None,
                                kind: SessionKind | str | None) -> bool:
    try:
        r = SpeakerRole(role) if role else None
        k = SessionKind(kind) if kind else None
    except ValueError:
        return False
    return r in SPEAKING_ROLES and k not in CONVERSATIONS


def speaking_minutes(role: SpeakerRole | str | None, kind: SessionKind | str | None,
                     minutes: int | None) -> int | None:
    """A slot's minutes as far as the session's length goes: None when they do not count."""
    return minutes if counts_toward_speaking_time(role, kind) else None


def speaking_minutes_sql() -> Any:
    """The same rule in SQL, for a select over SpeakerSlot (the forum-wide clash scan)."""
    conversations = sa.select(Session.id).where(
        sa.type_coerce(Session.kind, sa.String).in_([k.value for k in CONVERSATIONS]))
    return sa.case(
        (sa.and_(sa.type_coerce(SpeakerSlot.role, sa.String).in_(
            [r.value for r in SPEAKING_ROLES]),
            SpeakerSlot.session_id.not_in(conversations)), SpeakerSlot.minutes),
        else_=None)
