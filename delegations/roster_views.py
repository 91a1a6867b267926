"""Editing a delegation's roster: delegations, delegates, their accreditation, documents
and photos."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from . import accreditation, roster, status_confirm_views
from .access import can_edit, get_or_404_for
from .auth import manager_required
from .db import db
from .forms import AccreditationForm, DelegateForm, DelegationForm
from .forums import forum_or_404
from .models import (
    Accreditation,
    AccreditationStatus,
    Delegate,
    Delegation,
    DocumentKind,
    Forum,
    Route,
)
from .versions import StaleEdit, check_fresh, show_conflict
from .views import bp

DELEGATE_LOAD = (selectinload(Delegate.delegation), selectinload(Delegate.organisation),
                 selectinload(Delegate.accreditations).selectinload(Accreditation.sponsor),
                 selectinload(Delegate.accreditations).selectinload(Accreditation.documents))


def delegation_for(f: Forum, delegation_id: int, *, edit: bool = False) -> Delegation:
    return get_or_404_for(current_user, Delegation, delegation_id, f, edit=edit)


def delegate_for(f: Forum, delegate_id: int, *, edit: bool = False) -> Delegate:
    return get_or_404_for(current_user, Delegate, delegate_id, f, edit=edit,
                          options=DELEGATE_LOAD)


@bp.get("/<forum>/delegations/new")
@manager_required
def delegation_new(forum: str) -> Any:
    f = forum_or_404(forum)
    return render_template("delegations/delegation_form.html", forum=f, form=DelegationForm(),
                           delegation=None)


@bp.post("/<forum>/delegations/new")
@manager_required
def delegation_new_post(forum: str) -> Any:
    f = forum_or_404(forum)
    form = DelegationForm()
    if form.validate_on_submit() and roster.name_taken(f.id, form.name.data):
        form.name.errors = [*form.name.errors, "A delegation with this name exists already."]
    elif form.validate_on_submit():
        d = roster.create_delegation(f, form.values(), current_user)
        db.session.commit()
        flash(_("Delegation %(name)s created.", name=d.name), "info")
        return redirect(url_for("delegations.detail", forum=forum, delegation_id=d.id))
    return render_template("delegations/delegation_form.html", forum=f, form=form,
                           delegation=None), 400


@bp.get("/<forum>/delegations/<int:delegation_id>/edit")
def delegation_edit(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    d = delegation_for(f, delegation_id, edit=True)
    return render_template("delegations/delegation_form.html", forum=f, delegation=d,
                           form=DelegationForm(obj=d))


@bp.post("/<forum>/delegations/<int:delegation_id>/edit")
def delegation_edit_post(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    d = delegation_for(f, delegation_id, edit=True)
    form = DelegationForm()
    if form.validate_on_submit():
        try:
            check_fresh(d, "delegation", form.version.data, form.values())
        except StaleEdit as e:
            show_conflict(form, e, f.timezone)
            return render_template("delegations/delegation_form.html", forum=f, delegation=d,
                                   form=form), 409
        if roster.name_taken(f.id, form.name.data, except_id=d.id):
            form.name.errors = [*form.name.errors, "A delegation with this name exists already."]
        else:
            roster.update_delegation(d, form.values(), current_user)
            db.session.commit()
            flash(_("Delegation saved."), "info")
            return redirect(url_for("delegations.detail", forum=forum, delegation_id=d.id))
    return render_template("delegations/delegation_form.html", forum=f, delegation=d,
                           form=form), 400


@bp.post("/<forum>/delegations/<int:delegation_id>/delete")
@manager_required
def delegation_delete(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    d = delegation_for(f, delegation_id)
    name = d.name
    roster.delete_delegation(d, current_user)
    db.session.commit()
    flash(_("Delegation %(name)s and its delegates were removed.", name=name), "info")
    return redirect(url_for("delegations.index", forum=forum))


@bp.get("/<forum>/delegations/<int:delegation_id>/delegates/new")
def delegate_new(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    d = delegation_for(f, delegation_id, edit=True)
    return render_template("delegations/delegate_form.html", forum=f, delegation=d,
                           person=None, form=DelegateForm())


@bp.post("/<forum>/delegations/<int:delegation_id>/delegates/new")
def delegate_new_post(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    d = delegation_for(f, delegation_id, edit=True)
    form = DelegateForm()
    if form.validate_on_submit():
        if roster.email_taken(f.id, form.email.data):
            form.email.errors = [*form.email.errors,
                                 "Another delegate of this forum has this e-mail."]
        else:
            p = roster.create_delegate(d, form.values(), Route(form.route.data),
                                       form.sponsor_id.data, current_user)
            db.session.commit()
            flash(_("%(name)s added to %(delegation)s (accreditation: draft).", name=p.full_name,
                    delegation=d.name), "info")
            return redirect(url_for("delegations.delegate", forum=forum, delegate_id=p.id))
    return render_template("delegations/delegate_form.html", forum=f, delegation=d,
                           person=None, form=form), 400


@bp.get("/<forum>/delegates/<int:delegate_id>")
def delegate(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = delegate_for(f, delegate_id)
    acc = p.accreditation
    acc_form = AccreditationForm(obj=acc, formdata=None) if acc else None
    if acc_form is not None:
        acc_form.route.data = acc.route.value
        acc_form.badge_type.data = acc.badge_type.value if acc.badge_type else ""
    return _render_delegate(f, p, acc_form)


def _render_delegate(f: Forum, p: Delegate, acc_form: AccreditationForm | None,
                     code: int = 200) -> Any:
    acc = p.accreditation
    return render_template(
        "delegations/delegate.html", forum=f, person=p, acc=acc, acc_form=acc_form,
        can_edit=can_edit(current_user, p),
        next_steps=accreditation.allowed_next(acc.status, current_user) if acc else [],
        documents=accreditation.document_state(acc) if acc else [],
        history=accreditation.status_history(acc) if acc else [],
        quota=(accreditation.quota_for(f.id, acc.sponsor_id)
               if acc and acc.sponsor_id and acc.route == Route.PARTNER_ORGANISATION else None),
        document_kinds=list(DocumentKind),
    ), code


@bp.get("/<forum>/delegates/<int:delegate_id>/edit")
def delegate_edit(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = delegate_for(f, delegate_id, edit=True)
    form = DelegateForm(obj=p)
    form.level.data, form.capacity.data = p.level.value, p.capacity.value
    return render_template("delegations/delegate_form.html", forum=f, delegation=p.delegation,
                           person=p, form=form)


@bp.post("/<forum>/delegates/<int:delegate_id>/edit")
def delegate_edit_post(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = delegate_for(f, delegate_id, edit=True)
    form = DelegateForm()
    # the route and sponsor are changed on the accreditation, not here
    form.route.data = Route.OWN_AUTHORITY.value
    if form.validate_on_submit():
        try:
            check_fresh(p, "delegate", form.version.data, form.values())
        except StaleEdit as e:
            show_conflict(form, e, f.timezone)
            return render_template("delegations/delegate_form.html", forum=f,
                                   delegation=p.delegation, person=p, form=form), 409
        if roster.email_taken(f.id, form.email.data, except_id=p.id):
            form.email.errors = [*form.email.errors,
                                 "Another delegate of this forum has this e-mail."]
        else:
            roster.update_delegate(p, form.values(), current_user)
            db.session.commit()
            flash(_("Saved."), "info")
            return redirect(url_for("delegations.delegate", forum=forum, delegate_id=p.id))
    return render_template("delegations/delegate_form.html", forum=f, delegation=p.delegation,
                           person=p, form=form), 400


@bp.post("/<forum>/delegates/<int:delegate_id>/delete")
def delegate_delete(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = delegate_for(f, delegate_id, edit=True)
    delegation_id, name = p.delegation_id, p.full_name
    roster.delete_delegate(p, current_user)
    db.session.commit()
    flash(_("%(name)s was removed from the roster.", name=name), "info")
    return redirect(url_for("delegations.detail", forum=forum, delegation_id=delegation_id))


@bp.post("/<forum>/delegates/<int:delegate_id>/status")
def delegate_status(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = delegate_for(f, delegate_id, edit=True)
    acc = p.accreditation
    if acc is None:
        abort(404)
    target = request.form.get("status", "")
    if target not in {s.value for s in AccreditationStatus}:
        flash(_("Unknown status."), "error")
        return redirect(url_for("delegations.delegate", forum=forum, delegate_id=p.id))
    if not current_user.is_manager and target in {s.value for s in accreditation.MANAGER_ONLY}:
        abort(403)
    stop = status_confirm_views.confirmation_page(f, p, acc, AccreditationStatus(target))
    if stop is not None:
        return stop
    try:
        warnings = accreditation.change_status(acc, target, current_user,
                                               request.form.get("note", "").strip())
    except accreditation.TransitionError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(url_for("delegations.delegate", forum=forum, delegate_id=p.id)), 303
    db.session.commit()
    flash(f"{p.full_name}: {acc.status.label}.", "info")
    for w in warnings:
        flash(w, "warning")
    return redirect(url_for("delegations.delegate", forum=forum, delegate_id=p.id))


@bp.post("/<forum>/delegates/<int:delegate_id>/accreditation")
def delegate_accreditation(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = delegate_for(f, delegate_id, edit=True)
    acc = p.accreditation
    form = AccreditationForm()
    if acc is None:
        if form.validate_on_submit():
            acc = Accreditation(forum_id=f.id, route=Route(form.route.data),
                                status=AccreditationStatus.DRAFT)
            p.accreditations.append(acc)
            db.session.flush()
        else:
            return _render_delegate(f, p, form, 400)
    if not form.validate_on_submit():
        return _render_delegate(f, p, form, 400)
    try:
        check_fresh(acc, "accreditation", form.version.data, form.values())
    except StaleEdit as e:
        show_conflict(form, e, f.timezone)
        return _render_delegate(f, p, form, 409)
    warnings = roster.update_accreditation(acc, form.values(), current_user)
    db.session.commit()
    flash(_("Accreditation saved."), "info")
    for w in warnings:
        flash(w, "warning")
    return redirect(url_for("delegations.delegate", forum=forum, delegate_id=p.id))


@bp.post("/<forum>/delegates/<int:delegate_id>/documents")
def delegate_document(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = delegate_for(f, delegate_id, edit=True)
    acc = p.accreditation
    kind = request.form.get("kind", "")
    if acc is None or kind not in {k.value for k in DocumentKind}:
        abort(400)
    back = redirect(url_for("delegations.delegate", forum=forum, delegate_id=p.id))
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.read()
        try:
            if kind == DocumentKind.PHOTO.value:
                roster.set_photo(p, current_app.config["UPLOAD_FOLDER"], data, current_user)
            else:
                ftype = roster.check_document(data)
        except roster.UploadError as e:
            db.session.rollback()
            flash(f"{DocumentKind(kind).label}: {e}", "error")
            return back
        if kind != DocumentKind.PHOTO.value:
            path = roster.store_file(current_app.config["UPLOAD_FOLDER"], "documents",
                                     f"acc-{acc.id}-{kind}", ftype, data)
            accreditation.attach_document_file(acc, kind, path, upload.filename, current_user)
        db.session.commit()
        flash(_("%(document)s uploaded.", document=DocumentKind(kind).label), "info")
        return back
    received = request.form.get("received", "1") == "1"
    accreditation.mark_document_received(acc, kind, current_user, received)
    db.session.commit()
    flash(_("%(document)s: marked received.", document=DocumentKind(kind).label) if received
          else _("%(document)s: no longer marked received.", document=DocumentKind(kind).label),
          "info")
    return back


@bp.get("/<forum>/delegates/<int:delegate_id>/document")
def delegate_document_file(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = delegate_for(f, delegate_id)
    acc = p.accreditation
    kind = request.args.get("kind", "")
    doc = next((d for d in (acc.documents if acc else []) if d.kind.value == kind), None)
    if doc is None or not doc.file_path:
        abort(404)
    return _send_stored(doc.file_path, doc.original_filename or f"{kind}")


@bp.post("/<forum>/delegates/<int:delegate_id>/photo")
def delegate_photo_post(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = delegate_for(f, delegate_id, edit=True)
    upload = request.files.get("photo")
    data = upload.read() if upload is not None else b""
    try:
        roster.set_photo(p, current_app.config["UPLOAD_FOLDER"], data, current_user)
    except roster.UploadError as e:
        db.session.rollback()
        flash(_("Photo not saved: %(reason)s", reason=e), "error")
    else:
        db.session.commit()
        flash(_("Photo saved."), "info")
    return redirect(url_for("delegations.delegate", forum=forum, delegate_id=p.id))


@bp.get("/<forum>/delegates/<int:delegate_id>/photo")
def delegate_photo(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = delegate_for(f, delegate_id)
    if not p.photo_path:
        abort(404)
    return _send_stored(p.photo_path, None)


def _send_stored(relative: str, download_name: str | None) -> Any:
    path = roster.stored_path(current_app.config["UPLOAD_FOLDER"], relative)
    if path is None:
        abort(404)
    ext = path.suffix.lstrip(".")
    resp = send_file(path, mimetype=roster.MIME.get(ext, "application/octet-stream"),
                     as_attachment=download_name is not None,
                     download_name=download_name if download_name else None)
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
