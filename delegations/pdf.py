"""HTML to PDF with WeasyPrint, safely: the one place the app prints a PDF.

The URL fetcher serves only the app's own static files (``BASE_URL/static/...``) and refuses
``file:``, every other host and every other scheme, so a URL a user typed into a name, a
note or a session's background can reach neither the disk nor the network. Briefing books,
the list of participants and badges all print through ``html_to_pdf``.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

from .gcpause import gc_paused

#: The base URL documents are rendered against: links to /static/... resolve under it.
BASE_URL = "https://forum-desk.invalid/"
#: In-memory files handed to ``html_to_pdf`` are fetched under this path, by name only.
RESOURCE_PATH = "/resource/"


class StaticOnlyFetcher(URLFetcher):
    """Serves only ``BASE_URL/static/...`` from the app's static folder; refuses ``file:``,
    ``http(s):`` elsewhere and everything else (a user-typed URL cannot reach the disk or
    the network)."""

    def __init__(self, static_folder: str | None,
                 resources: Mapping[str, bytes] | None = None) -> None:
        super().__init__(allowed_protocols=["https"])
        self.static_folder = static_folder
        self.resources = resources or {}

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        base = urlsplit(BASE_URL)
        if (parts.scheme, parts.netloc) == (base.scheme, base.netloc) \
                and parts.path.startswith(RESOURCE_PATH):
            return self._resource(url, parts.path.removeprefix(RESOURCE_PATH))
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) \
                or not parts.path.startswith("/static/") or not self.static_folder:
            raise ValueError(f"refused to fetch {url!r}: only the app's static files")
        path = safe_join(self.static_folder, parts.path.removeprefix("/static/"))
        if path is None or not Path(path).is_file():
            raise ValueError(f"no static file {parts.path!r}")
        mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": mime})

    def _resource(self, url: str, name: str) -> URLFetcherResponse:
        data = self.resources.get(name)
        if data is None:
            raise ValueError(f"no resource {name!r}")
        mime = "image/png" if data.startswith(b"\x89PNG") else \
            "image/jpeg" if data.startswith(b"\xff\xd8") else "application/octet-stream"
        return URLFetcherResponse(url, data, {"Content-Type": mime})


def resource_url(name: str) -> str:
    """Where a document refers to the in-memory file ``name`` given to ``html_to_pdf``."""
    return f"{BASE_URL.rstrip('/')}{RESOURCE_PATH}{name}"


def html_to_pdf(html: str, *, static_folder: str | None = None,
                resources: Mapping[str, bytes] | None = None) -> bytes:
    """PDF bytes of ``html``; ``static_folder`` defaults to the current app's. ``resources``
    are in-memory files (e.g. checked photos) the HTML names by ``resource_url``."""
    if static_folder is None and has_app_context():
        static_folder = current_app.static_folder
    doc = HTML(string=html, base_url=BASE_URL,
               url_fetcher=StaticOnlyFetcher(static_folder, resources))
    with gc_paused():
        return doc.write_pdf()
