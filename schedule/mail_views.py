"""The outbox for coordinators, the opt-out page a message links to, and the command line:
``flask mail send`` and ``flask schedule move|cancel`` (the same services as the web form).
"""

from __future__ import annotations

import time
from typing import Any

import click
import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    has_app_context,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_login import current_user

from delegations import access, jobs
from delegations.auth import manager_required, public
from delegations.db import db, utcnow
from delegations.forums import forum_or_404
from delegations.timeutil import parse_local

from . import mailer, preview
from .mail_render import opt_out_email
from .models import Session
from .outbox import WRITTEN, MailMessage, MailOptOut, MailStatus
from .services import ProgrammeError, begin_programme_write, cancel_session, update_session

bp = Blueprint("mail", __name__)
PAGE = 200


def status_labels() -> dict[str, str]:
    return {MailStatus.PENDING: _("pending"), MailStatus.SENDING: _("sending"),
            MailStatus.SENT: _("sent"), MailStatus.FAILED: _("failed"),
            MailStatus.SKIPPED: _("skipped")}


@bp.get("/<forum>/mail/outbox")
@manager_required
def outbox(forum: str) -> Any:
    f = forum_or_404(forum)
    status = request.args.get("status", "")
    q = sa.select(MailMessage).where(MailMessage.forum_id == f.id)
    if status in MailStatus.ALL:
        q = q.where(MailMessage.status == status)
    rows = db.session.scalars(q.order_by(MailMessage.id.desc()).limit(PAGE)).all()
    counts = dict(db.session.execute(
        sa.select(MailMessage.status, sa.func.count(MailMessage.id))
        .where(MailMessage.forum_id == f.id).group_by(MailMessage.status)).all())
    session_titles = dict(db.session.execute(sa.select(Session.id, Session.title).where(
        Session.id.in_({r.session_id for r in rows if r.session_id}))).all())
    return render_template("mail/outbox.html", forum=f, rows=rows, counts=counts,
                           status=status, statuses=MailStatus.ALL, titles=session_titles,
                           status_labels=status_labels(),
                           server=bool(current_app.config.get("MAIL_SERVER")),
                           page=PAGE)


def _row(f: Any, message_id: int) -> MailMessage:
    return access.get_or_404_for(current_user, MailMessage, message_id, f)


@bp.get("/<forum>/mail/outbox/<int:message_id>.eml")
@manager_required
def outbox_eml(forum: str, message_id: int) -> Any:
    row = _row(forum_or_404(forum), message_id)
    if row.raw is None:
        abort(404)
    return Response(row.raw, mimetype="message/rfc822", headers={
        "Content-Disposition": f"attachment; filename=message-{row.id}.eml"})


@bp.post("/<forum>/mail/outbox/<int:message_id>/retry")
@manager_required
def outbox_retry(forum: str, message_id: int) -> Any:
    f = forum_or_404(forum)
    row = _row(f, message_id)
    if row.status == MailStatus.FAILED:
        row.status = MailStatus.PENDING
        row.attempts = 0
        row.next_attempt_at = utcnow()
        db.session.commit()
        flash(_("Message %(id)s to %(to)s will be sent again.", id=row.id, to=row.recipient),
              "info")
    return redirect(url_for("mail.outbox", forum=f.short_name))


@bp.get("/mail/unsubscribe/<token>")
@public
def unsubscribe(token: str) -> Any:
    email = opt_out_email(token)
    if email is None:
        abort(404)
    stopped = db.session.scalar(sa.select(MailOptOut.id).where(MailOptOut.email == email))
    return render_template("mail/unsubscribe.html", email=email, token=token,
                           stopped=stopped is not None)


@bp.post("/mail/unsubscribe/<token>")
@public
def unsubscribe_post(token: str) -> Any:
    email = opt_out_email(token)
    if email is None:
        abort(404)
    existing = db.session.scalar(sa.select(MailOptOut).where(MailOptOut.email == email))
    if request.form.get("action") == "resume":
        if existing is not None:
            db.session.delete(existing)
        flash(_("You will receive messages about programme changes again."), "info")
    else:
        if existing is None:
            db.session.add(MailOptOut(email=email))
        flash(_("You will receive no more messages about programme changes. Your calendar "
                "feed still updates."), "info")
    db.session.commit()
    return redirect(url_for("mail.unsubscribe", token=token))


# --------------------------------------------------------------------------- CLI

mail_cli = AppGroup("mail", help="The mail outbox.")


@mail_cli.command("send")
@click.option("--all", "everything", is_flag=True,
              help="Also what waits for its coalescing window or its next retry.")
@click.option("--watch", type=float, default=None, metavar="SECONDS",
              help="Keep running, delivering every SECONDS (a sender without a job queue).")
