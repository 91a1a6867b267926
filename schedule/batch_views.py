"""Batches of briefing books: start one, follow its progress, cancel, retry the failed
books, download the finished ones (each alone or all in one streamed ZIP), and ask for a
new edition of one book. Views are thin: the work is in ``batch_service`` and in jobs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from delegations import access, jobs
from delegations.access import get_or_404_for
from delegations.db import db
from delegations.forums import forum_or_404
from delegations.models import Delegate, Delegation, Forum, Role, User
from delegations.zipstream import zip_stream

from . import batch_service as service
from . import book_batches  # noqa: F401  (the tables)
from .book_batches import BookBatch, ItemStatus
from .models import BriefingBookEdition

bp = Blueprint("book_batches", __name__)


def state_labels() -> dict[str, str]:
    return {"running": _("Running"), "finished": _("Finished"), "cancelled": _("Cancelled")}


# --------------------------------------------------------------------------- access


def can_batch(user: User) -> bool:
    """Managers batch anything; a focal point batches their own delegation."""
    return access.is_manager(user) or (
        user.role == Role.FOCAL_POINT and user.delegation_id is not None)


def _can_see_batch(user: User, batch: BookBatch) -> bool:
    return access.is_manager(user) or batch.created_by_id == user.id


def _can_see_edition(user: User, ed: BriefingBookEdition) -> bool:
    if ed.delegate_id is not None:
        return access.can_see_delegate(user, db.session.get(Delegate, ed.delegate_id))
    # the delegation's book holds every member's private meetings
    return access.can_edit_delegation(user, ed.delegation_id)


def _edition_forum(ed: BriefingBookEdition) -> int:
    if ed.delegate_id is not None:
        return db.session.get(Delegate, ed.delegate_id).delegation.forum_id
    return db.session.get(Delegation, ed.delegation_id).forum_id


def register_access() -> None:
    access.register(BookBatch, forum_id=lambda b: b.forum_id, can_see=_can_see_batch,
                    can_edit=_can_see_batch, hidden=404)
    access.register(BriefingBookEdition, forum_id=_edition_forum, can_see=_can_see_edition,
                    hidden=404)


def batch_or_404(forum: Forum, batch_id: int) -> BookBatch:
    return access.get_or_404_for(current_user, BookBatch, batch_id, forum)


# --------------------------------------------------------------------------- pages


@bp.get("/<forum>/books/batches/")
def batches(forum: str) -> Any:
    f = forum_or_404(forum)
    user: User = current_user
    if not can_batch(user):
        abort(403)
    q = sa.select(BookBatch).where(BookBatch.forum_id == f.id)
    if not access.is_manager(user):
        q = q.where(BookBatch.created_by_id == user.id)
    recent = list(db.session.scalars(q.order_by(BookBatch.id.desc()).limit(20)))
    delegations = [d for d in access.visible_delegations(user, f)
                   if access.can_edit_delegation(user, d.id)]
    return render_template("books/batches.html", forum=f, batches=recent,
                           progress={b.id: service.progress(b) for b in recent},
                           delegations=delegations, state_labels=state_labels())


@bp.post("/<forum>/books/batches/")
def start(forum: str) -> Any:
    f = forum_or_404(forum)
    user: User = current_user
    if not can_batch(user):
        abort(403)
    scope = request.form.get("scope", "forum")
    paper = "Letter" if request.form.get("paper", "").lower() == "letter" else "A4"
    with_delegations = request.form.get("delegation_books") == "1"
    delegation = None
    if scope == "delegation" or not access.is_manager(user):
        delegation_id = request.form.get("delegation_id", type=int)
        if delegation_id is None:
            flash(_("Choose a delegation."), "error")
            return redirect(url_for(".batches", forum=f.short_name))
        delegation = get_or_404_for(user, Delegation, delegation_id, f, edit=True)
        people = service.forum_delegates(f, delegation)
        title = _("%(name)s delegation", name=delegation.name)
        groups = [delegation]
    else:
        people = service.forum_delegates(f)
        title = _("Whole forum: %(forum)s", forum=f.short_name)
        groups = list(db.session.scalars(
            sa.select(Delegation).where(Delegation.forum_id == f.id).order_by(Delegation.name)))
    try:
        batch = service.start_batch(f, actor=user, title=title, delegates=people,
                                    delegations=groups if with_delegations else (),
                                    paper=paper)
    except ValueError as exc:
        flash(_("No batch started: %(why)s.", why=str(exc)), "error")
        return redirect(url_for(".batches", forum=f.short_name))
    db.session.commit()
    service.queue_batch(batch.id)
    return redirect(url_for(".batch", forum=f.short_name, batch_id=batch.id), code=303)


@bp.get("/<forum>/books/batches/<int:batch_id>/")
def batch(forum: str, batch_id: int) -> Any:
    f = forum_or_404(forum)
    b = batch_or_404(f, batch_id)
    p = service.progress(b)
    return render_template("books/batch.html", forum=f, batch=b, progress=p,
                           failed=service.items(b, ItemStatus.FAILED),
                           finished=service.done_editions(b), state_labels=state_labels())


@bp.get("/<forum>/books/batches/<int:batch_id>/progress.json")
def batch_progress(forum: str, batch_id: int) -> Any:
    f = forum_or_404(forum)
    resp = jsonify(service.progress(batch_or_404(f, batch_id)).as_json())
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/<forum>/books/batches/<int:batch_id>/failed")
def batch_failed(forum: str, batch_id: int) -> Any:
    """The failed books with their reasons (the progress script swaps it in)."""
    f = forum_or_404(forum)
    b = batch_or_404(f, batch_id)
    return render_template("books/_batch_failed.html", forum=f, batch=b,
                           failed=service.items(b, ItemStatus.FAILED))


@bp.post("/<forum>/books/batches/<int:batch_id>/cancel")
def cancel(forum: str, batch_id: int) -> Any:
    f = forum_or_404(forum)
    b = batch_or_404(f, batch_id)
    n = service.cancel(b)
    db.session.commit()
    service.finish_batch(b.id)
    flash(_("Batch cancelled: %(n)s book(s) not started were dropped; books being made "
            "finish.", n=n), "success")
    return redirect(url_for(".batch", forum=f.short_name, batch_id=b.id), code=303)


@bp.post("/<forum>/books/batches/<int:batch_id>/retry")
def retry(forum: str, batch_id: int) -> Any:
    f = forum_or_404(forum)
    b = batch_or_404(f, batch_id)
    item_id = request.form.get("item_id", type=int)
    ids = service.retry(b, [item_id] if item_id is not None else None)
    db.session.commit()
    if ids:
        jobs.submit(service.enqueue_items, b.id, ids)
    flash(_("%(n)s book(s) queued again.", n=len(ids)), "success")
    return redirect(url_for(".batch", forum=f.short_name, batch_id=b.id), code=303)


@bp.get("/<forum>/books/batches/<int:batch_id>/books.zip")
def batch_zip(forum: str, batch_id: int) -> Any:
    """Every finished book of the batch in one ZIP, streamed one PDF at a time."""
    f = forum_or_404(forum)
    b = batch_or_404(f, batch_id)
    entries = service.done_editions(b)

    def load(edition_id: int) -> bytes:
        return db.session.scalar(sa.select(BriefingBookEdition.pdf)
                                 .where(BriefingBookEdition.id == edition_id)) or b""

    body = zip_stream((name, lambda eid=eid: load(eid)) for eid, name, _ in entries)
    resp = Response(stream_with_context(body), mimetype="application/zip")
    resp.headers["Content-Disposition"] = (
        f'attachment; filename="{f.short_name}-briefing-books-batch-{b.id}.zip"')
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/<forum>/books/editions/<int:edition_id>.pdf")
def edition_pdf(forum: str, edition_id: int) -> Any:
    """One stored edition, as issued (never re-rendered here)."""
    f = forum_or_404(forum)
    ed = get_or_404_for(current_user, BriefingBookEdition, edition_id, f)
    who = (db.session.get(Delegate, ed.delegate_id).display_name if ed.delegate_id is not None
           else db.session.get(Delegation, ed.delegation_id).name)
    resp = Response(ed.pdf, mimetype="application/pdf")
    name = service.briefing.edition_filename(f.short_name, who, ed.number, ed.paper)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "private, max-age=3600"
    resp.set_etag(ed.fingerprint)
    return resp.make_conditional(request)


# --------------------------------------------------------------------------- one book


def _one_book(f: Forum, title: str, **owner: Any) -> Any:
    paper = "Letter" if request.form.get("paper", "").lower() == "letter" else "A4"
    b = service.start_batch(f, actor=current_user, title=title, paper=paper,
                            **{k: [v] for k, v in owner.items()})
    db.session.commit()
    service.queue_batch(b.id)
    return redirect(url_for(".batch", forum=f.short_name, batch_id=b.id), code=303)


@bp.post("/<forum>/books/delegates/<int:delegate_id>/edition")
def make_delegate_book(forum: str, delegate_id: int) -> Any:
    """Make this delegate's book now (a new edition only if something changed)."""
    f = forum_or_404(forum)
    p = get_or_404_for(current_user, Delegate, delegate_id, f)
    return _one_book(f, _("Book of %(name)s", name=p.display_name), delegates=p)


