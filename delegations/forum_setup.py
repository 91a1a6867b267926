"""Creating and changing a forum from the browser: one check of its fields for every path.
Services flush and never commit."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from . import changelog
from .db import db
from .models import Forum, Series, User
from .timeutil import is_valid_zone

SHORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
FORUM_FIELDS = ("name", "short_name", "series", "timezone", "start_date", "end_date",
                "host_city", "description")


class ForumSetupError(ValueError):
    """Fields a forum cannot have: ``problems`` maps a field to its message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def check_forum_fields(values: dict[str, Any], forum: Forum | None = None) -> None:
    problems: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    short = (values.get("short_name") or "").strip()
    if not name:
        problems["name"] = _("Give the forum's name.")
    if not SHORT_NAME.match(short):
        problems["short_name"] = _("A short name is 1 to 40 letters, digits, - or _ (it goes "
                                   "into every address), e.g. IMRF2026.")
    elif db.session.scalar(sa.select(Forum.id).where(
            sa.func.lower(Forum.short_name) == short.lower(),
            Forum.id != (forum.id if forum else -1))) is not None:
        problems["short_name"] = _("There is a forum called %(name)s already.", name=short)
    if not is_valid_zone(values.get("timezone")):
        problems["timezone"] = _("Choose the venue's time zone, e.g. America/New_York.")
    start, end = values.get("start_date"), values.get("end_date")
    if not isinstance(start, date):
        problems["start_date"] = _("Give the first day.")
    if not isinstance(end, date):
        problems["end_date"] = _("Give the last day.")
    elif isinstance(start, date) and end < start:
        problems["end_date"] = _("The last day is before the first.")
    elif isinstance(start, date) and (end - start).days > 60:
        problems["end_date"] = _("A forum lasts at most 60 days.")
    if problems:
        raise ForumSetupError(problems)


def create_forum(actor: User | None, values: dict[str, Any]) -> Forum:
    check_forum_fields(values)
    forum = Forum(**{k: values[k] for k in FORUM_FIELDS if k in values})
    forum.series = Series(values.get("series") or Series.OTHER)
    db.session.add(forum)
    db.session.flush()
    changelog.record(actor, "forum", forum.id, "create", f"Created {forum.name} "
                     f"({forum.short_name})")
    return forum


def update_forum(forum: Forum, actor: User | None, values: dict[str, Any]) -> list[str]:
    check_forum_fields(values, forum)
    changed = [k for k in FORUM_FIELDS if k in values and getattr(forum, k) != values[k]]
    for k in changed:
        setattr(forum, k, values[k])
    db.session.flush()
    if changed:
        changelog.record(actor, "forum", forum.id, "update",
                         f"Changed {', '.join(changed)} of {forum.short_name}")
    return changed
