"""Who gets a badge, issuing and re-issuing, and when a printed badge stops being good.

Only an approved accreditation (or one whose badge was collected) with a badge type gets a
badge. Re-issuing raises the version, which voids every earlier printout; a withdrawal or
rejection after issue voids the badge too, even if the accreditation is approved again
later (a new badge is issued then).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from delegations import changelog
from delegations.db import db, utcnow
from delegations.models import Accreditation, AccreditationStatus, Delegate, Delegation, User

from .models import Badge

S = AccreditationStatus
BADGE_STATUSES = (S.APPROVED, S.BADGE_COLLECTED)


class BadgeError(ValueError):
    """A badge that cannot be issued, with a message for people."""


def why_no_badge(acc: Accreditation | None) -> str | None:
    """Why this accreditation cannot have a badge (None when it can)."""
    if acc is None:
        return _("no accreditation for this forum")
    if acc.status not in BADGE_STATUSES:
        return _("the accreditation is %(status)s; only approved accreditations get a badge",
                 status=acc.status.label.lower())
    if acc.badge_type is None:
        return _("no badge type is set on the accreditation")
    return None


def void_reason(badge: Badge) -> str | None:
    """Why a badge no longer admits anyone (None while it is good)."""
    acc = badge.accreditation
    if acc.status not in BADGE_STATUSES:
        return _("Revoked: the accreditation is %(status)s.", status=acc.status.label.lower())
    if acc.withdrawn_at is not None and acc.withdrawn_at > badge.issued_at:
        return _("Revoked: the accreditation was withdrawn after this badge was issued; "
                 "a new badge must be issued.")
    if acc.rejected_at is not None and acc.rejected_at > badge.issued_at:
        return _("Revoked: the accreditation was rejected after this badge was issued; "
                 "a new badge must be issued.")
    return None


def validity(acc: Accreditation) -> tuple[date, date]:
    return acc.forum.start_date, acc.forum.end_date


def badge_of(acc: Accreditation) -> Badge | None:
    return db.session.scalar(sa.select(Badge).where(Badge.accreditation_id == acc.id))


def _stamp(badge: Badge, acc: Accreditation, actor: User | None, now: datetime) -> None:
    badge.issued_at = now
    badge.issued_by_id = actor.id if actor is not None else None
    badge.valid_from, badge.valid_until = validity(acc)


_UNKNOWN = object()


def issue_badge(acc: Accreditation, actor: User | None, *, now: datetime | None = None,
                reason: str = "", current: Badge | None | object = _UNKNOWN) -> Badge:
    """The accreditation's badge: issued now if it has none, re-issued if it is void, else
    the badge as it is. Raises BadgeError when the accreditation cannot have one.
    ``current``: the badge already loaded by the caller (None: it has none)."""
    problem = why_no_badge(acc)
    if problem:
        raise BadgeError(f"{acc.delegate.full_name}: {problem}.")
    badge = badge_of(acc) if current is _UNKNOWN else current
    assert badge is None or isinstance(badge, Badge)
    if badge is not None and void_reason(badge) is None:
        return badge
    if badge is not None:
        return reissue_badge(acc, actor, reason or "the old badge was void", now=now)
    now = now or utcnow()
    badge = Badge(accreditation=acc, version=1)
    _stamp(badge, acc, actor, now)
    db.session.add(badge)
    db.session.flush()
    changelog.record(actor, "accreditation", acc.id, "badge:issued",
                     f"{acc.delegate.full_name}: badge issued",
                     {"badge_id": badge.id, "version": 1, "delegate_id": acc.delegate_id})
    return badge


def reissue_badge(acc: Accreditation, actor: User | None, reason: str, *,
                  now: datetime | None = None) -> Badge:
    """A new version of the badge (lost, name changed...): every older printout is void."""
    problem = why_no_badge(acc)
    if problem:
        raise BadgeError(f"{acc.delegate.full_name}: {problem}.")
    badge = badge_of(acc)
    if badge is None:
        return issue_badge(acc, actor, now=now)
    badge.version += 1
    _stamp(badge, acc, actor, now or utcnow())
    db.session.flush()
    changelog.record(actor, "accreditation", acc.id, "badge:reissued",
                     f"{acc.delegate.full_name}: badge re-issued (version {badge.version})"
                     + (f": {reason}" if reason else ""),
                     {"badge_id": badge.id, "version": badge.version, "reason": reason,
                      "delegate_id": acc.delegate_id})
    return badge


@dataclass
class IssueResult:
    badges: list[Badge] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def delegation_people(delegation: Delegation) -> list[Delegate]:
    """The delegation's people with what a badge needs, in a fixed number of queries."""
    return list(db.session.scalars(
        sa.select(Delegate).where(Delegate.delegation_id == delegation.id)
        .options(selectinload(Delegate.delegation).selectinload(Delegation.forum),
                 selectinload(Delegate.accreditations).selectinload(Accreditation.forum))
        .order_by(Delegate.family_name, Delegate.given_names, Delegate.id)))


def issue_for_delegation(delegation: Delegation, actor: User | None, *,
                         now: datetime | None = None) -> IssueResult:
    """Issue every badge the delegation may have; say who was skipped and why."""
    result = IssueResult()
    people = delegation_people(delegation)
    ids = [p.accreditation.id for p in people if p.accreditation is not None]
    current = {b.accreditation_id: b for b in db.session.scalars(
        sa.select(Badge).where(Badge.accreditation_id.in_(ids)))} if ids else {}
    for person in people:
        acc = person.accreditation
        problem = why_no_badge(acc)
        if problem or acc is None:
            result.skipped.append(f"{person.full_name}: {problem}")
            continue
        result.badges.append(issue_badge(acc, actor, now=now, current=current.get(acc.id)))
    return result


def issued_badges(delegation: Delegation) -> list[Badge]:
    """The delegation's badges that are still good, by name."""
    rows = db.session.scalars(
        sa.select(Badge).join(Accreditation).join(Delegate)
        .where(Delegate.delegation_id == delegation.id)
        .options(selectinload(Badge.accreditation).selectinload(Accreditation.delegate)
                 .selectinload(Delegate.delegation),
                 selectinload(Badge.accreditation).selectinload(Accreditation.forum))
        .order_by(Delegate.family_name, Delegate.given_names, Delegate.id))
    return [b for b in rows if void_reason(b) is None]
