"""Helpers for briefing-book tests: a book is made by a POST (a one-book batch run as a
job), then fetched by a GET that only serves stored editions."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from delegations import jobs
from delegations.db import db


def make_and_get(client: Any, app: Any, pdf_url: str) -> Any:
    """POST for a new edition of the book at ``pdf_url``, wait for its job, GET it."""
    parts = urlsplit(pdf_url)
    paper = parse_qs(parts.query).get("paper", ["A4"])[0]
    r = client.post(parts.path.removesuffix(".pdf") + "/edition", data={"paper": paper})
    assert r.status_code == 303, r.status_code
    assert jobs.wait_idle(app, timeout=300)
    # the test client shares the test's session: end its read transaction, which may
    # predate the job's commit (each real request has a session of its own)
    db.session.rollback()
    got = client.get(pdf_url)
    assert got.status_code == 200, got.status_code
    return got
