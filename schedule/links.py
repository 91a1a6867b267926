"""Addresses written into feeds, books and mail: from configuration, never from the request,
so a feed built by a worker or ``flask calendar export`` is the same bytes as the web's.

``PUBLIC_BASE_URL`` (e.g. ``https://desk.example.org/``) wins; else ``SERVER_NAME`` with
``PREFERRED_URL_SCHEME``; else ``http://localhost/`` (set one of them in production).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request


def public_base_url() -> str:
    """The site's public root, with a trailing slash."""
    cfg = current_app.config
    if cfg.get("PUBLIC_BASE_URL"):
        return str(cfg["PUBLIC_BASE_URL"]).rstrip("/") + "/"
    if cfg.get("SERVER_NAME"):
        scheme = cfg.get("PREFERRED_URL_SCHEME") or "http"
        return f"{scheme}://{cfg['SERVER_NAME']}/"
    return "http://localhost/"


def page_base_url() -> str:
    """For links shown on a page: the configured root, or (when none is configured, as in
    development) the host the browser used."""
    cfg = current_app.config
    if cfg.get("PUBLIC_BASE_URL") or cfg.get("SERVER_NAME") or not has_request_context():
        return public_base_url()
    return request.host_url


def path_for(endpoint: str, **values: Any) -> str:
    """An endpoint's path, built from the URL map alone (no request needed)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def public_url(endpoint: str, **values: Any) -> str:
    return public_base_url().rstrip("/") + path_for(endpoint, **values)
