"""The application factory.

Config comes from, in order: the defaults below, ``instance/config.py``, ``FLASK_*``
environment variables, ``DATABASE_URL``, then the mapping a test passes in.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import secrets
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .db import alembic, db

ROOT = Path(__file__).resolve().parent.parent
# In a checkout the templates sit beside the packages; an installed wheel carries them inside
# this package (see setup.py).
TEMPLATES = (Path(__file__).resolve().parent / "templates"
             if (Path(__file__).resolve().parent / "templates").is_dir() else ROOT / "templates")


def _default_instance_path() -> Path:
    """instance/ of the checkout; for an installed wheel, <venv>/var/forum-desk-instance."""
    if (ROOT / "pyproject.toml").is_file():
        return ROOT / "instance"
    return Path(sys.prefix) / "var" / "forum-desk-instance"


def _secret_key(instance_path: Path) -> str:
    """Read the instance's secret key, generating it on first run (never committed)."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    instance_path = Path(os.environ.get("FORUM_DESK_INSTANCE")
                         or _default_instance_path()).resolve()
    app = Flask(
        "delegations",
        instance_path=str(instance_path),
        instance_relative_config=True,
        template_folder=str(TEMPLATES),
    )
    _configure(app, instance_path, test_config)
    _connect_database(app, instance_path)
    if app.config["PROXY_FIX_X_FOR"]:
        # behind a proxy, the client's address (which the login throttle counts by) is the
        # one the proxy saw; trust exactly as many proxies as are configured
        n = int(app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    _register_delegations(app)
    for module_name in app.config["FORUM_DESK_MODULES"]:
        importlib.import_module(module_name).init_app(app)
    from . import cli_guard

    cli_guard.guard_commands(app)  # last: every package's commands are registered
    return app


def _configure(app: Flask, instance_path: Path, test_config: Mapping[str, Any] | None) -> None:
    """Defaults, then instance/config.py, then FLASK_* variables, then DATABASE_URL, then
    what a test passes in."""
    app.config.from_mapping(
        SECRET_KEY=None,
        DATABASE_URL=None,
        FORUM_DESK_MODULES=["schedule"],
        UPLOAD_FOLDER=str(instance_path / "uploads"),
        BOOKS_FOLDER=str(instance_path / "books"),
        MAX_CONTENT_LENGTH=65 * 1024 * 1024,  # a 64 MB roster and the form around it
        LOGIN_MAX_FAILURES=5,
        LOGIN_WINDOW_MINUTES=15,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=None,  # None: on, unless debugging or testing (see below)
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=None,  # None: as SESSION_COOKIE_SECURE
        REMEMBER_COOKIE_DURATION=timedelta(days=30),
        WTF_CSRF_TIME_LIMIT=None,
        DEFAULT_FORUM=None,
        PROXY_FIX_X_FOR=0,
        ALEMBIC={"script_location": str(Path(__file__).parent / "migrations")},
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config is not None:
        app.config.from_mapping(test_config)

    _secure_cookies(app)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(instance_path)


def _connect_database(app: Flask, instance_path: Path) -> None:
    """The engine (SQLite in the instance folder unless DATABASE_URL says otherwise) and the
    migrations of the delegations package and of every module in FORUM_DESK_MODULES."""
    url = app.config["DATABASE_URL"] or f"sqlite:///{instance_path / 'forum-desk.sqlite'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app.config["DATABASE_URL"] = url
    app.config.setdefault("SQLALCHEMY_ENGINES", {"default": {"url": url, **_engine_options(url)}})
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config["ALEMBIC"].setdefault("version_locations", []).extend(
        _module_migrations(app.config["FORUM_DESK_MODULES"]))
    db.init_app(app)
    alembic.init_app(app)
    with app.app_context():
        _configure_engine(db.engine)


def _register_delegations(app: Flask) -> None:
    """This package's extensions, screens, menu entries and commands."""
    from . import (
        accreditation_views,  # noqa: F401  (routes on the delegations blueprint)
        auth,
        cli,
        errors,
        headers,
        i18n,
        jobs,
        language_views,
        nav,
        people,
        roster_file_views,  # noqa: F401
        roster_views,  # noqa: F401
        text,
        timeutil,
        views,
    )

    i18n.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    timeutil.init_app(app)
    jobs.init_app(app)
    text.init_app(app)
    nav.init_app(app)
    nav.add_nav(app, "delegations.index", "Delegations", order=10)
    nav.add_nav(app, "delegations.dashboard", "Accreditation", managers_only=True, order=20)
    app.register_blueprint(views.bp)
    app.register_blueprint(language_views.bp)
    app.add_url_rule("/", "home", views.home)
    people.init_app(app)
    cli.init_app(app)


def _module_migrations(modules: list[str]) -> list[tuple[str, str]]:
    """Each module's own migrations folder, as its own Alembic branch named after it."""
    found = []
    for name in modules:
        spec = importlib.util.find_spec(name)
        folder = Path(spec.origin).parent / "migrations" if spec and spec.origin else None
        if folder is not None and folder.is_dir():
            found.append((name, str(folder)))
    return found


def _secure_cookies(app: Flask) -> None:
    """Production serves over https: cookies are Secure unless the configuration says
    otherwise (``make run`` serves the demo over plain http and says so)."""
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)
    if app.config["REMEMBER_COOKIE_SECURE"] is None:
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    duration = app.config["REMEMBER_COOKIE_DURATION"]
    if isinstance(duration, int | float):  # seconds, as an environment variable gives it
        duration = timedelta(seconds=duration)
    app.config["REMEMBER_COOKIE_DURATION"] = min(duration, timedelta(days=30))


def _configure_engine(engine: sa.Engine) -> None:
    """SQLite: enforce foreign keys and let SQLAlchemy, not pysqlite, open transactions
    (the documented recipe), so that a transaction is really one transaction."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN")
