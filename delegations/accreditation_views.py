"""Accreditation screens: the coordinator dashboard, the roster with filters and bulk
actions, deadlines and quotas. Routes live on the ``delegations`` blueprint."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from . import accreditation, changelog, roster
from .access import can_edit, get_or_404_for
from .auth import manager_required, roles_required
from .db import db
from .forms import DeadlineForm, OrganisationForm, QuotaForm
from .forums import forum_or_404
from .models import (
    Accreditation,
    AccreditationStatus,
    Deadline,
    DeadlineKind,
    Delegate,
    Delegation,
    DocumentKind,
    Forum,
    Organisation,
    OrganisationKind,
    Role,
    Route,
)
from .timeutil import to_zone, zone
from .views import bp

# --------------------------------------------------------------------------- dashboard


@bp.get("/<forum>/accreditation/")
@manager_required
def dashboard(forum: str) -> Any:
    f = forum_or_404(forum)
    by_status = dict(db.session.execute(
        sa.select(Accreditation.status, sa.func.count()).where(Accreditation.forum_id == f.id)
        .group_by(Accreditation.status)).all())
    by_route = dict(db.session.execute(
        sa.select(Accreditation.route, sa.func.count())
        .where(Accreditation.forum_id == f.id,
               Accreditation.status.in_(accreditation.ACTIVE_STATUSES))
        .group_by(Accreditation.route)).all())
    active = db.session.scalars(
        sa.select(Accreditation)
        .where(Accreditation.forum_id == f.id,
               Accreditation.status.in_(accreditation.ACTIVE_STATUSES))
        .options(selectinload(Accreditation.documents),
                 selectinload(Accreditation.delegate))).all()
    missing: Counter[DocumentKind] = Counter()
    missing_any = 0
    for acc in active:
        kinds = accreditation.missing_documents(acc)
        missing.update(kinds)
        missing_any += bool(kinds)
    deadlines = db.session.scalars(
        sa.select(Deadline).where(Deadline.forum_id == f.id).order_by(Deadline.due_at)).all()
    nxt = accreditation.next_deadline(f)
    deadline_rows = [
        (d, accreditation.days_left(d.due_at, f.timezone),
         sum(1 for acc in active if accreditation.not_ready(d, acc)))
        for d in deadlines]
    quotas = accreditation.quota_usage(f.id)
    counts = db.session.execute(
        sa.select(sa.func.count(sa.distinct(Delegation.id)), sa.func.count(Delegate.id))
        .select_from(Delegation).outerjoin(Delegate)
        .where(Delegation.forum_id == f.id)).one()
    return render_template(
        "delegations/dashboard.html", forum=f, by_status=by_status, by_route=by_route,
        missing=missing, missing_any=missing_any, deadline_rows=deadline_rows,
        next_deadline=nxt, quotas=quotas, delegation_count=counts[0], delegate_count=counts[1],
        statuses=list(AccreditationStatus), routes=list(Route), document_kinds=list(DocumentKind))


# --------------------------------------------------------------------------- roster


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _filter_from_args() -> roster.RosterFilter:
    a = request.args
    status = a.get("status", "")
    route = a.get("route", "")
    missing = a.get("missing", "")
    return roster.RosterFilter(
        q=a.get("q", "")[:200],
        status=status if status in {s.value for s in AccreditationStatus} else "",
        route=route if route in {r.value for r in Route} else "",
        country=a.get("country", "")[:2],
        delegation_id=_int_arg("delegation"),
        sponsor_id=_int_arg("sponsor"),
        missing=missing if missing in {"any", *(k.value for k in DocumentKind)} else "",
        not_ready=_int_arg("not_ready"),
        sort=a.get("sort", "name") if a.get("sort") in roster.SORTS else "name",
    )


@bp.get("/<forum>/roster/")
def roster_list(forum: str) -> Any:
    f = forum_or_404(forum)
    scope: int | None = None
    if not current_user.is_manager:
        if current_user.role == Role.FOCAL_POINT and current_user.delegation_id:
            scope = current_user.delegation_id
        elif current_user.role == Role.DELEGATE and current_user.delegate_id:
            return redirect(url_for("delegations.delegate", forum=forum,
                                    delegate_id=current_user.delegate_id))
        else:
            abort(403)
    flt = _filter_from_args()
    people = roster.roster(f, flt, delegation_id=scope)
    delegations = db.session.scalars(
        sa.select(Delegation).where(Delegation.forum_id == f.id).order_by(Delegation.name)
    ).all() if scope is None else []
    sponsor = db.session.get(Organisation, flt.sponsor_id) if flt.sponsor_id else None
    deadline = db.session.get(Deadline, flt.not_ready) if flt.not_ready else None
    bulk_actions = [("submit", _("Submit"))]
    if current_user.is_manager:
        bulk_actions.append(("approve", _("Approve")))
    bulk_actions += [(f"document:{k.value}", _("Mark received: %(document)s", document=k.label))
                     for k in DocumentKind]
    return render_template(
        "delegations/roster.html", forum=f, people=people, flt=flt, delegations=delegations,
        statuses=list(AccreditationStatus), routes=list(Route), sponsor=sponsor,
        deadline=deadline if deadline is not None and deadline.forum_id == f.id else None,
        document_kinds=list(DocumentKind), bulk_actions=bulk_actions,
        missing_docs={p.id: accreditation.missing_documents(p.accreditation)
                      for p in people if p.accreditation},
        can_bulk=current_user.is_manager or current_user.role == Role.FOCAL_POINT,
        sorts=list(roster.SORTS))


@bp.post("/<forum>/roster/bulk")
@roles_required(Role.ADMIN, Role.COORDINATOR, Role.FOCAL_POINT)
def roster_bulk(forum: str) -> Any:
    f = forum_or_404(forum)
    action = request.form.get("action", "")
    back = redirect(request.form.get("back") if (request.form.get("back") or "").startswith(
        f"/{forum}/roster/") else url_for("delegations.roster_list", forum=forum))
    ids = [int(i) for i in request.form.getlist("delegate_id") if i.isdigit()]
    if action not in accreditation.BULK_ACTIONS:
        flash(_("Choose an action."), "error")
        return back
    if action == "approve" and not current_user.is_manager:
        abort(403)
    if not ids:
        flash(_("Select at least one delegate."), "error")
        return back
    people = db.session.scalars(
        sa.select(Delegate).join(Delegation)
        .where(Delegate.id.in_(ids), Delegation.forum_id == f.id)
        .options(selectinload(Delegate.delegation),
                 selectinload(Delegate.accreditations).selectinload(Accreditation.documents))
    ).all()
    if any(not can_edit(current_user, p) for p in people):
        abort(403)
    result = accreditation.bulk_action(people, action, current_user)
    db.session.commit()
    if result.done:
        flash(_("Done for %(n)s: %(names)s.", n=len(result.done), names=", ".join(result.done)),
              "info")
    for s in result.skipped:
        flash(_("Skipped %(reason)s", reason=s), "error")
    for w in result.warnings:
        flash(w, "warning")
    return back


# --------------------------------------------------------------------------- deadlines


def _render_deadlines(f: Forum, form: DeadlineForm, code: int = 200) -> Any:
    deadlines = db.session.scalars(
        sa.select(Deadline).where(Deadline.forum_id == f.id).order_by(Deadline.due_at)).all()
    return render_template(
        "delegations/deadlines.html", forum=f, form=form,
        rows=[(d, accreditation.days_left(d.due_at, f.timezone)) for d in deadlines]), code


@bp.get("/<forum>/deadlines/")
@manager_required
def deadlines(forum: str) -> Any:
    f = forum_or_404(forum)
    return _render_deadlines(f, DeadlineForm())


@bp.post("/<forum>/deadlines/")
@manager_required
def deadlines_post(forum: str) -> Any:
    f = forum_or_404(forum)
    form = DeadlineForm()
    if not form.validate_on_submit():
        return _render_deadlines(f, form, 400)
    due = form.due.data.replace(tzinfo=zone(f.timezone))
    accreditation.add_deadline(f, DeadlineKind(form.kind.data), form.title.data.strip(),
                               due, form.notes.data or "", current_user)
    db.session.commit()
    flash(_("Deadline added: %(title)s (%(when)s).", title=form.title.data,
            when=f"{to_zone(due, f.timezone):%Y-%m-%d %H:%M}"), "info")
    return redirect(url_for("delegations.deadlines", forum=forum))


@bp.post("/<forum>/deadlines/delete")
@manager_required
def deadline_delete(forum: str) -> Any:
    """The deadline comes as a form field (URLs carry only the argument names the route
    walk knows)."""
    f = forum_or_404(forum)
    raw = request.form.get("deadline_id", "")
    d = get_or_404_for(current_user, Deadline, int(raw) if raw.isdigit() else None, f)
    db.session.delete(d)
    db.session.commit()
    flash(_("Deadline removed."), "info")
    return redirect(url_for("delegations.deadlines", forum=forum))


# --------------------------------------------------------------------------- quotas


def _render_quotas(f: Forum, form: QuotaForm, org_form: OrganisationForm, code: int = 200) -> Any:
    return render_template("delegations/quotas.html", forum=f, form=form, org_form=org_form,
                           quotas=accreditation.quota_usage(f.id)), code


@bp.get("/<forum>/quotas/")
@manager_required
def quotas(forum: str) -> Any:
    f = forum_or_404(forum)
    return _render_quotas(f, QuotaForm(), OrganisationForm(formdata=None))


@bp.post("/<forum>/quotas/")
@manager_required
def quotas_post(forum: str) -> Any:
    f = forum_or_404(forum)
    form = QuotaForm()
    org = db.session.get(Organisation, form.organisation_id.data) \
        if form.organisation_id.data else None
    if not form.validate_on_submit() or org is None:
        if form.organisation_id.data and org is None:
            form.organisation_id.errors = [*form.organisation_id.errors, "Unknown organisation."]
        return _render_quotas(f, form, OrganisationForm(formdata=None), 400)
    accreditation.set_quota(f, org, form.quota.data, current_user)
    db.session.commit()
    flash(_("Quota of %(org)s: %(n)s.", org=org.name, n=form.quota.data), "info")
    return redirect(url_for("delegations.quotas", forum=forum))


@bp.post("/<forum>/organisations/new")
@manager_required
def organisation_new_post(forum: str) -> Any:
    f = forum_or_404(forum)
    form = OrganisationForm()
    if not form.validate_on_submit():
        return _render_quotas(f, QuotaForm(formdata=None), form, 400)
    org = Organisation(name=form.name.data.strip(), acronym=(form.acronym.data or "").strip(),
                       kind=OrganisationKind(form.kind.data), country=form.country.data or None)
    db.session.add(org)
    db.session.flush()
    changelog.record(current_user, "organisation", org.id, "create", org.name)
    db.session.commit()
    flash(_("Organisation %(name)s added.", name=org.name), "info")
    return redirect(url_for("delegations.quotas", forum=forum))
