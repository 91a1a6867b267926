"""Who may see and edit what: the one home of every access rule.

Views, feeds, books and the CLI ask here; nothing else compares roles with delegation ids.
``get_or_404_for`` loads an object of a forum and checks it in one call. Packages that build
on ``delegations`` (``schedule``) add their models' rules with ``register`` so that this
module never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort

from .db import db
from .models import (
    Accreditation,
    Deadline,
    Delegate,
    Delegation,
    Forum,
    ImportJob,
    Role,
    User,
)

T = TypeVar("T")


def is_manager(user: User | None) -> bool:
    """Coordinators and admins manage everything."""
    return user is not None and user.is_authenticated and user.is_manager


def delegations_clause(user: User | None) -> sa.ColumnElement[bool]:
    """SQL: the delegations ``user`` may see (managers: all; others: their own)."""
    if is_manager(user):
        return sa.true()
    own = user.own_delegation_id if user is not None and user.is_authenticated else None
    return Delegation.id == own if own is not None else sa.false()


def visible_delegations(user: User | None, forum: Forum | None = None) -> list[Delegation]:
    """The delegations ``user`` may see, by name (in ``forum`` when given)."""
    q = sa.select(Delegation).where(delegations_clause(user)).order_by(Delegation.name)
    if forum is not None:
        q = q.where(Delegation.forum_id == forum.id)
    return list(db.session.scalars(q))


def can_see_delegation(user: User, delegation_id: int) -> bool:
    return is_manager(user) or user.own_delegation_id == delegation_id


def can_edit_delegation(user: User, delegation_id: int) -> bool:
    """Managers, and the focal point of that delegation."""
    return is_manager(user) or (
        user.role == Role.FOCAL_POINT and user.delegation_id == delegation_id)


def can_see_delegate(user: User, person: Delegate) -> bool:
    """Managers, the delegation's focal point, and the delegate themself."""
    if is_manager(user):
        return True
    if user.role == Role.FOCAL_POINT:
        return user.delegation_id == person.delegation_id
    return user.delegate_id == person.id


def can_manage_feed(user: User, person: Delegate) -> bool:
    """Who may issue or revoke a delegate's secret feed link: them, or who edits them."""
    return user.delegate_id == person.id or can_edit_delegation(user, person.delegation_id)


# --------------------------------------------------------------------------- per model


@dataclass(frozen=True)
class Rule:
    forum_id: Callable[[Any], int | None]
    can_see: Callable[[User, Any], bool]
    can_edit: Callable[[User, Any], bool]
    hidden: int = 403  # the answer to someone who may not see it (404 keeps it secret)


RULES: dict[type, Rule] = {
    Delegation: Rule(lambda o: o.forum_id,
                     lambda u, o: can_see_delegation(u, o.id),
                     lambda u, o: can_edit_delegation(u, o.id)),
    Delegate: Rule(lambda o: o.delegation.forum_id,
                   can_see_delegate,
                   lambda u, o: can_edit_delegation(u, o.delegation_id)),
    Accreditation: Rule(lambda o: o.forum_id,
                        lambda u, o: can_see_delegate(u, o.delegate),
                        lambda u, o: can_edit_delegation(u, o.delegate.delegation_id)),
    # a forum's deadlines and roster imports are the coordinators' own records
    Deadline: Rule(lambda o: o.forum_id, lambda u, o: is_manager(u), lambda u, o: is_manager(u)),
    ImportJob: Rule(lambda o: o.forum_id, lambda u, o: is_manager(u),
                    lambda u, o: is_manager(u)),
}


def register(model: type, *, forum_id: Callable[[Any], int | None],
             can_see: Callable[[User, Any], bool] | None = None,
             can_edit: Callable[[User, Any], bool] | None = None, hidden: int = 403) -> None:
    """Add a model's rules (default: anyone logged in sees it, managers edit it)."""
    RULES[model] = Rule(forum_id, can_see or (lambda u, o: True),
                        can_edit or (lambda u, o: is_manager(u)), hidden)


def _rule(obj: Any) -> Rule:
    for cls in type(obj).__mro__:
        if cls in RULES:
            return RULES[cls]
    raise LookupError(f"no access rule for {type(obj).__name__}")


def can_see(user: User, obj: Any) -> bool:
    return _rule(obj).can_see(user, obj)


def can_edit(user: User, obj: Any) -> bool:
    return _rule(obj).can_edit(user, obj)


def get_or_404_for(user: User, model: type[T], ident: int | None, forum: Forum | None = None,
                   *, edit: bool = False, options: Sequence[Any] = ()) -> T:
    """``model`` number ``ident`` if ``user`` may see it (or edit it, with ``edit``).

    404 when it does not exist or belongs to another forum than ``forum``; 403 (or 404 for
    models that keep their existence secret) when ``user`` may not see or edit it.
    """
    obj = db.session.get(model, ident, options=list(options)) if ident else None
    if obj is None:
        abort(404)
    rule = _rule(obj)
    if forum is not None and rule.forum_id(obj) != forum.id:
        abort(404)
    if not rule.can_see(user, obj):
        abort(rule.hidden)
    if edit and not rule.can_edit(user, obj):
        abort(403)
    return obj
