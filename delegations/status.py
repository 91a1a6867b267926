"""The accreditation status pipeline: the one path every status change takes.

The form, bulk actions, spreadsheet imports, the forum import and the CLI all change a status
through ``change_status`` (checked) or ``set_status`` (already checked by the caller's plan),
and both write the history entry, with actor and source, through ``history_entry``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext

from .db import db, utcnow
from .models import Accreditation, AccreditationStatus, ChangeLog, Role, User
from .quotas import QUOTA_STATUSES, quota_warnings

S = AccreditationStatus

#: The pipeline: from each status, where a file may go next.
TRANSITIONS: dict[AccreditationStatus, tuple[AccreditationStatus, ...]] = {
    S.DRAFT: (S.SUBMITTED, S.WITHDRAWN),
    S.SUBMITTED: (S.APPROVED, S.REJECTED, S.WITHDRAWN, S.DRAFT),
    S.APPROVED: (S.BADGE_COLLECTED, S.WITHDRAWN),
    S.REJECTED: (S.DRAFT,),
    S.WITHDRAWN: (S.DRAFT,),
    S.BADGE_COLLECTED: (S.APPROVED,),  # a coordinator's undo of a wrong "collected"
}

#: Steps only a coordinator (or admin) may take.
MANAGER_ONLY = frozenset({S.APPROVED, S.REJECTED, S.BADGE_COLLECTED})

#: The only step the badge desk may take: handing the badge over.
DESK_STEPS = frozenset({S.BADGE_COLLECTED})

#: Statuses of people who are still coming (not rejected, not withdrawn).
ACTIVE_STATUSES = (S.DRAFT, S.SUBMITTED, S.APPROVED, S.BADGE_COLLECTED)

TIMESTAMP_FIELD = {
    S.SUBMITTED: "submitted_at",
    S.APPROVED: "approved_at",
    S.REJECTED: "rejected_at",
    S.WITHDRAWN: "withdrawn_at",
    S.BADGE_COLLECTED: "badge_collected_at",
}


class TransitionError(ValueError):
    """A status change the pipeline does not allow, with a message for people."""


def allowed_next(status: AccreditationStatus, user: User | None = None) -> list[AccreditationStatus]:
    steps = list(TRANSITIONS[status])
    if user is not None and not user.is_manager:
        steps = [s for s in steps if s not in MANAGER_ONLY]
    return steps


#: Where a status change comes from, as shown in its history.
SOURCES = ("form", "bulk", "spreadsheet", "forum_import", "cli", "job", "desk")


def check_transition(old: AccreditationStatus, new: AccreditationStatus,
                     actor: User | None) -> None:
    """Raise TransitionError, with a message for people, unless ``old`` may go to ``new``."""
    if new == old:
        raise TransitionError(gettext("The accreditation is already %(status)s.",
                                      status=old.label.lower()))
    if new not in TRANSITIONS[old]:
        nexts = ", ".join(s.label for s in TRANSITIONS[old]) \
            or gettext("none (this is the last step)")
        raise TransitionError(gettext(
            "Cannot go from %(old)s to %(new)s. Allowed next steps from %(old)s: %(next)s.",
            old=old.label, new=new.label, next=nexts))
    if actor is not None and actor.role == Role.DESK:
        if new not in DESK_STEPS:
            raise TransitionError(gettext("The badge desk can only record a badge as collected."))
    elif actor is not None and not actor.is_manager and new in MANAGER_ONLY:
        raise TransitionError(gettext("Only a coordinator can mark an accreditation %(status)s.",
                                      status=new.label.lower()))


def change_status(acc: Accreditation, new: AccreditationStatus | str, actor: User | None,
                  note: str = "", *, source: str = "form") -> list[str]:
    """Move ``acc`` to ``new``; return warnings (e.g. over quota). Raises TransitionError."""
    new = AccreditationStatus(new)
    old = acc.status
    check_transition(old, new, actor)
    warnings: list[str] = []
    if new in QUOTA_STATUSES and old not in QUOTA_STATUSES:
        warnings += quota_warnings(acc)
    set_status(acc, new, actor, source=source, note=note)
    db.session.flush()
    return warnings


def set_status(acc: Accreditation, new: AccreditationStatus, actor: User | None, *,
               source: str, note: str = "", at: datetime | None = None) -> None:
    """Write a status the caller has checked: the status, its timestamps and the history
    entry. For a new accreditation the entry records where it started."""
    at = at or utcnow()
    old = acc.status if sa.inspect(acc).persistent else None
    acc.status = new
    acc.status_changed_at = at
    if old == S.BADGE_COLLECTED and new == S.APPROVED:
        acc.badge_collected_at = None  # undone: still approved when it was
    elif new in TIMESTAMP_FIELD:
        setattr(acc, TIMESTAMP_FIELD[new], at)
    delegate = acc.delegate
    if acc.id is None:
        db.session.flush()
    db.session.add(ChangeLog(**history_entry(
        actor, acc.id, delegate.id, delegate.full_name, old, new, source, note, at)))


def history_entry(actor: User | None, acc_id: int, delegate_id: int, name: str,
                  old: AccreditationStatus | None, new: AccreditationStatus, source: str,
                  note: str = "", at: datetime | None = None,
                  labels: Mapping[AccreditationStatus | None, str] | None = None
                  ) -> dict[str, Any]:
    """The change-log row of one status change (a dict, so bulk writes insert many).
    ``labels``: the statuses' labels worked out once by a bulk write (``status_labels``),
    instead of a translation lookup per row."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    details: dict[str, Any] = {"from": old.value if old else None, "to": new.value,
                               "delegate_id": delegate_id, "source": source}
    if note:
        details["note"] = note
    return {
        "at": at or utcnow(),
        "user_id": actor.id if actor is not None else None,
        "actor": actor.email if actor is not None else "system",
        "entity": "accreditation", "entity_id": acc_id, "action": f"status:{new.value}",
        "summary": f"{name}: {labels[old]} → {labels[new]}" if labels is not None
                   else f"{name}: {old.label if old else 'new'} → {new.label}",
        "details": details,
    }


