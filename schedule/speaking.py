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

from delegations.changelog import record
from delegations.db import db
from delegations.models import Forum, User

from .models import Session, SessionKind, SpeakerRole, SpeakerSlot, SpeakingLimit

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


# --------------------------------------------------------------------------- time limits

#: Minutes per speaker by kind of session, as UN practice sets them: about 3 minutes in
#: roundtables and hearings, up to 15 in the general debate (a voluntary limit), 5 in plenary
#: statements, panels and side events. None: no limit (conversations, receptions).
DEFAULT_LIMITS: dict[SessionKind, int | None] = {
    SessionKind.PLENARY: 5,
    SessionKind.GENERAL_DEBATE: 15,
    SessionKind.ROUNDTABLE: 3,
    SessionKind.HEARING: 3,
    SessionKind.POLICY_DEBATE: 5,
    SessionKind.SIDE_EVENT: 5,
    SessionKind.PRESS_CONFERENCE: 5,
    SessionKind.BILATERAL: None,
    SessionKind.PRIVATE_MEETING: None,
    SessionKind.RECEPTION: None,
    SessionKind.DELEGATION_BRIEFING: None,
}

#: Roles that run a session rather than speak in it: a line of their own, not a word budget.
CHAIR_ROLES = frozenset({SpeakerRole.MODERATOR})


def limits(forum_id: int) -> dict[SessionKind, int | None]:
    """The forum's limit for each kind: its own where it set one, else the default. One query."""
    out = dict(DEFAULT_LIMITS)
    for kind, minutes in db.session.execute(
            sa.select(SpeakingLimit.kind, SpeakingLimit.minutes)
            .where(SpeakingLimit.forum_id == forum_id)):
        out[SessionKind(kind)] = minutes
    return out


def set_limits(forum: Forum, actor: User | None, values: dict[SessionKind, int | None]) -> list[str]:
    """Store the forum's limits (service: flushes, never commits); returns the kinds changed."""
    current = limits(forum.id)
    rows = {r.kind: r for r in db.session.scalars(
        sa.select(SpeakingLimit).where(SpeakingLimit.forum_id == forum.id))}
    changed = []
    for kind, minutes in values.items():
        if minutes is not None and not 1 <= minutes <= 60:
            raise ValueError(f"{kind.label}: a limit is between 1 and 60 minutes")
        if current.get(kind) == minutes and kind in rows:
            continue
        row = rows.get(kind) or SpeakingLimit(forum_id=forum.id, kind=kind)
        row.minutes = minutes
        db.session.add(row)
        if current.get(kind) != minutes:
            changed.append(kind.value)
    if changed:
        record(actor, "forum", forum.id, "speaking_limits",
               f"Speaking limits changed: {', '.join(changed)}",
               {k.value: values[k] for k in values if k.value in changed})
    db.session.flush()
    return changed


def slot_limit(role: SpeakerRole | str | None, kind: SessionKind | str | None,
               minutes: int | None, forum_limits: dict[SessionKind, int | None]) -> int | None:
    """A speaker's time limit: the minutes the coordinator gave the slot, else the kind's
    limit; None for anyone who does not take the floor in turn."""
    if not counts_toward_speaking_time(role, kind):
        return None
    return minutes or forum_limits.get(SessionKind(kind))
