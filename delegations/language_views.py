"""The language switcher: one POST (with CSRF) from every page's header."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from .auth import _safe_next as safe_next
from .auth import public
from .db import db
from .i18n import COOKIE, known

bp = Blueprint("language", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.post("/language")
@public
def choose() -> Any:
    lang = known(request.form.get("lang"))
    if lang is None:
        abort(400)
    if current_user.is_authenticated:
        current_user.language = lang
        db.session.commit()
    response = redirect(safe_next(request.form.get("next")) or url_for("home"))
    response.set_cookie(COOKIE, lang, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response
