"""Partner organisations' quotas: how many places each uses, and the warning when a
nomination takes one over."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from . import changelog
from .db import db
from .models import (
    Accreditation,
    AccreditationStatus,
    Forum,
    Organisation,
    PartnerQuota,
    Route,
    User,
)

S = AccreditationStatus

#: Statuses that use a place in a partner organisation's quota.
QUOTA_STATUSES = (S.SUBMITTED, S.APPROVED, S.BADGE_COLLECTED)


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
