"""Every ``flask`` command answers in one line, never with a traceback, when the database
is not set up or a file cannot be read or written: the commands are wrapped once, here,
after every package has registered its own.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import ScriptInfo

from .db import alembic

# Flask's own, the migration and the rate-limiter commands work on any database.
UNGUARDED = frozenset({"db", "run", "shell", "routes", "limiter"})
UPGRADE = "run `flask db upgrade` first"


def migration_problem() -> str | None:
    """Why the database cannot serve the app yet, in one sentence; None when it can."""
    log = logging.getLogger("alembic.runtime.migration")
    level = log.level
    log.setLevel(logging.WARNING)  # its "Context impl ..." lines are not for this check
    try:
        return _problem()
    finally:
        log.setLevel(level)


def _problem() -> str | None:
    try:
        if alembic.needs_upgrade():
            current = ", ".join(r.revision for r in alembic.current()) or "empty"
            head = ", ".join(r.revision for r in alembic.heads())
            if current == "empty":
                return f"The database is not set up yet: {UPGRADE}."
            return (f"The database is at migration {current}; this version needs {head}: "
                    f"{UPGRADE}.")
    except sa.exc.SQLAlchemyError as e:
        return f"Cannot open the database ({type(e.__cause__ or e).__name__}): check DATABASE_URL."
    except Exception as e:  # alembic: a revision this code does not know
        return f"The database has migrations this version does not know ({e}); update the code."
    return None


def _guard(callback: Any) -> Any:
    @functools.wraps(callback)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_app:  # as flask.cli.with_appcontext does it
            ctx = click.get_current_context()
            ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
        problem = migration_problem()
        if problem:
            raise click.ClickException(problem)
        try:
            return callback(*args, **kwargs)
        except OSError as e:
            where = f"{e.filename}: " if e.filename else ""
            raise click.ClickException(f"{where}{e.strerror or e}") from None
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as e:
            raise click.ClickException(
                f"The database refused the command ({str(e.orig).splitlines()[0]}); "
                f"if it is not up to date, {UPGRADE}.") from None

    guarded.forum_desk_guarded = True  # type: ignore[attr-defined]
    return guarded


def _wrap(cmd: click.Command) -> None:
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            _wrap(sub)
        return
    if cmd.callback is not None and not getattr(cmd.callback, "forum_desk_guarded", False):
        cmd.callback = _guard(cmd.callback)


def guard_commands(app: Flask) -> None:
    """Wrap every registered command but Flask's own and ``flask db``."""
    for name, cmd in app.cli.commands.items():
        if name not in UNGUARDED:
            _wrap(cmd)
