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

from . import jobs, roster, roster_jobs, spreadsheets, tables
from .access import get_or_404_for
from .auth import manager_required
from .db import db
from .forums import forum_or_404
from .i18n import current_language, known
from .models import Forum, ImportJob
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
    token = f"{secrets.token_hex(16)}.{ext}"
    path = _imports_folder() / token
    upload.save(path)  # streamed to disk: the job reads it row by row
    try:  # what is wrong with the file as a whole shows at once; rows are the job's
        first = next(iter(spreadsheets.iter_table(path, filename)), None)
        if first is None:
            raise spreadsheets.FileProblem("The file has a header row but no delegates.")
    except spreadsheets.FileProblem as e:
        path.unlink(missing_ok=True)
        return render_template("delegations/import.html", forum=f, columns=spreadsheets.COLUMNS,
                               file_error=str(e)), 400
    job = ImportJob(forum_id=f.id, user_id=current_user.id, filename=filename[:300],
                    stored_name=token, state="queued")
    db.session.add(job)
    db.session.commit()  # before the job starts: it reads this row
    jobs.submit(roster_jobs.run_import_check, job.id)
    return redirect(url_for("delegations.roster_import_job", forum=forum, job_id=job.id), 303)


def _job_or_404(f: Forum, job_id: int) -> ImportJob:
    return get_or_404_for(current_user, ImportJob, job_id, f)


@bp.get("/<forum>/roster/import/jobs/<int:job_id>")
@manager_required
def roster_import_job(forum: str, job_id: int) -> Any:
    """The job's page: progress while it runs (the page reloads itself), then the preview,
    the refusal with every bad row, or the result."""
    f = forum_or_404(forum)
    job = _job_or_404(f, job_id)
    state, done = roster_jobs.progress_of(job)
    # refused for bad rows: 422; for the file as a whole (found past its first rows): 400
    code = (422 if job.error_count else 400) if state == "refused" else 200
    running = state in roster_jobs.ACTIVE
    page = render_template("delegations/import_job.html", forum=f, job=job, state=state,
                           done=done, running=running)
    headers = {"Refresh": "1"} if running else {}  # follows the job without any script
    return page, code, headers


@bp.post("/<forum>/roster/import/jobs/<int:job_id>/confirm")
@manager_required
def roster_import_confirm(forum: str, job_id: int) -> Any:
    f = forum_or_404(forum)
    job = _job_or_404(f, job_id)
    if job.state != "checked" or not roster_jobs.upload_path(job).is_file():
        flash("This import cannot be confirmed any more; upload the file again.", "error")
        return redirect(url_for("delegations.roster_import", forum=forum))
    job.state = "queued"
    job.done_rows = 0
    db.session.commit()
    jobs.submit(roster_jobs.run_import_write, job.id)
    return redirect(url_for("delegations.roster_import_job", forum=forum, job_id=job.id), 303)


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
