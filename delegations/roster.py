"""Roster services: delegations and delegates (create, edit, remove), the roster query with
its filters and sort orders, and uploaded files (photos, documents) kept outside the web root.

Services flush and never commit; views commit."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import selectinload

from . import changelog
from .accreditation import (
    ACTIVE_STATUSES,
    QUOTA_STATUSES,
    attach_document_file,
    missing_documents,
    not_ready,
    quota_warnings,
)
from .db import db
from .i18n import country_name, sort_key
from .models import (
    Accreditation,
    AccreditationStatus,
    Deadline,
    Delegate,
    Delegation,
    DocumentKind,
    Forum,
    Route,
    User,
)
from .photos import PhotoError, prepare_photo
from .signals import SHOWN_FIELDS, people_renamed

PHOTO_MAX_BYTES = 2 * 1024 * 1024
DOCUMENT_MAX_BYTES = 5 * 1024 * 1024

DELEGATE_FIELDS = ("honorific", "given_names", "family_name", "name_order", "original_name",
                   "function", "level", "capacity",
                   "organisation_id", "email", "mobile", "languages", "home_timezone",
                   "arrival_date", "departure_date", "notes")
DELEGATION_FIELDS = ("name", "country", "region", "leading_organisation_id", "focal_point_name",
                     "focal_point_email", "focal_point_phone", "notes")


# --------------------------------------------------------------------------- delegations


def create_delegation(forum: Forum, values: dict[str, Any], actor: User | None) -> Delegation:
    d = Delegation(forum_id=forum.id, **{k: values[k] for k in DELEGATION_FIELDS if k in values})
    db.session.add(d)
    db.session.flush()
    changelog.record(actor, "delegation", d.id, "create", d.name)
    return d


def update_delegation(d: Delegation, values: dict[str, Any], actor: User | None) -> None:
    changed = {k: str(values[k]) for k in DELEGATION_FIELDS
               if k in values and getattr(d, k) != values[k]}
    for k in changed:
        setattr(d, k, values[k])
    db.session.flush()
    if changed:
        changelog.record(actor, "delegation", d.id, "update", d.name, changed)
    if "name" in changed:
        people_renamed.send(actor, delegate_ids=[p.id for p in d.delegates])


def delete_delegation(d: Delegation, actor: User | None) -> None:
    changelog.record(actor, "delegation", d.id, "delete",
                     f"{d.name} ({len(d.delegates)} delegates)")
    db.session.delete(d)
    db.session.flush()


def name_taken(forum_id: int, name: str, except_id: int | None = None) -> bool:
    q = sa.select(Delegation.id).where(Delegation.forum_id == forum_id,
                                       sa.func.lower(Delegation.name) == name.strip().lower())
    if except_id is not None:
        q = q.where(Delegation.id != except_id)
    return db.session.scalar(q) is not None


# --------------------------------------------------------------------------- delegates


def email_taken(forum_id: int, email: str | None, except_id: int | None = None) -> bool:
    if not email:
        return False
    q = (sa.select(Delegate.id).join(Delegation)
         .where(Delegation.forum_id == forum_id,
                sa.func.lower(Delegate.email) == email.strip().lower()))
    if except_id is not None:
        q = q.where(Delegate.id != except_id)
    return db.session.scalar(q) is not None


def create_delegate(delegation: Delegation, values: dict[str, Any], route: Route,
                    sponsor_id: int | None, actor: User | None) -> Delegate:
    person = Delegate(delegation_id=delegation.id,
                      **{k: values[k] for k in DELEGATE_FIELDS if k in values})
    db.session.add(person)
    db.session.flush()
    person.accreditations.append(Accreditation(
        forum_id=delegation.forum_id, route=route, sponsor_id=sponsor_id,
        status=AccreditationStatus.DRAFT))
    db.session.flush()
    changelog.record(actor, "delegate", person.id, "create",
                     f"{person.full_name} ({delegation.name})")
    return person


def update_delegate(person: Delegate, values: dict[str, Any], actor: User | None) -> None:
    changed = {k: str(values[k]) for k in DELEGATE_FIELDS
               if k in values and getattr(person, k) != values[k]}
    for k in changed:
        setattr(person, k, values[k])
    db.session.flush()
    if changed:
        changelog.record(actor, "delegate", person.id, "update", person.full_name, changed)
    if SHOWN_FIELDS & set(changed):
        people_renamed.send(actor, delegate_ids=[person.id])


def update_accreditation(acc: Accreditation, values: dict[str, Any],
                         actor: User | None) -> list[str]:
    """Route, sponsor, badge type, substitute, notes. Returns quota warnings.

    The badge type is the coordinator's decision, like approval: from anyone else it is
    left as it was."""
    if actor is not None and not actor.is_manager:
        values = {k: v for k, v in values.items() if k != "badge_type"}
    changed = {k: str(v) for k, v in values.items() if getattr(acc, k) != v}
    for k, v in values.items():
        setattr(acc, k, v)
    db.session.flush()
    warnings: list[str] = []
    if changed:
        changelog.record(actor, "accreditation", acc.id, "update",
                         acc.delegate.full_name, changed)
        if acc.status in QUOTA_STATUSES and {"sponsor_id", "substitute", "route"} & set(changed):
            warnings = quota_warnings(acc, adding=0)  # this nomination is counted already
    return warnings


def delete_delegate(person: Delegate, actor: User | None) -> None:
    changelog.record(actor, "delegate", person.id, "delete",
                     f"{person.full_name} ({person.delegation.name})")
    db.session.delete(person)
    db.session.flush()


# --------------------------------------------------------------------------- the roster


# Names sort by the Unicode Collation Algorithm (Élodie with E, Arabic in Arabic order), by
# family name whatever order the name prints in; countries by their name in the page's
# language.
SORTS = {
    "name": lambda p: sort_key(p.sort_name),
    "city": lambda p: (sort_key(p.delegation.name), sort_key(p.sort_name)),
    "country": lambda p: (sort_key(country_name(p.delegation.country)),
                          sort_key(p.delegation.name), sort_key(p.sort_name)),
    "route": lambda p: (p.accreditation.route.value if p.accreditation else "~",
                        sort_key(p.sort_name)),
    "status": lambda p: (list(AccreditationStatus).index(p.accreditation.status)
                         if p.accreditation else 99, sort_key(p.sort_name)),
    "level": lambda p: (p.level.rank, sort_key(p.sort_name)),
}


@dataclass
class RosterFilter:
    q: str = ""
    status: str = ""
    route: str = ""
    country: str = ""
    delegation_id: int | None = None
    sponsor_id: int | None = None
    missing: str = ""  # a DocumentKind value, or "any"
    not_ready: int | None = None  # a deadline id
    sort: str = "name"

    def active(self) -> bool:
        return any([self.q, self.status, self.route, self.country, self.delegation_id,
                    self.sponsor_id, self.missing, self.not_ready])


def roster(forum: Forum, flt: RosterFilter, delegation_id: int | None = None,
           delegate_id: int | None = None) -> list[Delegate]:
    """The delegates of a forum, filtered and sorted. A fixed number of queries."""
    q = (sa.select(Delegate).join(Delegation).where(Delegation.forum_id == forum.id)
         .options(selectinload(Delegate.delegation),
                  selectinload(Delegate.organisation),
                  selectinload(Delegate.accreditations).selectinload(Accreditation.sponsor),
                  selectinload(Delegate.accreditations).selectinload(Accreditation.documents)))
    if delegation_id is not None:
        q = q.where(Delegate.delegation_id == delegation_id)
    if delegate_id is not None:
        q = q.where(Delegate.id == delegate_id)
    if flt.delegation_id:
        q = q.where(Delegate.delegation_id == flt.delegation_id)
    if flt.country:
        q = q.where(Delegation.country == flt.country.upper())
    if flt.status or flt.route or flt.sponsor_id:
        q = q.join(Accreditation, sa.and_(Accreditation.delegate_id == Delegate.id,
                                          Accreditation.forum_id == forum.id))
        if flt.status:
            q = q.where(Accreditation.status == flt.status)
        if flt.route:
            q = q.where(Accreditation.route == flt.route)
        if flt.sponsor_id:
            q = q.where(Accreditation.sponsor_id == flt.sponsor_id)
    people = list(db.session.scalars(q).unique())
    if flt.q:
        needle = flt.q.casefold().strip()
        people = [p for p in people if needle in " ".join(
            [p.given_names, p.family_name, p.email or "", p.delegation.name, p.function,
             p.delegation.country or ""]).casefold()]
    if flt.missing:
        def lacks(p: Delegate) -> bool:
            acc = p.accreditation
            if acc is None or acc.status not in ACTIVE_STATUSES:
                return False
            missing = missing_documents(acc)
            return bool(missing) if flt.missing == "any" else DocumentKind(flt.missing) in missing
        people = [p for p in people if lacks(p)]
    if flt.not_ready:
        deadline = db.session.get(Deadline, flt.not_ready)
        if deadline is not None and deadline.forum_id == forum.id:
            people = [p for p in people if p.accreditation and not_ready(deadline,
                                                                         p.accreditation)]
    people.sort(key=SORTS.get(flt.sort, SORTS["name"]))
    return people


# --------------------------------------------------------------------------- files


class UploadError(ValueError):
    pass


def sniff(data: bytes) -> str | None:
    """The file type by its first bytes: 'jpeg', 'png', 'pdf', or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def check_image(data: bytes) -> str:
    """'jpeg' or 'png' when ``data`` is a real image of at most 2 MB; else UploadError."""
    if not data:
        raise UploadError(gettext("The file is empty."))
    if len(data) > PHOTO_MAX_BYTES:
        raise UploadError(gettext("The photo is %(size)s MB; at most 2 MB.",
                                  size=f"{len(data) / 1024 / 1024:.1f}"))
    kind = sniff(data)
    if kind not in ("jpeg", "png"):
        raise UploadError(gettext("The photo must be a JPEG or PNG image (this file is not, "
                                  "whatever its name says)."))
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise UploadError(gettext("The photo looks like a JPEG or PNG but cannot be read.")) \
            from e
    return kind


