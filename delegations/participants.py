"""The list of participants of a forum, in protocol order: delegations by country name in
the list's language (a French list in French order, as the UN prints them), then by name;
in each, heads of delegation first, then by level of representation, then by family name,
collated (Unicode Collation Algorithm). As CSV and as a PDF (WeasyPrint), both pure
functions returning bytes, in the language asked for (else the forum's)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import selectinload

from .accreditation import ACTIVE_STATUSES
from .db import db, utcnow
from .i18n import country_name, language, sort_key
from .models import Accreditation, AccreditationStatus, Delegate, Delegation, Forum
from .pdf import html_to_pdf
from .spreadsheets import neutralise
from .timeutil import to_zone

CSV_COLUMNS = ("delegation", "country", "name", "function", "organisation", "capacity",
               "level", "status")


@dataclass
class DelegationEntry:
    delegation: Delegation
    people: list[Delegate]


def protocol_key(p: Delegate) -> tuple[Any, ...]:
    return (p.capacity.rank, p.level.rank, sort_key(p.family_name), sort_key(p.given_names))


def delegation_key(d: Delegation) -> tuple[Any, ...]:
    """Country name in the current language, then the delegation's name (collated)."""
    return (sort_key(country_name(d.country)) if d.country else (0xFFFF,), sort_key(d.name))


def participants(forum: Forum,
                 statuses: tuple[AccreditationStatus, ...] = ACTIVE_STATUSES
                 ) -> list[DelegationEntry]:
    """Delegations in name order, each with its people in protocol order. People whose
    accreditation is rejected or withdrawn are left out. Three queries."""
    delegations = db.session.scalars(
        sa.select(Delegation).where(Delegation.forum_id == forum.id)
        .options(selectinload(Delegation.delegates).selectinload(Delegate.accreditations),
                 selectinload(Delegation.delegates).selectinload(Delegate.organisation))
    ).all()
    out = []
    for d in sorted(delegations, key=delegation_key):
        people = [p for p in d.delegates
                  if any(a.forum_id == forum.id and a.status in statuses
                         for a in p.accreditations)]
        if people:
            out.append(DelegationEntry(d, sorted(people, key=protocol_key)))
    return out


def _status(p: Delegate, forum: Forum) -> Accreditation | None:
    return next((a for a in p.accreditations if a.forum_id == forum.id), None)


def participants_csv(forum: Forum, lang: str | None = None) -> bytes:
    with language(lang or forum.language):
        return _participants_csv(forum)


def _participants_csv(forum: Forum) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for entry in participants(forum):
        for p in entry.people:
            a = _status(p, forum)
            w.writerow([neutralise(x) for x in (
                entry.delegation.name, country_name(entry.delegation.country), p.display_name,
                p.function, p.organisation.name if p.organisation else "", p.capacity.label,
                p.level.label, a.status.value if a else "")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def participants_pdf(forum: Forum, issued: date | None = None,
                     lang: str | None = None) -> bytes:
    """The list as an A4 PDF. Needs an app context (templates); fonts come from the system
    (Noto covers Latin, Cyrillic, CJK and Arabic) and WeasyPrint embeds the subsets used."""
    issued = issued or to_zone(utcnow(), forum.timezone).date()
    with language(lang or forum.language):
        entries = participants(forum)
        html = render_template("delegations/participants_pdf.html", forum=forum,
                               entries=entries, issued=issued,
                               total=sum(len(e.people) for e in entries))
    return html_to_pdf(html)
