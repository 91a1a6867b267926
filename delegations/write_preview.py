"""What a people write would create in the programme, asked before saving.

Changes to a delegate's stay or accreditation can create clashes in the programme, which
``delegations`` does not know. ``schedule`` registers its one preview function here
(``register``); the people screens describe their write as a ``StayChange`` or an
``AccreditationChange`` and call ``clashes_for``. Without a programme there is nothing to
clash with. ``confirmed`` ties a confirmation to the exact list the person saw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask, current_app

from .models import Forum

_EXT = "forum_desk_write_preview"


@dataclass(frozen=True)
class StayChange:
    """A delegate's arrival and departure dates."""

    delegate_id: int
    arrival: date | None
    departure: date | None


@dataclass(frozen=True)
class AccreditationChange:
    """A delegate's accreditation becoming approved (or no longer approved)."""

    delegate_id: int
    approved: bool


def register(app: Flask, preview: Callable[..., list[Any]]) -> None:
    """``preview(forum, *changes)`` returns the clashes the changes would create."""
    app.extensions[_EXT] = preview


def clashes_for(forum: Forum, *changes: Any) -> list[Any]:
    preview = current_app.extensions.get(_EXT)
    return list(preview(forum, *changes)) if preview is not None else []


def fingerprint(clashes: Sequence[Any]) -> str:
    """A short digest of a clash list: the confirm button carries it, so a confirmation
    counts only for the very clashes the person saw."""
    text = "\n".join(sorted(f"{c.kind.value}|{c.message}" for c in clashes))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def confirmed(clashes: Sequence[Any], given: str | None) -> bool:
    """True when there is nothing to confirm, or the person confirmed this exact list."""
    return not clashes or (given or "") == fingerprint(clashes)


def given_confirmation(form: Mapping[str, str]) -> str | None:
    """The fingerprint a person confirmed with the preview's own button (``_preview.html``),
    or None: pressing the form's ordinary button again confirms nothing."""
    return form.get("confirm_clashes") if form.get("confirm") == "1" else None


def init_app(app: Flask) -> None:
    app.jinja_env.globals["preview_fingerprint"] = fingerprint
