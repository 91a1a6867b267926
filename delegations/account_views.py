"""Accounts: every user with role, delegation and state; an administrator changes roles and
disables accounts here; the change log of accounts and invitations below."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from . import accounts
from .auth import manager_required, roles_required
from .db import db
from .models import Delegate, Delegation, Forum, Role, User

bp = Blueprint("accounts", __name__)


def _forum_from_args() -> Forum | None:
    short = request.args.get("forum")
    forum = db.session.scalar(sa.select(Forum).where(Forum.short_name == short)) \
        if short else None
    if forum is not None:
        g.forum = forum  # keeps the forum's menu when reached from it
    return forum


def _page(error: str | None = None, code: int = 200) -> Any:
    forum = _forum_from_args()
    users = db.session.scalars(sa.select(User).options(
        selectinload(User.delegation), selectinload(User.delegate))
        .order_by(User.role, User.email)).all()
    delegations = db.session.scalars(sa.select(Delegation).order_by(Delegation.name)).all()
    return render_template("people/accounts.html", users=users, roles=list(Role),
                           delegations=delegations, log=accounts.account_log(),
                           error=error, forum=forum), code


@bp.get("/accounts/")
@manager_required
def index() -> Any:
    return _page()


@bp.post("/accounts/<int:user_id>")
@roles_required(Role.ADMIN)
def change(user_id: int) -> Any:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    try:
        role = Role(request.form.get("role", ""))
    except ValueError:
        abort(400)
    delegation = db.session.get(Delegation, request.form.get("delegation_id", type=int) or 0)
    delegate = user.delegate if role == Role.DELEGATE else None
    if role == Role.DELEGATE and delegate is None:
        delegate = db.session.get(Delegate, request.form.get("delegate_id", type=int) or 0)
    try:
        changed = accounts.change_account(user, current_user, role=role,
                                          active=request.form.get("active") == "1",
                                          delegation=delegation, delegate=delegate)
    except accounts.AccountError as e:
        db.session.rollback()
        return _page(f"{user.email}: {e}", 422)
    db.session.commit()
    flash(_("Saved %(email)s.", email=user.email) if changed
          else _("Nothing changed for %(email)s.", email=user.email), "info")
    return redirect(url_for("accounts.index", forum=request.args.get("forum") or None))
