"""Accreditation services: required documents, deadlines and bulk actions (the status
pipeline is in ``status``, quotas in ``quotas``). Services take plain arguments, flush, never
commit, and know nothing of ``request``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext

from . import changelog
from .db import db, utcnow
from .models import (
    Accreditation,
    AccreditationDocument,
    AccreditationStatus,
    Deadline,
    DeadlineKind,
    Delegate,
    DocumentKind,
    Forum,
    Route,
    User,
)
from .quotas import QUOTA_STATUSES, QuotaUse, quota_for, quota_usage, quota_warnings, set_quota
from .status import (
    ACTIVE_STATUSES,
    MANAGER_ONLY,
    TIMESTAMP_FIELD,
    TRANSITIONS,
    TransitionError,
    allowed_next,
    change_status,
    status_history,
)
from .timeutil import to_zone

# Status pipeline and quotas live in ``status`` and ``quotas``; kept importable from here.
__all__ = ["ACTIVE_STATUSES", "MANAGER_ONLY", "QUOTA_STATUSES", "TIMESTAMP_FIELD", "TRANSITIONS",
           "QuotaUse", "TransitionError", "allowed_next", "change_status", "quota_for",
           "quota_usage", "quota_warnings", "set_quota", "status_history"]

S = AccreditationStatus

REQUIRED_DOCUMENTS: dict[Route, tuple[DocumentKind, ...]] = {
    Route.NATIONAL_DELEGATION: (DocumentKind.NOTE_VERBALE, DocumentKind.PASSPORT_BIO_PAGE,
                                DocumentKind.PHOTO),
    Route.PARTNER_ORGANISATION: (DocumentKind.NOMINATION_LETTER, DocumentKind.PASSPORT_BIO_PAGE,
                                 DocumentKind.PHOTO),
    Route.OWN_AUTHORITY: (DocumentKind.PASSPORT_BIO_PAGE, DocumentKind.PHOTO),
}


# --------------------------------------------------------------------------- documents


def required_documents(route: Route) -> tuple[DocumentKind, ...]:
    return REQUIRED_DOCUMENTS[route]


def document_state(acc: Accreditation) -> list[tuple[DocumentKind, AccreditationDocument | None]]:
    """Each required document with its record (None when nothing has come in yet)."""
    by_kind = {d.kind: d for d in acc.documents}
    return [(k, by_kind.get(k)) for k in required_documents(acc.route)]


def is_present(doc: AccreditationDocument | None) -> bool:
    return doc is not None and (doc.received_at is not None or bool(doc.file_path))


def missing_documents(acc: Accreditation) -> list[DocumentKind]:
    return [k for k, d in document_state(acc) if not is_present(d)]


def _document(acc: Accreditation, kind: DocumentKind) -> AccreditationDocument:
    for d in acc.documents:
        if d.kind == kind:
            return d
    doc = AccreditationDocument(kind=kind)
    acc.documents.append(doc)
    return doc


def mark_document_received(acc: Accreditation, kind: DocumentKind | str, actor: User | None,
                           received: bool = True) -> AccreditationDocument:
    kind = DocumentKind(kind)
    doc = _document(acc, kind)
    doc.received_at = utcnow() if received else None
    db.session.flush()
    changelog.record(actor, "accreditation", acc.id,
                     "document:received" if received else "document:unmarked",
                     f"{acc.delegate.full_name}: {kind.label} "
                     + ("received" if received else "no longer marked received"),
                     {"kind": kind.value, "delegate_id": acc.delegate_id})
    return doc


def attach_document_file(acc: Accreditation, kind: DocumentKind | str, path: str,
                         original_filename: str, actor: User | None) -> AccreditationDocument:
    kind = DocumentKind(kind)
    doc = _document(acc, kind)
    doc.file_path = path
    doc.original_filename = original_filename[:300]
    if doc.received_at is None:
        doc.received_at = utcnow()
    db.session.flush()
    changelog.record(actor, "accreditation", acc.id, "document:uploaded",
                     f"{acc.delegate.full_name}: {kind.label} uploaded",
                     {"kind": kind.value, "delegate_id": acc.delegate_id})
    return doc


# --------------------------------------------------------------------------- deadlines


#: What each milestone needs of a person who is still coming.
READY_FOR: dict[DeadlineKind, tuple[AccreditationStatus, ...]] = {
    DeadlineKind.NOMINATIONS_OPEN: ACTIVE_STATUSES,
    DeadlineKind.NOMINATIONS_CLOSE: (S.SUBMITTED, S.APPROVED, S.BADGE_COLLECTED),
    DeadlineKind.CONFIRMATION_CLOSE: (S.APPROVED, S.BADGE_COLLECTED),
    DeadlineKind.BADGE_PICKUP: (S.BADGE_COLLECTED,),
    DeadlineKind.OTHER: ACTIVE_STATUSES,
}


def not_ready(deadline: Deadline, acc: Accreditation) -> list[str]:
    """Why ``acc`` is not ready for ``deadline`` (empty when it is)."""
    if acc.status not in ACTIVE_STATUSES:
        return []
    reasons = []
    if acc.status not in READY_FOR[deadline.kind]:
        want = gettext(" or ").join(s.label.lower() for s in READY_FOR[deadline.kind])
        reasons.append(gettext("%(status)s, needs to be %(wanted)s",
                               status=acc.status.label.lower(), wanted=want))
    if deadline.kind in (DeadlineKind.NOMINATIONS_CLOSE, DeadlineKind.CONFIRMATION_CLOSE):
        missing = missing_documents(acc)
        if missing:
            reasons.append(gettext("missing %(documents)s",
                                   documents=", ".join(k.label for k in missing)))
    return reasons


def days_left(due_at: datetime, tz: str, today: date | None = None) -> int:
    """Calendar days from today to the deadline, both in the forum's time zone."""
    today = today or to_zone(utcnow(), tz).date()
    return (to_zone(due_at, tz).date() - today).days


