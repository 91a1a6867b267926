"""Helpers for job tests: the real Redis, real ``flask worker`` processes, and job
functions a worker in another process can import (``tests.jobs_support:...``)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import current_app

from delegations.db import db
from delegations.models import Forum

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_fail() -> Any:
    """A connection to the test Redis; the test FAILS (never skips) when it is unreachable:
    the queue is part of the product and CI runs Redis beside the database."""
    from redis import Redis
    from redis.exceptions import RedisError

    conn = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        conn.ping()
    except RedisError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is unreachable ({exc}): start redis-server "
                    "or point TEST_REDIS_URL at one")
    return conn


def unique_queue() -> str:
    """A queue name of its own, so parallel test runs on one Redis never share jobs."""
    return f"forum-desk-test-{uuid.uuid4().hex[:12]}"


def forget_queue(conn: Any, name: str) -> None:
    for key in conn.scan_iter(f"rq:*{name}*"):
        conn.delete(key)


def worker_env(app: Any, **extra: str) -> dict[str, str]:
    """The environment of a ``flask worker`` that shares the test app's database, Redis
    queue and folders."""
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT),
        "FORUM_DESK_INSTANCE": app.instance_path,
        "FLASK_SECRET_KEY": "test-secret",
        "FLASK_DATABASE_URL": app.config["DATABASE_URL"],
        "FLASK_REDIS_URL": app.config["REDIS_URL"],
        "FLASK_JOBS_QUEUE": app.config["JOBS_QUEUE"],
        "FLASK_JOBS_RETRIES": str(app.config["JOBS_RETRIES"]),
        "FLASK_JOBS_MAINTENANCE_INTERVAL": str(app.config["JOBS_MAINTENANCE_INTERVAL"]),
        "FLASK_BOOKS_FOLDER": app.config["BOOKS_FOLDER"],
        "FLASK_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
    })
    env.pop("DATABASE_URL", None)
    env.update(extra)
    return env


def start_worker(app: Any, *args: str, log: Path | None = None,
                 **extra: str) -> subprocess.Popen[bytes]:
    """``flask worker`` as its own process group (so a test can SIGKILL all of it)."""
    out = open(log, "ab") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *args],
        cwd=ROOT, env=worker_env(app, **extra), stdout=out, stderr=subprocess.STDOUT,
        start_new_session=True)


# --------------------------------------------------------------------------- job functions


def note(path: str, text: str, *, suffix: str = "") -> None:
    """Append what the job saw (its argument, the app's queue, the forums in the database):
    proof it ran inside an app context on the test's database."""
    forums = db.session.scalars(sa.select(Forum.short_name).order_by(Forum.id)).all()
    with open(path, "a") as f:
        f.write(f"{text}{suffix}|{current_app.config['JOBS_QUEUE']}|{','.join(forums)}\n")


def fail(path: str, text: str) -> None:
    with open(path, "a") as f:
        f.write(f"attempt {text}\n")
    raise RuntimeError(f"cannot do {text}")


def failed(reason: str, path: str, text: str) -> None:
    with open(path, "a") as f:
        f.write(f"gave up {text}: {reason}\n")
