"""The forum menu: each package adds its own entries when it registers.

Labels are English msgids, translated when a page is drawn; ``add_nav`` is an extraction
keyword (babel.cfg), so ``add_nav(app, endpoint, "Label")`` puts "Label" in the catalogue."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_babel import gettext


def add_nav(app: Flask, endpoint: str, label: str, *, managers_only: bool = False,
            order: int = 50) -> None:
    items = app.extensions.setdefault("forum_desk_nav", [])
    items.append((order, endpoint, label, managers_only))


def _context() -> dict[str, Any]:
    items = sorted(current_app.extensions.get("forum_desk_nav", []))
    return {
        "nav_items": [(e, gettext(label), m) for _, e, label, m in items],
        "view_endpoints": current_app.view_functions,
    }


def init_app(app: Flask) -> None:
    app.context_processor(_context)