def check_document(data: bytes) -> str:
    if not data:
        raise UploadError(gettext("The file is empty."))
    if len(data) > DOCUMENT_MAX_BYTES:
        raise UploadError(gettext("The file is %(size)s MB; at most 5 MB.",
                                  size=f"{len(data) / 1024 / 1024:.1f}"))
    kind = sniff(data)
    if kind is None:
        raise UploadError(gettext("Documents must be PDF, JPEG or PNG files."))
    return kind


EXT = {"jpeg": "jpg", "png": "png", "pdf": "pdf"}
MIME = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}


def store_file(upload_folder: str, subfolder: str, prefix: str, kind: str,
               data: bytes) -> str:
    """Write ``data`` under the upload folder; return its path relative to that folder."""
    folder = Path(upload_folder) / subfolder
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}-{secrets.token_hex(8)}.{EXT[kind]}"
    (folder / name).write_bytes(data)
    return f"{subfolder}/{name}"


def stored_path(upload_folder: str, relative: str) -> Path | None:
    """The absolute path of a stored file, refusing anything outside the upload folder."""
    base = Path(upload_folder).resolve()
    path = (base / relative).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path


def set_photo(person: Delegate, upload_folder: str, data: bytes, actor: User | None) -> None:
    """Check the photo, then keep it as a badge needs it (see ``photos.prepare_photo``)."""
    check_image(data)
    try:
        data = prepare_photo(data)
    except PhotoError as e:
        raise UploadError(str(e)) from e
    old = person.photo_path
    person.photo_path = store_file(upload_folder, "photos", f"delegate-{person.id}", "jpeg",
                                   data)
    if old:
        old_path = stored_path(upload_folder, old)
        if old_path is not None:
            old_path.unlink(missing_ok=True)
    acc = person.accreditation
    if acc is not None:
        attach_document_file(acc, DocumentKind.PHOTO, person.photo_path, "photo", actor)
    changelog.record(actor, "delegate", person.id, "photo", person.full_name)
    db.session.flush()
