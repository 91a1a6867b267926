"""No lost update: objects edited from forms carry a version (the mapper's
``version_id_col``; a session's calendar ``revision`` plays that part). A form sends back
the version it was opened at; a save from a stale form is refused with who changed the
object and when, and both values side by side. The version column also guards the write
itself: an UPDATE whose version no longer matches fails with ``StaleDataError`` (two saves
racing), and set-based writes check it in their WHERE clause.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from wtforms import Form

from .db import db
from .models import ChangeLog
from .timeutil import to_zone


class StaleEdit(Exception):
    """The object changed since the form was opened."""

    def __init__(self, by: str, at: datetime | None, current: int,
                 differences: dict[str, tuple[Any, Any]]) -> None:
        self.by, self.at, self.current, self.differences = by, at, current, differences
        super().__init__(f"changed by {by} at {at}")

    def message(self, zone_name: str = "UTC") -> str:
        if self.at is None:
            return _("Changed by %(who)s since you opened it. Your values are kept below, with "
                     "the saved ones beside them; save again to keep yours.", who=self.by)
        return _("Changed by %(who)s at %(time)s since you opened it. Your values are kept "
                 "below, with the saved ones beside them; save again to keep yours.",
                 who=self.by, time=to_zone(self.at, zone_name).strftime("%H:%M"))


def version_key(obj: Any) -> str:
    mapper = sa.inspect(obj).mapper
    return mapper.get_property_by_column(mapper.version_id_col).key


def current_version(obj: Any) -> int:
    return int(getattr(obj, version_key(obj)) or 0)


def last_change(entity: str, entity_id: int) -> tuple[str, datetime | None]:
    row = db.session.execute(
        sa.select(ChangeLog.actor, ChangeLog.at)
        .where(ChangeLog.entity == entity, ChangeLog.entity_id == entity_id)
        .order_by(ChangeLog.at.desc(), ChangeLog.id.desc()).limit(1)).first()
    return (row.actor, row.at) if row else ("someone else", None)


def check_fresh(obj: Any, entity: str, opened_at: Any,
                submitted: Mapping[str, Any] | None = None) -> None:
    """Raise StaleEdit when ``opened_at`` (the version the form was opened at) is not the
    object's version now. A request without a version (an older client) is not checked."""
    if opened_at in (None, ""):
        return
    try:
        opened = int(opened_at)
    except (TypeError, ValueError):
        opened = -1
    now = current_version(obj)
    if opened == now:
        return
    by, at = last_change(entity, obj.id)
    differences = {k: (getattr(obj, k), v) for k, v in (submitted or {}).items()
                   if hasattr(obj, k) and getattr(obj, k) != v}
    raise StaleEdit(by, at, now, differences)


def show_conflict(form: Form, e: StaleEdit, zone_name: str = "UTC") -> None:
    """Put the conflict on the form: the message on top, the saved value beside each field
    that differs, and the current version in the hidden field (saving again overwrites,
    knowingly)."""
    form.form_errors.append(e.message(zone_name))
    for key, (saved, _yours) in e.differences.items():
        if key in form:
            shown = getattr(saved, "label", saved)
            shown = _("(empty)") if shown in (None, "") else shown
            form[key].errors = [*form[key].errors, _("Saved now: %(value)s", value=shown)]
    if "version" in form:
        form["version"].data = str(e.current)
        form["version"].raw_data = [str(e.current)]


def stale_form(obj: Any, entity: str, form: Form, submitted: Mapping[str, Any],
               zone_name: str = "UTC") -> bool:
    """``check_fresh`` for a view: True (and the conflict put on the form) when stale."""
    try:
        check_fresh(obj, entity, form["version"].data, submitted)
    except StaleEdit as e:
        show_conflict(form, e, zone_name)
        return True
    return False
