"""People and accounts in the browser: invitations, accounts, a delegate's own details."""

from __future__ import annotations

from flask import Flask

from . import account_views, invitation_views, nav, self_views, write_preview
from .timeutil import days
from .zones import picker_zones


def init_app(app: Flask) -> None:
    write_preview.init_app(app)
    # zone pickers list the forum's people's zones first; filters list the forum's days
    app.jinja_env.globals["picker_zones"] = picker_zones
    app.jinja_env.globals["forum_days"] = lambda f: days(f.start_date, f.end_date)
    app.register_blueprint(invitation_views.bp)
    app.register_blueprint(account_views.bp)
    app.register_blueprint(self_views.bp)
    nav.add_nav(app, "invitations.index", "Invite", managers_only=True, order=80)
    nav.add_nav(app, "accounts.index", "Accounts", managers_only=True, order=82)
