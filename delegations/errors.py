"""Error pages: 403, 404, 413, 500 rendered in the app's own layout."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .db import db

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not take that kind of request."),
    409: _l("This record changed since you opened it."),
    413: _l("The file is too large."),
    429: _l("Too many requests. Wait a moment and try again."),
    500: _l("Something went wrong on our side. The error has been logged."),
}


def _render(code: int, message: str | None = None) -> tuple[str, int]:
    return render_template(
        "errors/error.html", code=code, message=message or MESSAGES.get(code, _("Error."))
    ), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError) -> Any:
        return _render(400, _("The form expired or was not sent from this site (%(reason)s). "
                              "Go back, reload the page and send it again.", reason=e.description))

    @app.errorhandler(StaleDataError)
    def stale_write(e: StaleDataError) -> Any:
        # two saves of one record raced past the form's version check: the second loses
        # nothing silently, it is refused whole
        db.session.rollback()
        return _render(409, _("Someone else saved this record at the same moment, so nothing "
                              "of yours was saved. Go back, reload the page and save again."))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        if e.code is None or e.code < 400:
            return e
        if e.response is not None:  # a view's own page for it (the login throttle's)
            return e.response
        return _render(e.code, e.description if e.code not in MESSAGES else None)
