"""The application factory.

Config comes from, in order: the defaults below, ``instance/config.py``, ``FLASK_*``
environment variables, ``DATABASE_URL``, then the mapping a test passes in.
"""

from __future__ import annotations

import importlib
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from .db import alembic, db

ROOT = Path(__file__).resolve().parent.parent


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
    instance_path = Path(os.environ.get("FORUM_DESK_INSTANCE", ROOT / "instance")).resolve()
    app = Flask(
        "delegations",
        instance_path=str(instance_path),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_mapping(
        SECRET_KEY=None,
        DATABASE_URL=None,
        FORUM_DESK_MODULES=["schedule"],
        UPLOAD_FOLDER=str(instance_path / "uploads"),
        BOOKS_FOLDER=str(instance_path / "books"),
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        LOGIN_MAX_FAILURES=5,
        LOGIN_WINDOW_MINUTES=15,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
        DEFAULT_FORUM=None,
        ALEMBIC={"script_location": str(Path(__file__).parent / "migrations")},
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config is not None:
        app.config.from_mapping(test_config)

    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(instance_path)
    url = app.config["DATABASE_URL"] or f"sqlite:///{instance_path / 'forum-desk.sqlite'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app.config["DATABASE_URL"] = url
    app.config.setdefault("SQLALCHEMY_ENGINES", {"default": {"url": url, **_engine_options(url)}})
    instance_path.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    alembic.init_app(app)
    with app.app_context():
        _configure_engine(db.engine)

    from . import auth, cli, cli_guard, errors, nav, text, timeutil, views

    auth.init_app(app)
    errors.init_app(app)
    timeutil.init_app(app)
    text.init_app(app)
    nav.init_app(app)
    nav.add_nav(app, "delegations.index", "Delegations", order=10)
    nav.add_nav(app, "delegations.dashboard", "Accreditation", managers_only=True, order=20)
    app.register_blueprint(views.bp)
    app.add_url_rule("/", "home", views.home)
    cli.init_app(app)

    for module_name in app.config["FORUM_DESK_MODULES"]:
        importlib.import_module(module_name).init_app(app)
    cli_guard.guard_commands(app)  # last: every package's commands are registered

    return app


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
