"""The change log: services call ``record`` with the acting user (or None for the system)."""

from __future__ import annotations

from typing import Any

from .db import db
from .models import ChangeLog, User


def record(
    actor: User | None,
    entity: str,
    entity_id: int | None,
    action: str,
    summary: str = "",
    details: dict[str, Any] | None = None,
) -> ChangeLog:
    entry = ChangeLog(
        user_id=actor.id if actor is not None else None,
        actor=actor.email if actor is not None else "system",
        entity=entity,
        entity_id=entity_id,
        action=action,
        summary=summary,
        details=details,
    )
    db.session.add(entry)
    return entry
