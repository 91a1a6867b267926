"""Security headers on every response, in twenty lines of our own rather than
Flask-Talisman: the app needs a fixed policy and one per-page rule (no referrer where a
page shows a secret link), not Talisman's HTTPS redirects and per-view policy machinery.

- Content-Security-Policy: everything from 'self', no inline or eval'd script (the small
  scripts live in static files), nothing may frame a page. Inline *styles* stay allowed:
  the day grid positions its blocks with style attributes computed per session.
- X-Content-Type-Options: nosniff, and the legacy X-Frame-Options: DENY.
- Referrer-Policy: no-referrer on pages that show or are secret links (calendar feeds
  and invitations, and any view marked ``@secret_links``), same-origin elsewhere.
- Strict-Transport-Security only when the request came over https (directly or through a
  proxy the app trusts, see PROXY_FIX_X_FOR).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request

F = TypeVar("F", bound=Callable[..., Any])

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000; includeSubDomains"
SECRET_LINK_BLUEPRINTS = frozenset({"calendars", "invitations"})


def secret_links(view: F) -> F:
    """Mark a view whose page shows a secret link: its response sends no Referer onwards."""
    view._secret_links = True  # type: ignore[attr-defined]
    return view


def shows_secret_links() -> bool:
    if request.blueprint in SECRET_LINK_BLUEPRINTS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "_secret_links", False))


def add_headers(response: Response) -> Response:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h["Referrer-Policy"] = "no-referrer" if shows_secret_links() else "same-origin"
    if request.is_secure:
        h.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
