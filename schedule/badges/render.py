"""Badges on paper: card size (CR80, 86 x 54 mm, one badge a page, for card printers) and
A4 sheets of eight with crop marks (for ordinary printers). Pure: badges in, PDF bytes out.

Every user string goes through Jinja autoescaping; the only markup made here is the QR
code's SVG, which segno draws from the badge number (letters, digits and dashes). Photos
reach WeasyPrint through the safe fetcher under made-up URLs, so no path or outside URL
ever does.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import segno
from flask import current_app, render_template
from markupsafe import Markup

from delegations.models import BadgeType, Delegate
from delegations.pdf import html_to_pdf, resource_url
from delegations.roster import stored_path

from .models import Badge
from .tokens import make_token

#: Colour band and text colour per badge type (the pass office's usual scheme).
COLOURS: dict[BadgeType, tuple[str, str]] = {
    BadgeType.PARTY: ("#1f4e9c", "#ffffff"),
    BadgeType.PARTY_OVERFLOW: ("#6d9ad8", "#0b1f3d"),
    BadgeType.OBSERVER: ("#2e7d32", "#ffffff"),
    BadgeType.UN: ("#009edb", "#ffffff"),
    BadgeType.TEMPORARY_PASS: ("#f6c026", "#1a1a1a"),
    BadgeType.PRESS: ("#c62828", "#ffffff"),
    BadgeType.HOST_COUNTRY_GUEST: ("#6a1b9a", "#ffffff"),
    BadgeType.COURTESY: ("#546e7a", "#ffffff"),
}
LAYOUTS = ("card", "sheet")
PER_SHEET = 8


def passport_name(person: Delegate) -> str:
    """The name exactly as on the passport, given names first."""
    return person.full_name


def qr_svg(token: str) -> Markup:
    qr = segno.make(token, error="m", micro=False)
    return Markup(qr.svg_inline(scale=1, border=4, omitsize=True, dark="#000"))  # noqa: S704


def _photo(person: Delegate, upload_folder: str) -> bytes | None:
    if not person.photo_path:
        return None
    path = stored_path(upload_folder, person.photo_path)
    return path.read_bytes() if path is not None else None


def badge_data(badge: Badge, photo_key: str | None) -> dict[str, Any]:
    acc = badge.accreditation
    person = acc.delegate
    forum = acc.forum
    kind = acc.badge_type or BadgeType.TEMPORARY_PASS
    band, ink = COLOURS[kind]
    token = make_token(badge.id, badge.version)
    name = passport_name(person)
    return {
        "name": name,
        "name_size": "long" if len(name) > 26 else ("medium" if len(name) > 18 else ""),
        "function": person.function,
        "delegation": person.delegation.name,
        "organisation": person.organisation.name if person.organisation else "",
        "forum": forum.name,
        "forum_short": forum.short_name,
        "valid": f"{badge.valid_from.day} {badge.valid_from:%b %Y} – "
                 f"{badge.valid_until.day} {badge.valid_until:%b %Y}",
        "type": kind.label,
        "band": band,
        "ink": ink,
        "token": token,
        "version": badge.version,
        "qr": qr_svg(token),
        "photo": resource_url(photo_key) if photo_key else None,
    }


def badges_html(badges: list[Badge], layout: str = "card", *,
                upload_folder: str | None = None) -> tuple[str, dict[str, bytes]]:
    """The print HTML and the photos it refers to (needs an app context)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
    folder = upload_folder or current_app.config["UPLOAD_FOLDER"]
    photos: dict[str, bytes] = {}
    cards = []
    for i, badge in enumerate(badges):
        data = _photo(badge.accreditation.delegate, folder)
        key = None
        if data is not None:
            key = f"badge-photo-{i}"
            photos[key] = data
        cards.append(badge_data(badge, key))
    sheets = [cards[i:i + PER_SHEET] for i in range(0, len(cards), PER_SHEET)]
    html = render_template("badges/print.html", layout=layout, cards=cards, sheets=sheets)
    return html, photos


def badges_pdf(badges: list[Badge], layout: str = "card", *,
               upload_folder: str | None = None) -> bytes:
    """One PDF: a page per badge (card) or per eight badges (sheet)."""
    if not badges:
        raise ValueError("no badges to print")
    html, photos = badges_html(badges, layout, upload_folder=upload_folder)
    return html_to_pdf(html, resources=photos)


def write_pdfs(badges: list[Badge], out: Path, stem: str) -> list[Path]:
    """Write ``stem-cards.pdf`` and ``stem-sheets-a4.pdf`` into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for layout, suffix in (("card", "cards"), ("sheet", "sheets-a4")):
        path = out / f"{stem}-{suffix}.pdf"
        path.write_bytes(badges_pdf(badges, layout))
        paths.append(path)
    return paths


def file_stem(forum_short: str, name: str) -> str:
    """An ASCII file name (it also goes into a Content-Disposition header)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = "-".join("".join(c if c.isalnum() else " " for c in plain).split()) or "delegation"
    return f"{forum_short}-badges-{safe}"