def status_labels() -> dict[AccreditationStatus | None, str]:
    """Every status's label in the current language, for ``history_entry(labels=)``."""
    return {None: "new", **{s: str(s.label) for s in AccreditationStatus}}


def past_history(actor: User | None, acc: Accreditation, name: str, delegate_id: int,
                 source: str) -> list[dict[str, Any]]:
    """The history of an accreditation brought in with its past (a forum file): one entry per
    step the file dates (submitted, approved...), each at its own time, so the audit trail
    reads in the order things happened; a status the file does not date is entered now."""
    steps = sorted((getattr(acc, field), status) for status, field in TIMESTAMP_FIELD.items()
                   if getattr(acc, field) is not None)
    entries, old = [], None
    for at, status in steps:
        entries.append(history_entry(actor, acc.id, delegate_id, name, old, status, source,
                                     at=at))
        old = status
    if old != acc.status:
        entries.append(history_entry(actor, acc.id, delegate_id, name, old, acc.status, source))
    return entries


def record_statuses(entries: Iterable[dict[str, Any]]) -> None:
    """Insert many ``history_entry`` rows in one statement (set-based imports)."""
    rows = list(entries)
    if rows:  # the Core table: one executemany, without the ORM's bulk machinery
        db.session.execute(sa.insert(ChangeLog.__table__), rows)


def status_history(acc: Accreditation) -> list[ChangeLog]:
    return list(db.session.scalars(
        sa.select(ChangeLog)
        .where(ChangeLog.entity == "accreditation", ChangeLog.entity_id == acc.id)
        .order_by(ChangeLog.at, ChangeLog.id)))