def next_deadline(forum: Forum, now: datetime | None = None) -> Deadline | None:
    now = now or utcnow()
    return db.session.scalar(
        sa.select(Deadline).where(Deadline.forum_id == forum.id, Deadline.due_at >= now)
        .order_by(Deadline.due_at).limit(1))


def add_deadline(forum: Forum, kind: DeadlineKind, title: str, due_at: datetime, notes: str,
                 actor: User | None) -> Deadline:
    d = Deadline(forum_id=forum.id, kind=kind, title=title, due_at=due_at, notes=notes)
    db.session.add(d)
    db.session.flush()
    changelog.record(actor, "deadline", d.id, "create", f"{title} ({kind.label})")
    return d


# --------------------------------------------------------------------------- bulk


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


BULK_ACTIONS = ("submit", "approve") + tuple(f"document:{k.value}" for k in DocumentKind)


def bulk_action(delegates: Iterable[Delegate], action: str, actor: User) -> BulkResult:
    """Apply one action to many delegates; each one that cannot take it is skipped with why."""
    if action not in BULK_ACTIONS:
        raise ValueError(f"Unknown action {action!r}.")
    result = BulkResult()
    for person in delegates:
        acc = person.accreditation
        if acc is None:
            result.skipped.append(gettext("%(name)s: no accreditation yet",
                                          name=person.full_name))
            continue
        if action.startswith("document:"):
            kind = DocumentKind(action.split(":", 1)[1])
            if kind not in required_documents(acc.route):
                result.skipped.append(
                    gettext("%(name)s: the %(route)s route does not need a %(document)s",
                            name=person.full_name, route=acc.route.label.lower(),
                            document=kind.label.lower()))
                continue
            mark_document_received(acc, kind, actor)
            result.done.append(person.full_name)
            continue
        target = S.SUBMITTED if action == "submit" else S.APPROVED
        try:
            result.warnings += change_status(acc, target, actor, source="bulk")
        except TransitionError as e:
            result.skipped.append(f"{person.full_name}: {e}")
        else:
            result.done.append(person.full_name)
    return result
