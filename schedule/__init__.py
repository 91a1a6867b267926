"""The programme: venues, rooms, sessions, speaker slots, clashes, calendars and briefing
books. Builds on ``delegations``; registered by the app factory through
``FORUM_DESK_MODULES``, which also adds ``schedule/migrations`` (the Alembic branch
"schedule") to the migrations."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from delegations.nav import add_nav

    from . import (
        access,
        agenda_views,  # noqa: F401  (routes on the schedule blueprint)
        book_views,
        clash_views,  # noqa: F401
        cli,
        feed_store,
        feed_views,
        grid_views,  # noqa: F401
        invitation_mail,
        preview,
        services,
        session_views,  # noqa: F401
        setup_views,
        speaking_views,  # noqa: F401
        timetable_views,  # noqa: F401
        venue_views,  # noqa: F401
        views,
    )

    access.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(feed_views.calendars)
    app.teardown_appcontext(feed_store.flush_pending)  # stored feed events, after a request
    app.register_blueprint(book_views.books)
    add_nav(app, "schedule.overview", "Overview", order=0, forum_home=True)
    add_nav(app, "schedule.programme", "Programme", order=30)
    add_nav(app, "schedule.grid", "Day grid", order=32)
    add_nav(app, "schedule.clashes", "Clashes", managers_only=True, order=34)
    add_nav(app, "schedule.my_agenda", "My agenda", order=36)
    add_nav(app, "schedule.venues", "Venues", managers_only=True, order=38)
    add_nav(app, "calendars.subscribe", "Calendar", order=40)
    add_nav(app, "books.index", "Briefing books", order=45)
    cli.init_app(app)
    preview.init_app(app)  # the clash preview the people screens ask before a write
    setup_views.init_app(app)
    services.connect_signals()  # keeps a module-level receiver: connecting twice is a no-op
    invitation_mail.connect()  # invitations also go out through the mail outbox

    # Programme changes by e-mail: the outbox, its sender and the CLI.
    from . import mail_views

    mail_views.init_app(app)

    # Badges with QR codes and the check-in desk.
    from . import badges

    badges.init_app(app)

    # Batches of briefing books run as jobs, with their progress page and CLI.
    from . import batch_views

    batch_views.init_app(app)
