"""Accreditation services: the status pipeline, required documents, quotas, deadlines and
bulk actions. Services take plain arguments, flush, never commit, and know nothing of
``request``. Every status change is written to the change log with who and when."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from . import changelog
from .db import db, utcnow
from .models import (
    Accreditation,
    AccreditationDocument,
    AccreditationStatus,
    ChangeLog,
    Deadline,
    DeadlineKind,
    Delegate,
    DocumentKind,
    Forum,
    Organisation,
    PartnerQuota,
    Role,
    Route,
    User,
)
from .timeutil import to_zone

S = AccreditationStatus

#: The pipeline: from each status, where a file may go next.
TRANSITIONS: dict[AccreditationStatus, tuple[AccreditationStatus, ...]] = {
    S.DRAFT: (S.SUBMITTED, S.WITHDRAWN),
    S.SUBMITTED: (S.APPROVED, S.REJECTED, S.WITHDRAWN, S.DRAFT),
    S.APPROVED: (S.BADGE_COLLECTED, S.WITHDRAWN),
    S.REJECTED: (S.DRAFT,),
    S.WITHDRAWN: (S.DRAFT,),
    S.BADGE_COLLECTED: (),
}

#: Steps only a coordinator (or admin) may take.
MANAGER_ONLY = frozenset({S.APPROVED, S.REJECTED, S.BADGE_COLLECTED})

#: The only step the badge desk may take: handing the badge over.
DESK_STEPS = frozenset({S.BADGE_COLLECTED})

#: Statuses that use a place in a partner organisation's quota.
QUOTA_STATUSES = (S.SUBMITTED, S.APPROVED, S.BADGE_COLLECTED)

#: Statuses of people who are still coming (not rejected, not withdrawn).
ACTIVE_STATUSES = (S.DRAFT, S.SUBMITTED, S.APPROVED, S.BADGE_COLLECTED)

TIMESTAMP_FIELD = {
    S.SUBMITTED: "submitted_at",
    S.APPROVED: "approved_at",
    S.REJECTED: "rejected_at",
    S.WITHDRAWN: "withdrawn_at",
    S.BADGE_COLLECTED: "badge_collected_at",
}

REQUIRED_DOCUMENTS: dict[Route, tuple[DocumentKind, ...]] = {
    Route.NATIONAL_DELEGATION: (DocumentKind.NOTE_VERBALE, DocumentKind.PASSPORT_BIO_PAGE,
                                DocumentKind.PHOTO),
    Route.PARTNER_ORGANISATION: (DocumentKind.NOMINATION_LETTER, DocumentKind.PASSPORT_BIO_PAGE,
                                 DocumentKind.PHOTO),
    Route.OWN_AUTHORITY: (DocumentKind.PASSPORT_BIO_PAGE, DocumentKind.PHOTO),
}


class TransitionError(ValueError):
    """A status change the pipeline does not allow, with a message for people."""


def allowed_next(status: AccreditationStatus, user: User | None = None) -> list[AccreditationStatus]:
    steps = list(TRANSITIONS[status])
    if user is not None and not user.is_manager:
        steps = [s for s in steps if s not in MANAGER_ONLY]
    return steps


def change_status(acc: Accreditation, new: AccreditationStatus | str, actor: User | None,
                  note: str = "") -> list[str]:
    """Move ``acc`` to ``new``; return warnings (e.g. over quota). Raises TransitionError."""
    new = AccreditationStatus(new)
    old = acc.status
    if new == old:
        raise TransitionError(f"The accreditation is already {old.label.lower()}.")
    if new not in TRANSITIONS[old]:
        nexts = ", ".join(s.label for s in TRANSITIONS[old]) or "none (this is the last step)"
        raise TransitionError(
            f"Cannot go from {old.label} to {new.label}. "
            f"Allowed next steps from {old.label}: {nexts}.")
    if actor is not None and actor.role == Role.DESK:
        if new not in DESK_STEPS:
            raise TransitionError("The badge desk can only record a badge as collected.")
    elif actor is not None and not actor.is_manager and new in MANAGER_ONLY:
        raise TransitionError(f"Only a coordinator can mark an accreditation {new.label.lower()}.")
    warnings: list[str] = []
    if new in QUOTA_STATUSES and old not in QUOTA_STATUSES:
        warnings += quota_warnings(acc)
    now = utcnow()
    acc.status = new
    acc.status_changed_at = now
    if new in TIMESTAMP_FIELD:
        setattr(acc, TIMESTAMP_FIELD[new], now)
    delegate = acc.delegate
    changelog.record(
        actor, "accreditation", acc.id, f"status:{new.value}",
        f"{delegate.full_name}: {old.label} → {new.label}",
        {"from": old.value, "to": new.value, "delegate_id": delegate.id,
         **({"note": note} if note else {})})
    db.session.flush()
    return warnings


def status_history(acc: Accreditation) -> list[ChangeLog]:
    return list(db.session.scalars(
        sa.select(ChangeLog)
        .where(ChangeLog.entity == "accreditation", ChangeLog.entity_id == acc.id)
        .order_by(ChangeLog.at, ChangeLog.id)))


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


# --------------------------------------------------------------------------- quotas


@dataclass
class QuotaUse:
    organisation: Organisation
    quota: int | None
    used: int
    substitutes: int = 0

    @property
    def over_by(self) -> int:
        if self.quota is None:
            return 0
        return max(0, self.used - self.quota)

    @property
    def left(self) -> int | None:
        return None if self.quota is None else self.quota - self.used


def quota_usage(forum_id: int) -> list[QuotaUse]:
    """Every partner organisation with a quota or a sponsored nomination in this forum.

    Usage counts submitted + approved (+ badge collected) nominations that are not
    substitutes; substitutes are counted apart. Two aggregate queries, whatever the size.
    """
    rows = db.session.execute(
        sa.select(Accreditation.sponsor_id, Accreditation.substitute, sa.func.count())
        .where(Accreditation.forum_id == forum_id, Accreditation.sponsor_id.is_not(None),
               Accreditation.route == Route.PARTNER_ORGANISATION,
               Accreditation.status.in_(QUOTA_STATUSES))
        .group_by(Accreditation.sponsor_id, Accreditation.substitute)).all()
    used: Counter[int] = Counter()
    subs: Counter[int] = Counter()
    for sponsor_id, substitute, n in rows:
        (subs if substitute else used)[sponsor_id] += n
    quotas = {q.organisation_id: q for q in db.session.scalars(
        sa.select(PartnerQuota).where(PartnerQuota.forum_id == forum_id))}
    ids = set(quotas) | set(used) | set(subs)
    orgs = {o.id: o for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(ids)))} if ids else {}
    out = [QuotaUse(orgs[i], quotas[i].quota if i in quotas else None, used[i], subs[i])
           for i in ids if i in orgs]
    return sorted(out, key=lambda u: u.organisation.name.casefold())


def quota_for(forum_id: int, organisation_id: int) -> QuotaUse | None:
    for u in quota_usage(forum_id):
        if u.organisation.id == organisation_id:
            return u
    return None


def quota_warnings(acc: Accreditation, adding: int = 1) -> list[str]:
    """A warning when counting ``acc`` would take its sponsor over quota."""
    if acc.route != Route.PARTNER_ORGANISATION or acc.sponsor_id is None or acc.substitute:
        return []
    use = quota_for(acc.forum_id, acc.sponsor_id)
    if use is None or use.quota is None:
        return []
    after = use.used + adding
    if after > use.quota:
        org = use.organisation.acronym or use.organisation.name
        return [f"{org} has a quota of {use.quota} and this nomination makes {after}: "
                f"over quota by {after - use.quota}."]
    return []


def set_quota(forum: Forum, organisation: Organisation, quota: int,
              actor: User | None) -> PartnerQuota:
    if quota < 0:
        raise ValueError("A quota cannot be negative.")
    row = db.session.scalar(sa.select(PartnerQuota).where(
        PartnerQuota.forum_id == forum.id, PartnerQuota.organisation_id == organisation.id))
    old = row.quota if row else None
    if row is None:
        row = PartnerQuota(forum_id=forum.id, organisation_id=organisation.id, quota=quota)
        db.session.add(row)
    row.quota = quota
    db.session.flush()
    changelog.record(actor, "partner_quota", row.id, "update",
                     f"{organisation.name}: quota {old} → {quota}", {"from": old, "to": quota})
    return row


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
        want = " or ".join(s.label.lower() for s in READY_FOR[deadline.kind])
        reasons.append(f"{acc.status.label.lower()}, needs to be {want}")
    if deadline.kind in (DeadlineKind.NOMINATIONS_CLOSE, DeadlineKind.CONFIRMATION_CLOSE):
        missing = missing_documents(acc)
        if missing:
            reasons.append("missing " + ", ".join(k.label for k in missing))
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
            result.skipped.append(f"{person.full_name}: no accreditation yet")
            continue
        if action.startswith("document:"):
            kind = DocumentKind(action.split(":", 1)[1])
            if kind not in required_documents(acc.route):
                result.skipped.append(
                    f"{person.full_name}: the {acc.route.label.lower()} route does not need a "
                    f"{kind.label.lower()}")
                continue
            mark_document_received(acc, kind, actor)
            result.done.append(person.full_name)
            continue
        target = S.SUBMITTED if action == "submit" else S.APPROVED
        try:
            result.warnings += change_status(acc, target, actor)
        except TransitionError as e:
            result.skipped.append(f"{person.full_name}: {e}")
        else:
            result.done.append(person.full_name)
    return result


def can_change_status(user: User, person: Delegate) -> bool:
    if user.is_manager:
        return True
    return user.role == Role.FOCAL_POINT and user.delegation_id == person.delegation_id
