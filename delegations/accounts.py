"""User accounts managed by an administrator: role, delegation, enabled or disabled; every
change goes to the change log. Services flush and never commit."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from . import changelog
from .db import db
from .models import ChangeLog, Delegate, Delegation, Role, User


class AccountError(ValueError):
    """A change refused, with the reason."""


def _other_active_admins(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)).where(
        User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)) or 0


def change_account(user: User, actor: User, *, role: Role, active: bool,
                   delegation: Delegation | None = None, delegate: Delegate | None = None
                   ) -> list[str]:
    """Set role, links and whether the account may log in; returns what changed."""
    if actor.role != Role.ADMIN:
        raise AccountError(_("Only an administrator changes accounts."))
    if role == Role.FOCAL_POINT and delegation is None:
        raise AccountError(_("A focal point needs a delegation."))
    if role == Role.DELEGATE and delegate is None:
        raise AccountError(_("A delegate account needs the person's record in the roster."))
    losing_admin = user.role == Role.ADMIN and (role != Role.ADMIN or not active)
    if losing_admin and _other_active_admins(user) == 0:
        raise AccountError(_("This is the last administrator who can log in: make someone "
                             "else an administrator first."))
    new = {
        "role": role,
        "active": active,
        "delegation_id": delegation.id if role == Role.FOCAL_POINT and delegation else None,
        "delegate_id": delegate.id if role == Role.DELEGATE and delegate else None,
    }
    changed = {k: [str(getattr(user, k)), str(v)] for k, v in new.items()
               if getattr(user, k) != v}
    for k, v in new.items():
        setattr(user, k, v)
    if changed:
        what = []
        if "role" in changed:
            what.append(f"role {changed['role'][0]} -> {changed['role'][1]}")
        if "active" in changed:
            what.append("enabled" if active else "disabled")
        if {"delegation_id", "delegate_id"} & set(changed):
            what.append("linked record changed")
        changelog.record(actor, "user", user.id, "update", f"{user.email}: {', '.join(what)}",
                         changed)
    db.session.flush()
    return list(changed)


def account_log(limit: int = 100) -> list[ChangeLog]:
    """The latest changes to accounts and invitations, newest first."""
    return list(db.session.scalars(
        sa.select(ChangeLog).where(ChangeLog.entity.in_(("user", "invitation")))
        .order_by(ChangeLog.at.desc(), ChangeLog.id.desc()).limit(limit)))
