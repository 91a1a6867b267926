"""Programme services: plain arguments in, flushed changes out (the view commits).

Every change to a session bumps its ``revision`` (the iCalendar SEQUENCE, so calendars
replace the old copy) and is written to the change log.
"""

from __future__ import annotations

from typing import Any

from delegations.changelog import record
from delegations.db import db, utcnow
from delegations.models import User

from .models import Session, SessionStatus


def touch_session(session: Session, actor: User | None, action: str, summary: str,
                  details: dict[str, Any] | None = None) -> None:
    """Mark a session as changed: bump its revision, stamp it, log it."""
    session.revision = (session.revision or 0) + 1
    session.updated_at = utcnow()
    record(actor, "session", session.id, action, summary, details)


def update_session(session: Session, actor: User | None, **changes: Any) -> list[str]:
    """Apply field changes to a session; returns the names of the fields that changed."""
    changed = []
    for name, value in changes.items():
        if not hasattr(Session, name):
            raise AttributeError(f"a session has no field {name!r}")
        if getattr(session, name) != value:
            changed.append(name)
            setattr(session, name, value)
    if changed:
        touch_session(session, actor, "update", f"Changed {', '.join(changed)} of "
                      f"{session.title!r}", {"fields": changed})
    db.session.flush()
    return changed


def cancel_session(session: Session, actor: User | None) -> None:
    """Cancelling keeps the session, marked cancelled, so calendars can be told."""
    if session.status == SessionStatus.CANCELLED:
        return
    session.status = SessionStatus.CANCELLED
    touch_session(session, actor, "cancel", f"Cancelled {session.title!r}")
    db.session.flush()
