"""The programme: venues, rooms, sessions, speaker slots, clashes, calendars and briefing
books. Builds on ``delegations``; registered by the app factory through
``FORUM_DESK_MODULES``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from delegations.nav import add_nav

    from . import cli, services, views

    app.register_blueprint(views.bp)
    add_nav(app, "schedule.programme", "Programme", order=30)
    cli.init_app(app)
    services.connect_signals()  # keeps a module-level receiver: connecting twice is a no-op

    # The programme: editing, speakers, clashes, timetable views (issue 4).
    from . import programme_views

    programme_views.init_app(app)

    # Calendar feeds and briefing books (issue 5).
    from . import calendar_views

    calendar_views.init_app(app)

    # Badges with QR codes and the check-in desk.
    from . import badges

    badges.init_app(app)
