"""Briefing books: the list of books a viewer may have, and each book as a PDF."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    render_template,
    request,
)
from flask_login import current_user

from delegations.access import can_edit, can_see, get_or_404_for, visible_delegations
from delegations.forums import forum_or_404
from delegations.models import Delegate, Delegation, Forum, User

from . import briefing

books = Blueprint("books", __name__)


def _paper() -> str:
    return "Letter" if request.args.get("paper", "").lower() in ("letter", "us") else "A4"


def pdf_response(book: briefing.Book) -> Response:
    resp = Response(book.edition.pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'attachment; filename="{book.filename}"'
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.set_etag(book.edition.fingerprint)
    return resp.make_conditional(request)


def needs_edition(forum: Forum, **owner: Any) -> Any:
    return render_template("books/needs_edition.html", forum=forum, paper=_paper(),
                           latest=briefing.latest_edition(**owner), **owner), 409


@books.get("/<forum>/books/")
def index(forum: str) -> Any:
    f = forum_or_404(forum)
    user: User = current_user
    delegations = visible_delegations(user, f)
    people: dict[int, list[Delegate]] = {}
    for d in delegations:
        people[d.id] = sorted(
            (p for p in d.delegates if can_see(user, p)),
            key=lambda p: (p.capacity.rank, p.level.rank, p.family_name))
    return render_template("books/index.html", forum=f, delegations=delegations,
                           people=people,
                           whole={d.id: can_edit(user, d) for d in delegations})


@books.get("/<forum>/books/delegations/<int:delegation_id>.pdf")
def delegation_book(forum: str, delegation_id: int) -> Any:
    f = forum_or_404(forum)
    # edit, not see: the book holds every member's private meetings
    d = get_or_404_for(current_user, Delegation, delegation_id, f, edit=True)
    book = briefing.stored_edition(f, delegation=d, paper=_paper(),
                                  lang=request.args.get("lang"))
    if book is None:  # a GET never makes an edition: offer the POST that does
        return needs_edition(f, delegation=d)
    return pdf_response(book)


@books.get("/<forum>/books/delegates/<int:delegate_id>.pdf")
def delegate_book(forum: str, delegate_id: int) -> Any:
    f = forum_or_404(forum)
    p = get_or_404_for(current_user, Delegate, delegate_id, f)
    book = briefing.stored_edition(f, delegate=p, paper=_paper(),
                                  lang=request.args.get("lang"))
    if book is None:
        return needs_edition(f, delegate=p)
    return pdf_response(book)

