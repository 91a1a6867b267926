"""The confirm step of a status change: what the checks found (missing documents, badge
type, quota, programme clashes), the note kept, and a button that confirms exactly that."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from . import accreditation, status_checks
from .models import Accreditation, AccreditationStatus, Delegate, Forum


def confirmation_page(forum: Forum, person: Delegate, acc: Accreditation,
                      new: AccreditationStatus) -> Any | None:
    """A response that stops the change (refused, or to be confirmed), or None to go on."""
    if new not in accreditation.allowed_next(acc.status, current_user):
        return None  # the status path refuses it with its own message
    checks = status_checks.checks_for(forum, acc, new)
    if checks.refusals:
        for message in checks.refusals:
            flash(message, "error")
        return redirect(url_for("delegations.delegate", forum=forum.short_name,
                                delegate_id=person.id)), 303
    if not checks.needs_confirmation or \
            request.form.get("confirm_checks") == checks.fingerprint():
        return None
    return render_template("delegations/status_confirm.html", forum=forum, person=person,
                           acc=acc, new=new, checks=checks,
                           note=request.form.get("note", "")), 409