def send_command(everything: bool, watch: float | None) -> None:
    """Deliver the pending messages now; prints how many were sent and failed."""
    while True:
        r = mailer.deliver_pending(everything=everything)
        click.echo(f"sent {r.sent}, failed {r.failed + r.gave_up}"
                   + (f" ({r.gave_up} given up)" if r.gave_up else "")
                   + (f", skipped {r.skipped}" if r.skipped else ""))
        for e in r.errors:
            click.echo(f"  {e}", err=True)
        if watch is None:
            if r.failed or r.gave_up:
                raise SystemExit(1)
            return
        time.sleep(watch)


def _session_by_uid(uid: str) -> Session:
    s = db.session.scalar(sa.select(Session).where(Session.uid == uid))
    if s is None:
        raise click.ClickException(f"no session with UID {uid!r}")
    return s


@click.command("move")
@click.argument("uid")
@click.argument("start")
@click.argument("end")
@click.option("--confirm", is_flag=True,
              help="Move even though the move creates the clashes it lists.")
def move_command(uid: str, start: str, end: str, confirm: bool) -> None:
    """Move session UID to START-END (venue time, e.g. 2022-05-17T11:00, or with an offset).
    The clashes the move would create are listed first; without --confirm they stop it."""
    begin_programme_write()
    s = _session_by_uid(uid)
    tz = s.forum.timezone
    try:
        starts_at, ends_at = parse_local(start, tz), parse_local(end, tz)
    except ValueError as exc:
        raise click.ClickException(f"not a date and time: {exc}") from exc
    clashes = preview.clashes_created(s.forum, preview.SessionChange(
        s.id, s.title, starts_at, ends_at, s.room_id, s.official, s.expected_attendance,
        s.cancelled)) if ends_at > starts_at else []  # else the service says what is wrong
    for c in clashes:
        click.echo(f"{c.severity.value.upper():7} {c.kind.value}: {c.message}", err=True)
    if clashes and not confirm:
        raise click.ClickException(f"the move would create {len(clashes)} clash(es); "
                                   "nothing was changed (--confirm to move anyway)")
    try:
        changed = update_session(s, None, starts_at=starts_at, ends_at=ends_at)
    except ProgrammeError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Moved {s.title!r} to {start}-{end} ({tz})" if changed
               else f"{s.title!r} is already at that time")


@click.command("cancel")
@click.argument("uid")
def cancel_command(uid: str) -> None:
    """Cancel session UID (it stays in the programme, marked cancelled)."""
    begin_programme_write()
    s = _session_by_uid(uid)
    cancel_session(s, None)
    db.session.commit()
    click.echo(f"Cancelled {s.title!r}")


def _after_commit(session: sa.orm.Session) -> None:
    """A transaction that wrote outbox rows is committed: ask the job queue to send them
    (the rows are committed first, so the job, maybe in another process, finds them)."""
    if not session.info.pop(WRITTEN, False) or not has_app_context():
        return
    if not current_app.config.get("MAIL_SEND_BY_JOBS"):
        return
    # A command line process ends at once: it leaves the sending to the workers (or to
    # `flask mail send`) rather than to a thread that would die with it.
    if jobs.uses_redis() or has_request_context():
        jobs.submit(mailer.run_mail_send)


def _after_rollback(session: sa.orm.Session) -> None:
    session.info.pop(WRITTEN, None)


def init_app(app: Flask) -> None:
    from delegations.nav import add_nav

    mailer.init_config(app)
    # outbox rows name people and addresses: coordinators only
    access.register(MailMessage, forum_id=lambda m: m.forum_id,
                    can_see=lambda u, m: access.is_manager(u), hidden=404)
    # Off under TESTING: tests deliver explicitly, with `flask mail send`.
    app.config.setdefault("MAIL_SEND_BY_JOBS", not app.config.get("TESTING"))
    if not sa.event.contains(sa.orm.Session, "after_commit", _after_commit):
        sa.event.listen(sa.orm.Session, "after_commit", _after_commit)
        sa.event.listen(sa.orm.Session, "after_rollback", _after_rollback)
    if app.config["MAIL_SEND_BY_JOBS"]:
        # Every maintenance pass of a worker delivers what is due: messages whose coalescing
        # window closed, retries whose back-off ran out, rows a dead sender left behind.
        jobs.add_maintenance(app, mailer.run_mail_send)
    app.register_blueprint(bp)
    add_nav(app, "mail.outbox", "Outbox", managers_only=True, order=39)
    app.cli.add_command(mail_cli)
    group = app.cli.commands.get("schedule")  # registered by the programme module
    if not isinstance(group, click.Group):
        group = AppGroup("schedule", help="The programme.")
        app.cli.add_command(group)
    group.add_command(move_command)
    group.add_command(cancel_command)
