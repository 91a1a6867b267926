"""The list of participants of a forum in protocol order (the rule lives in ``protocol``), as
CSV and as a PDF (WeasyPrint), both pure functions returning bytes."""

from __future__ import annotations

import csv
import io
from datetime import date

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import selectinload

from . import i18n, protocol
from .db import db, utcnow
from .models import Accreditation, Delegate, Delegation, Forum
from .pdf import html_to_pdf
from .spreadsheets import neutralise
from .timeutil import to_zone

CSV_COLUMNS = ("category", "delegation", "country", "name", "function", "organisation",
               "capacity", "level", "status")


def participants(forum: Forum, lang: str = "en", provisional: bool = False
                 ) -> list[protocol.CategoryGroup]:
    """The list in protocol order: approved accreditations only, or with the submitted ones
    too when ``provisional``. Three queries."""
    statuses = protocol.PROVISIONAL if provisional else protocol.LISTED
    delegations = db.session.scalars(
        sa.select(Delegation).where(Delegation.forum_id == forum.id)
        .options(selectinload(Delegation.delegates).selectinload(Delegate.accreditations),
                 selectinload(Delegation.delegates).selectinload(Delegate.organisation))
    ).all()
    listed = [(d, [p for p in d.delegates
                   if any(a.forum_id == forum.id and a.status in statuses
                          for a in p.accreditations)])
              for d in delegations]
    return protocol.order(listed, lang)


def _status(p: Delegate, forum: Forum) -> Accreditation | None:
    return next((a for a in p.accreditations if a.forum_id == forum.id), None)


def participants_csv(forum: Forum, lang: str = "en", provisional: bool = False) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for group in participants(forum, lang, provisional):
        for entry in group.delegations:
            for p in entry.people:
                a = _status(p, forum)
                w.writerow([neutralise(x) for x in (
                    group.category.label, entry.title, entry.delegation.country or "",
                    p.display_name, p.function, p.organisation.name if p.organisation else "",
                    p.capacity.label, p.level.label, a.status.value if a else "")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def participants_pdf(forum: Forum, issued: date | None = None, lang: str = "en",
                     provisional: bool = False) -> bytes:
    """The list as an A4 PDF. Needs an app context (templates); fonts come from the system
    (Noto covers Latin, Cyrillic, CJK and Arabic) and WeasyPrint embeds the subsets used."""
    issued = issued or to_zone(utcnow(), forum.timezone).date()
    groups = participants(forum, lang, provisional)
    with i18n.language(lang):
        html = render_template("delegations/participants_pdf.html", forum=forum, groups=groups,
                               issued=issued, provisional=provisional,
                               delegations=sum(len(g.delegations) for g in groups),
                               total=sum(g.count for g in groups))
    return html_to_pdf(html)
