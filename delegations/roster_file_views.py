"""The roster as files: CSV/XLSX export, import with a preview (all rows or none), and the
list of participants (CSV, PDF). Routes live on the ``delegations`` blueprint."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from . import roster, spreadsheets, tables
from .auth import manager_required
from .db import db
from .forums import forum_or_404
from .i18n import current_language, known
from .participants import participants_csv, participants_pdf
from .views import bp

TOKEN_RE = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx)$")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/<forum>/roster/export.csv")
@manager_required
def roster_export_csv(forum: str) -> Any:
    f = forum_or_404(forum)
    people = roster.roster(f, roster.RosterFilter(sort="city"))
    return _download(spreadsheets.export_csv(people), "text/csv; charset=utf-8",
                     f"roster-{f.short_name}.csv")


@bp.get("/<forum>/roster/export.xlsx")
@manager_required
def roster_export_xlsx(forum: str) -> Any:
    f = forum_or_404(forum)
    people = roster.roster(f, roster.RosterFilter(sort="city"))
    return _download(
        spreadsheets.export_xlsx(people),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"roster-{f.short_name}.xlsx")


# --------------------------------------------------------------------------- import


def _imports_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget_old_uploads(max_age_s: int = 24 * 3600) -> None:
    """Uploaded files waiting for a confirmation that never came are removed after a day."""
    cutoff = time.time() - max_age_s
    for path in _imports_folder().glob("*.*"):
        if TOKEN_RE.match(path.name) and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


@bp.get("/<forum>/roster/import")
@manager_required
def roster_import(forum: str) -> Any:
    f = forum_or_404(forum)
    return render_template("delegations/import.html", forum=f, file_error=None,
                           columns=spreadsheets.COLUMNS)


@bp.post("/<forum>/roster/import")
@manager_required
def roster_import_post(forum: str) -> Any:
    f = forum_or_404(forum)
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return render_template("delegations/import.html", forum=f, columns=spreadsheets.COLUMNS,
                               file_error=f"The file is too big; the limit is "
                               f"{tables.mb(tables.MAX_BYTES)}. Split it into smaller "
                               "files."), 413
    if upload is None or not upload.filename:
        return render_template("delegations/import.html", forum=f, columns=spreadsheets.COLUMNS,
                               file_error="Choose a CSV or XLSX file."), 400
    filename = Path(upload.filename).name
    _forget_old_uploads()
    ext = "xlsx" if filename.lower().endswith(".xlsx") else "csv"
    token: str | None = f"{secrets.token_hex(16)}.{ext}"
    path = _imports_folder() / token
    upload.save(path)  # streamed to disk: the checks read it row by row
    try:
        rows = spreadsheets.read_table(path, filename)
    except spreadsheets.FileProblem as e:
        path.unlink(missing_ok=True)
        return render_template("delegations/import.html", forum=f, columns=spreadsheets.COLUMNS,
                               file_error=str(e)), 400
    plan = spreadsheets.check_rows(f, rows)
    if not plan.ok:
        path.unlink(missing_ok=True)
        token = None
    return render_template("delegations/import_preview.html", forum=f, plan=plan, rows=rows,
                           token=token, filename=filename), (200 if plan.ok else 422)


@bp.post("/<forum>/roster/import/confirm")
@manager_required
def roster_import_confirm(forum: str) -> Any:
    f = forum_or_404(forum)
    token = request.form.get("token", "")
    filename = request.form.get("filename", "")[:200]
    if not TOKEN_RE.match(token) or not (_imports_folder() / token).is_file():
        flash("The uploaded file has expired; upload it again.", "error")
        return redirect(url_for("delegations.roster_import", forum=forum))
    path = _imports_folder() / token
    try:
        rows = spreadsheets.read_table(path, token)
    except spreadsheets.FileProblem as e:
        return render_template("delegations/import.html", forum=f, columns=spreadsheets.COLUMNS,
                               file_error=str(e)), 400
    plan = spreadsheets.check_rows(f, rows)  # again: the roster may have changed since
    if not plan.ok:
        return render_template("delegations/import_preview.html", forum=f, plan=plan,
                               rows=rows, token=None, filename=filename), 422
    try:
        created, updated = spreadsheets.apply_plan(f, plan, current_user, filename)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    path.unlink(missing_ok=True)
    flash(f"Imported {filename}: {created} delegates added, {updated} updated, "
          f"{len(plan.rows) - created - updated} unchanged.", "info")
    return redirect(url_for("delegations.roster_list", forum=forum))


# --------------------------------------------------------------------------- participants


@bp.get("/<forum>/participants.csv")
@manager_required
def participants_list_csv(forum: str) -> Any:
    f = forum_or_404(forum)
    return _download(participants_csv(f, *_list_options()), "text/csv; charset=utf-8",
                     f"participants-{f.short_name}.csv")


@bp.get("/<forum>/participants.pdf")
@manager_required
def participants_list_pdf(forum: str) -> Any:
    f = forum_or_404(forum)
    lang, provisional = _list_options()
    return _download(participants_pdf(f, lang=lang, provisional=provisional), "application/pdf",
                     f"participants-{f.short_name}.pdf")


def _list_options() -> tuple[str, bool]:
    """``?lang=fr`` for a list in French order (default: the page's language);
    ``?provisional=1`` to add submitted ones."""
    lang = known(request.args.get("lang")) or current_language()
    return lang, request.args.get("provisional") == "1"
