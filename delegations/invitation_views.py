"""Invitations: invite someone by e-mail (the one-time link is shown once, to pass on), and
the public page where the invited person sets a password."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from . import invitations
from .auth import public, roles_required
from .db import db
from .forums import forum_or_404
from .models import Delegate, Delegation, Forum, Invitation, Role, User

bp = Blueprint("invitations", __name__)


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=320)])
    role = SelectField(_l("Joins as"))
    delegation_id = SelectField(_l("Delegation (for a focal point)"), validate_choice=False)
    delegate_id = SelectField(_l("Person in the roster (for a delegate)"),
                              validate_choice=False)


class AcceptForm(FlaskForm):
    password = PasswordField(_l("New password (8 characters or more)"),
                             validators=[DataRequired(), Length(min=8, max=200)])
    repeat = PasswordField(_l("The same password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


def _scope(f: Forum) -> int | None:
    """A focal point sees and invites for their own delegation only."""
    return current_user.delegation_id if current_user.role == Role.FOCAL_POINT else None


def _fill_choices(form: InviteForm, f: Forum) -> None:
    own = _scope(f)
    form.role.choices = [SelectChoice(r.value, r.label)
                         for r in invitations.invitable_roles(current_user)]
    q = sa.select(Delegation).where(Delegation.forum_id == f.id).order_by(Delegation.name)
    if own is not None:
        q = q.where(Delegation.id == own)
    form.delegation_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(d.id), d.name) for d in db.session.scalars(q)]
    has_account = sa.select(User.delegate_id).where(User.delegate_id.is_not(None))
    people = sa.select(Delegate).join(Delegation).where(
        Delegation.forum_id == f.id, Delegate.id.not_in(has_account)).order_by(
        Delegation.name, Delegate.family_name)
    if own is not None:
        people = people.where(Delegation.id == own)
    form.delegate_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(p.id), f"{p.full_name} ({p.delegation.name})"
                     + (f" · {p.email}" if p.email else ""))
        for p in db.session.scalars(people)]


def _page(f: Forum, form: InviteForm, new_link: str | None = None,
          invited: Invitation | None = None, code: int = 200) -> Any:
    return render_template(
        "people/invitations.html", forum=f, form=form, new_link=new_link, invited=invited,
        pending=invitations.open_invitations(f, delegation_id=_scope(f))), code


def _get_or_none(model: Any, raw: str | None, f: Forum) -> Any:
    if not raw:
        return None
    obj = db.session.get(model, int(raw)) if raw.isdigit() else None
    forum_id = None if obj is None else (
        obj.forum_id if isinstance(obj, Delegation) else obj.delegation.forum_id)
    if forum_id != f.id:
        abort(404)
    return obj


@bp.get("/<forum>/invitations/")
@roles_required(Role.ADMIN, Role.COORDINATOR, Role.FOCAL_POINT)
def index(forum: str) -> Any:
    f = forum_or_404(forum)
    form = InviteForm()
    _fill_choices(form, f)
    if _scope(f) is not None:
        form.role.data = Role.DELEGATE.value
        form.delegation_id.data = str(_scope(f))
    return _page(f, form)


@bp.post("/<forum>/invitations/")
@roles_required(Role.ADMIN, Role.COORDINATOR, Role.FOCAL_POINT)
def index_post(forum: str) -> Any:
    f = forum_or_404(forum)
    form = InviteForm()
    _fill_choices(form, f)
    if not form.validate():
        return _page(f, form, code=422)
    try:
        inv, token = invitations.create_invitation(
            current_user, f, form.email.data or "", Role(form.role.data),
            delegation=_get_or_none(Delegation, form.delegation_id.data, f),
            delegate=_get_or_none(Delegate, form.delegate_id.data, f))
    except (invitations.InvitationError, ValueError) as e:
        db.session.rollback()
        f = forum_or_404(forum)
        _fill_choices(form, f)
        form.form_errors.append(str(e))
        return _page(f, form, code=422)
    db.session.commit()
    link = url_for("invitations.accept", token=token, _external=True)
    fresh = InviteForm(formdata=None)
    _fill_choices(fresh, f)
    return _page(f, fresh, new_link=link, invited=inv)


@bp.post("/<forum>/invitations/<int:invitation_id>/revoke")
@roles_required(Role.ADMIN, Role.COORDINATOR, Role.FOCAL_POINT)
def revoke(forum: str, invitation_id: int) -> Any:
    f = forum_or_404(forum)
    inv = db.session.get(Invitation, invitation_id)
    own = _scope(f)
    if inv is None or inv.forum_id != f.id or (own is not None and inv.delegation_id != own):
        abort(404)
    invitations.revoke(inv, current_user)
    db.session.commit()
    flash(_("Revoked the invitation of %(email)s; its link no longer works.", email=inv.email),
          "info")
    return redirect(url_for("invitations.index", forum=forum))


@bp.get("/invitation/<token>")
@public
def accept(token: str) -> Any:
    inv = invitations.find_open(token)
    if inv is None:
        return render_template("people/accept.html", inv=None), 404
    return render_template("people/accept.html", inv=inv, form=AcceptForm())


@bp.post("/invitation/<token>")
@public
def accept_post(token: str) -> Any:
    inv = invitations.find_open(token)
    if inv is None:
        return render_template("people/accept.html", inv=None), 404
    form = AcceptForm()
    if not form.validate():
        return render_template("people/accept.html", inv=inv, form=form), 422
    try:
        user = invitations.accept(inv, form.password.data or "")
    except invitations.InvitationError as e:
        db.session.rollback()
        form.form_errors.append(str(e))
        return render_template("people/accept.html", inv=inv, form=form), 422
    db.session.commit()
    login_user(user)
    flash(_("Welcome to Forum Desk: your password is set and you are logged in."), "success")
    return redirect(url_for("home"))
