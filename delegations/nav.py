"""The forum menu: each package adds its own entries when it registers.

Labels are English msgids, translated when a page is drawn; ``add_nav`` is an extraction
keyword (babel.cfg), so ``add_nav(app, endpoint, "Label")`` puts "Label" in the catalogue."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_babel import gettext


def add_nav(app: Flask, endpoint: str, label: str, *, managers_only: bool = False,
            order: int = 50, forum_home: bool = False) -> None:
    """Add a menu entry; ``forum_home`` makes it the page the forum's name links to (the
    last package to claim it wins; without one the forum's name links to its delegations)."""
    if forum_home:
        app.extensions["forum_desk_home"] = endpoint
        return
    items = app.extensions.setdefault("forum_desk_nav", [])
    items.append((order, endpoint, label, managers_only))


def forum_home(app: Flask) -> str:
    """The endpoint of a forum's first page."""
    return app.extensions.get("forum_desk_home", "delegations.index")


def _context() -> dict[str, Any]:
    items = sorted(current_app.extensions.get("forum_desk_nav", []))
    return {
        "nav_items": [(e, gettext(label), m) for _, e, label, m in items],
        "view_endpoints": current_app.view_functions,
        "forum_home_endpoint": forum_home(current_app),
    }


def init_app(app: Flask) -> None:
    app.context_processor(_context)