@bp.post("/<forum>/books/delegations/<int:delegation_id>/edition")
def make_delegation_book(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    # edit, not see: the book holds every member's private meetings
    d = get_or_404_for(current_user, Delegation, delegation_id, f, edit=True)
    return _one_book(f, _("Book of the %(name)s delegation", name=d.name), delegations=d)


# --------------------------------------------------------------------------- status


def latest_editions(delegate_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For the books page: each delegate's latest edition and whether a batch is making a
    new one (two queries for the whole list)."""
    if not delegate_ids:
        return {}
    out: dict[int, dict[str, Any]] = {}
    newest = (sa.select(BriefingBookEdition.delegate_id,
                        sa.func.max(BriefingBookEdition.number).label("n"))
              .where(BriefingBookEdition.delegate_id.in_(delegate_ids))
              .group_by(BriefingBookEdition.delegate_id).subquery())
    for ed in db.session.execute(
            sa.select(BriefingBookEdition.id, BriefingBookEdition.delegate_id,
                      BriefingBookEdition.number, BriefingBookEdition.issued_at)
            .join(newest, sa.and_(newest.c.delegate_id == BriefingBookEdition.delegate_id,
                                  newest.c.n == BriefingBookEdition.number))):
        out[ed.delegate_id] = {"id": ed.id, "number": ed.number, "issued_at": ed.issued_at,
                               "pending": False}
    for did in db.session.scalars(
            sa.select(book_batches.BookBatchItem.delegate_id).distinct()
            .where(book_batches.BookBatchItem.delegate_id.in_(delegate_ids),
                   book_batches.BookBatchItem.status.in_(book_batches.OPEN))):
        out.setdefault(did, {"id": None, "number": None, "issued_at": None})["pending"] = True
    return out


def init_app(app: Flask) -> None:
    service.init_app(app)
    register_access()
    app.register_blueprint(bp)
    app.add_template_global(latest_editions, "latest_book_editions")
    from . import batch_cli

    batch_cli.init_app(app)
