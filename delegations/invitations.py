"""Invitations: a one-time, expiring link to set a password and join with a given role.

The token is shown once to whoever invites (and sent through ``invitation_created`` to any
package that mails it); only its SHA-256 is stored. Who may invite whom: an administrator
anyone; a coordinator focal points and delegates; a focal point the members of their own
delegation. Every step is in the change log. Services flush and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from . import changelog
from .auth import create_user
from .db import db, utcnow
from .models import Delegate, Delegation, Forum, Invitation, Role, User
from .signals import invitation_created

DEFAULT_DAYS = 7


class InvitationError(ValueError):
    """An invitation refused, with the reason for the person inviting."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_invite(actor: User, role: Role, delegation_id: int | None) -> bool:
    if actor.role == Role.ADMIN:
        return True
    if actor.role == Role.COORDINATOR:
        return role in (Role.FOCAL_POINT, Role.DELEGATE)
    if actor.role == Role.FOCAL_POINT:
        return role == Role.DELEGATE and delegation_id == actor.delegation_id
    return False


def invitable_roles(actor: User) -> list[Role]:
    return [r for r in Role if may_invite(actor, r, actor.delegation_id)]


def create_invitation(actor: User, forum: Forum, email: str, role: Role, *,
                      delegation: Delegation | None = None, delegate: Delegate | None = None,
                      days: int = DEFAULT_DAYS, now: datetime | None = None
                      ) -> tuple[Invitation, str]:
    """Create an invitation; return it and the plain token (shown once, never stored).
    An earlier open invitation for the same address is revoked."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise InvitationError(_("%(email)s is not an e-mail address.", email=repr(email)))
    if delegate is not None:
        delegation = delegate.delegation
    if role == Role.FOCAL_POINT and delegation is None:
        raise InvitationError(_("A focal point is invited for a delegation: choose one."))
    if role == Role.DELEGATE and delegate is None:
        raise InvitationError(_("A delegate is invited for their record in the roster: "
                                "choose the person."))
    if delegation is not None and delegation.forum_id != forum.id:
        raise InvitationError(_("That delegation is not in this forum."))
    if not may_invite(actor, role, delegation.id if delegation else None):
        raise InvitationError(_("You may not invite someone as %(role)s.",
                                role=role.label.lower()))
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise InvitationError(_("%(email)s has an account already; an administrator can "
                                "change its role or enable it.", email=email))
    now = now or utcnow()
    for old in open_invitations(forum, email=email, now=now):
        old.revoked_at = now
    token = secrets.token_urlsafe(32)
    inv = Invitation(token_hash=hash_token(token), email=email, role=role, forum_id=forum.id,
                     delegation_id=delegation.id if delegation else None,
                     delegate_id=delegate.id if delegate else None, created_by_id=actor.id,
                     created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(inv)
    db.session.flush()
    changelog.record(actor, "invitation", inv.id, "create",
                     f"Invited {email} as {role.label.lower()}"
                     + (f" ({delegation.name})" if delegation else ""),
                     {"email": email, "role": role.value, "expires_at": inv.expires_at.isoformat()})
    invitation_created.send(actor, invitation=inv, token=token)
    return inv, token


def open_invitations(forum: Forum, *, email: str | None = None,
                     delegation_id: int | None = None, now: datetime | None = None
                     ) -> list[Invitation]:
    now = now or utcnow()
    q = sa.select(Invitation).where(
        Invitation.forum_id == forum.id, Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None), Invitation.expires_at > now)
    if email is not None:
        q = q.where(Invitation.email == email)
    if delegation_id is not None:
        q = q.where(Invitation.delegation_id == delegation_id)
    return list(db.session.scalars(q.order_by(Invitation.created_at.desc())))


def find_open(token: str, now: datetime | None = None) -> Invitation | None:
    """The invitation a link names, if it can still be used."""
    if not token or len(token) > 200:
        return None
    inv = db.session.scalar(sa.select(Invitation).where(
        Invitation.token_hash == hash_token(token)))
    now = now or utcnow()
    if inv is None or inv.used_at or inv.revoked_at or inv.expires_at <= now:
        return None
    return inv


def accept(inv: Invitation, password: str) -> User:
    """Create the account the invitation was for; the link cannot be used again."""
    if inv.used_at is not None:
        raise InvitationError(_("This invitation has been used already."))
    try:
        user = create_user(inv.email, password, inv.role, delegation_id=inv.delegation_id,
                           delegate_id=inv.delegate_id)
    except ValueError as e:
        raise InvitationError(str(e).capitalize() + ".") from e
    inv.used_at = utcnow()
    changelog.record(user, "invitation", inv.id, "accept", f"{inv.email} set a password")
    changelog.record(user, "user", user.id, "create",
                     f"{inv.email} joined as {inv.role.label.lower()} (invitation)")
    db.session.flush()
    return user


def revoke(inv: Invitation, actor: User) -> None:
    if inv.used_at is None and inv.revoked_at is None:
        inv.revoked_at = utcnow()
        changelog.record(actor, "invitation", inv.id, "revoke", f"Revoked the invitation "
                         f"of {inv.email}")
        db.session.flush()
