"""Badges: printed from approved accreditations with a signed QR code, checked in at the
pass office and at session doors by the desk role."""

from __future__ import annotations

from flask import Flask

from . import models as models  # the tables belong to the metadata wherever the app starts


def init_app(app: Flask) -> None:
    from delegations import access
    from delegations.nav import add_nav

    from . import cli, views
    from .models import BadgeBatch

    access.register(BadgeBatch, forum_id=lambda b: b.forum_id,
                    can_see=lambda u, b: access.is_manager(u), hidden=404)
    app.register_blueprint(views.bp)
    app.config.setdefault("DESK_ENDPOINT", "badges.desk_home")
    add_nav(app, "badges.index", "Badges", managers_only=True, order=47)
    cli.init_app(app)
