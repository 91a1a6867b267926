"""Roster imports as jobs: the upload is on disk, a job checks it (the preview) and, once
confirmed, another job checks it again and writes it, in one transaction. Both keep their
state and progress in the ``ImportJob`` row, which the page reads.

Progress is written through a connection of its own, so the page sees it while the job's
transaction is still open; on SQLite (one writer at a time) progress is reported to this
process only, and the row gets each state as the job reaches it. A second import of the
same forum waits until the first one has finished writing.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .db import db, utcnow
from .models import Forum, ImportJob, User
from .roster_check import check_rows
from .roster_write import RosterChanged, apply_plan
from .spreadsheets import iter_table
from .tables import FileProblem

log = logging.getLogger(__name__)
ERRORS_KEPT = 500
ACTIVE = ("queued", "checking", "writing")
_live: dict[int, tuple[str, int]] = {}  # job id -> (state, rows) while this process runs it


def upload_path(job: ImportJob) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "imports" / job.stored_name


def progress_of(job: ImportJob) -> tuple[str, int]:
    """(state, rows done): the row's, or fresher figures from this process."""
    live = _live.get(job.id)
    if live is not None and job.state in ACTIVE:
        return live
    return job.state, job.done_rows


def _report(job_id: int, state: str, done: int) -> None:
    _live[job_id] = (state, done)
    log.info("import job %s: %s %d rows", job_id, state, done)
    if db.engine.dialect.name == "sqlite":  # one writer at a time: this process only
        return
    with db.engine.begin() as conn:
        conn.execute(sa.update(ImportJob.__table__).where(ImportJob.__table__.c.id == job_id)
                     .values(state=state, done_rows=done, updated_at=utcnow()))


def _finish(job: ImportJob, state: str, **values: Any) -> None:
    for key, value in values.items():
        setattr(job, key, value)
    job.state = state
    job.updated_at = utcnow()
    db.session.commit()
    _live.pop(job.id, None)
    if state in ("refused", "failed", "done"):  # nothing more will read the upload
        upload_path(job).unlink(missing_ok=True)


def _plan(job: ImportJob, forum: Forum, state: str) -> Any:
    """Check the whole file; on problems, finish the job as refused and return None."""
    try:
        plan = check_rows(forum, iter_table(upload_path(job), job.filename),
                          lambda n: _report(job.id, state, n))
    except FileProblem as e:
        db.session.rollback()
        _finish(job, "refused", message=str(e))
        return None
    db.session.rollback()  # end the read transaction before the job row is written
    if plan.total == 0:
        _finish(job, "refused", message="The file has a header row but no delegates.")
        return None
    if plan.error_count:
        _finish(job, "refused", total_rows=plan.total, error_count=plan.error_count,
                errors=[[line, plan.names.get(line, ""), reason]
                        for line, reason in plan.errors[:ERRORS_KEPT]],
                message=f"{plan.error_count} of {plan.total} rows have problems.")
        return None
    return plan


def _new_delegations(plan: Any) -> str:
    """The delegations the import creates, as the preview and the result list them."""
    names = [f"{d.name} ({d.country})" for d in plan.new_delegations[:50]]
    more = len(plan.new_delegations) - len(names)
    return ", ".join(names) + (f" (+{more})" if more > 0 else "")


def run_import_check(job_id: int) -> None:
    """The preview: check every row, keep the counts and the bad rows."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.state not in ("queued",):
        return
    try:
        plan = _plan(job, db.session.get(Forum, job.forum_id), "checking")
        if plan is not None:
            _finish(job, "checked", total_rows=plan.total, done_rows=plan.total,
                    created=plan.creates, updated=plan.updates - plan.unchanged,  # changed
                    unchanged=plan.unchanged, message=_new_delegations(plan))
    except Exception as e:  # the page must say so; the job is not retried
        log.exception("import job %s failed", job_id)
        db.session.rollback()
        _finish(job, "failed", message=f"The check failed ({type(e).__name__}); nothing "
                                       "was written.")


def _wait_for_other_writes(job: ImportJob) -> None:
    deadline = time.monotonic() + float(current_app.config.get("JOBS_TIMEOUT", 600))
    while time.monotonic() < deadline:
        busy = db.session.scalar(sa.select(sa.func.count(ImportJob.id)).where(
            ImportJob.forum_id == job.forum_id, ImportJob.state == "writing",
            ImportJob.id != job.id))
        db.session.rollback()
        if not busy:
            return
        time.sleep(0.5)


def run_import_write(job_id: int) -> None:
    """Check again (the roster may have changed since the preview), then write it all in
    one transaction. Killed or failing half-way, it leaves nothing written."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.state != "queued":
        return
    _wait_for_other_writes(job)
    forum = db.session.get(Forum, job.forum_id)
    actor = db.session.get(User, job.user_id) if job.user_id else None
    try:
        plan = _plan(job, forum, "checking")
        if plan is None:
            return
        job = db.session.get(ImportJob, job_id)
        job.state, job.done_rows, job.updated_at = "writing", 0, utcnow()
        db.session.commit()  # others see it: a second import of this forum waits
        _report(job.id, "writing", 0)
        new_delegations = _new_delegations(plan)
        created, updated = apply_plan(forum, plan, actor, job.filename,
                                      lambda n: _report(job_id, "writing", n))
        job = db.session.get(ImportJob, job_id)
        _finish(job, "done", total_rows=plan.total, done_rows=plan.total, created=created,
                updated=updated, unchanged=plan.total - created - updated,
                message=new_delegations)
    except RosterChanged:
        db.session.rollback()
        _finish(db.session.get(ImportJob, job_id), "failed",
                message="Delegates in this file were changed by someone else while it was "
                        "being written; nothing was written. Check the file again.")
    except Exception as e:
        log.exception("import job %s failed", job_id)
        db.session.rollback()
        _finish(db.session.get(ImportJob, job_id), "failed",
                message=f"The import failed ({type(e).__name__}); nothing was written.")
