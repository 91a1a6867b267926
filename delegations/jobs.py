"""Background jobs: RQ on Redis when ``REDIS_URL`` is set, else a small in-process pool.

``submit(func, *args, **kwargs)`` runs ``func(*args, **kwargs)`` later, inside an app
context with its own database session, and returns the job's id. ``func`` must be a
module-level function that can be imported by name (a worker on another machine imports
it), and its arguments must be plain values (ids, strings), never ORM objects.

The caller keeps the progress of long work in its own database rows, so it survives a
restart; commit those rows *before* submitting (the job may start at once, in another
process). A job is retried when it raises (``JOBS_RETRIES`` times) or when its worker dies
(RQ's abandoned-job handling); write jobs so that running one twice does no harm.

Settings (defaults below): ``REDIS_URL``; ``JOBS_QUEUE`` (the RQ queue name);
``JOBS_THREADS`` (in-process pool size); ``JOBS_TIMEOUT`` (seconds a job may run);
``JOBS_RETRIES``; ``JOBS_MAINTENANCE_INTERVAL`` (seconds between maintenance passes, which
run the functions given to ``add_maintenance``).
"""

from __future__ import annotations

import atexit
import importlib
import logging
import threading
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "REDIS_URL": None,
    "JOBS_QUEUE": "forum-desk",
    "JOBS_THREADS": 2,
    "JOBS_TIMEOUT": 600,
    "JOBS_RETRIES": 2,
    "JOBS_MAINTENANCE_INTERVAL": 30,
}
_EXT = "forum_desk_jobs"

# The app a worker process runs its jobs in (set by ``flask worker``; a plain ``rq worker``
# builds one from the same configuration on its first job).
_worker_app: Flask | None = None


# --------------------------------------------------------------------------- naming


def import_path(func: Callable[..., Any]) -> str:
    """``module:name`` of a module-level function; refuses lambdas, closures, methods."""
    module, name = getattr(func, "__module__", None), getattr(func, "__qualname__", "")
    if not module or not name or "." in name or "<" in name:
        raise ValueError(f"{func!r} is not a module-level function: a worker cannot import it")
    if _resolve(f"{module}:{name}") is not func:
        raise ValueError(f"{module}:{name} does not import back as {func!r}")
    return f"{module}:{name}"


def _resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


# --------------------------------------------------------------------------- the app


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pool: ThreadPoolExecutor | None = None
        self.maintenance: list[str] = []
        self.timer: threading.Thread | None = None
        self.stop = threading.Event()
        self.idle = threading.Condition()
        self.pending = 0


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.extensions[_EXT] = state = _State()
    atexit.register(state.stop.set)  # no maintenance pass while the interpreter stops
    app.cli.add_command(worker_command)


def _state(app: Flask) -> _State:
    return app.extensions[_EXT]


def add_maintenance(app: Flask, func: Callable[..., Any]) -> None:
    """Run ``func()`` (in an app context) every ``JOBS_MAINTENANCE_INTERVAL`` seconds in a
    worker, e.g. to find work whose worker died. Must be safe to run from many workers."""
    path = import_path(func)
    if path not in _state(app).maintenance:
        _state(app).maintenance.append(path)


def run_maintenance(app: Flask) -> None:
    for path in list(_state(app).maintenance):
        with app.app_context():
            try:
                _resolve(path)()
            except Exception:
                log.exception("maintenance %s failed", path)


def uses_redis(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("REDIS_URL"))


def redis_connection(app: Flask | None = None) -> Any:
    from redis import Redis

    return Redis.from_url((app or current_app).config["REDIS_URL"])


def queue(app: Flask | None = None) -> Any:
    from rq import Queue

    app = app or current_app
    return Queue(app.config["JOBS_QUEUE"], connection=redis_connection(app),
                 default_timeout=app.config["JOBS_TIMEOUT"])


# --------------------------------------------------------------------------- submitting


def submit(func: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """Run ``func(*args, **kwargs)`` as a job (see the module's docstring); return its id."""
    return enqueue(func, args, kwargs)


def enqueue(func: Callable[..., Any], args: tuple[Any, ...] = (),
            kwargs: dict[str, Any] | None = None, *,
            on_failure: Callable[..., Any] | None = None, timeout: int | None = None) -> str:
    """``submit`` with options: ``on_failure(reason, *args, **kwargs)`` runs (in an app
    context) once the job has failed for good (its retries spent, or its last worker
    died); ``timeout`` (seconds) overrides ``JOBS_TIMEOUT``."""
    return enqueue_many(func, [args], kwargs, on_failure=on_failure, timeout=timeout)[0]


def enqueue_many(func: Callable[..., Any], arg_lists: list[tuple[Any, ...]],
                 kwargs: dict[str, Any] | None = None, *,
                 on_failure: Callable[..., Any] | None = None,
                 timeout: int | None = None) -> list[str]:
    """One job per tuple of ``arg_lists`` (sent to Redis in one round trip)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    path = import_path(func)
    failure = import_path(on_failure) if on_failure is not None else None
    kwargs = dict(kwargs or {})
    if uses_redis(app):
        from rq import Callback, Queue, Retry

        retries = int(app.config["JOBS_RETRIES"])
        q = queue(app)
        data = [Queue.prepare_data(
            run, (path, tuple(args), kwargs),
            retry=Retry(max=retries) if retries > 0 else None,
            on_failure=Callback(_rq_failed),
            meta={"on_failure": failure},
            timeout=timeout or app.config["JOBS_TIMEOUT"],
            failure_ttl=7 * 24 * 3600,
        ) for args in arg_lists]
        return [job.id for job in q.enqueue_many(data)]
    state = _state(app)
    pool = _pool(app)
    ids = []
    for args in arg_lists:
        job_id = uuid.uuid4().hex
        with state.idle:
            state.pending += 1
        pool.submit(_run_in_pool, app, job_id, path, tuple(args), kwargs, failure)
        ids.append(job_id)
    return ids


# --------------------------------------------------------------------------- running


def _app() -> Flask:
    global _worker_app
    if _worker_app is None:
        from .app import create_app

        _worker_app = create_app()
    return _worker_app


def run(path: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The RQ job: import ``path`` and call it inside a fresh app context."""
    if _worker_app is None and has_app_context():
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    else:
        app = _app()
    with app.app_context():
        return _resolve(path)(*args, **kwargs)


def _rq_failed(job: Any, connection: Any, exc_type: Any, exc_value: Any, tb: Any) -> None:
    """RQ failure callback: call the job's ``on_failure`` once no retry is left."""
    del connection, tb
    if job.retries_left:  # RQ retries it: not a failure yet
        return
    failure = (job.meta or {}).get("on_failure")
    if not failure:
        return
    path, args, kwargs = job.args
    del path
    reason = _reason(exc_type, exc_value)
    with _app().app_context():
        _resolve(failure)(reason, *args, **kwargs)


def _reason(exc_type: Any, exc_value: Any) -> str:
    name = getattr(exc_type, "__name__", str(exc_type))
    if name == "AbandonedJobError":
        return "the worker running it stopped (killed or lost)"
    text = str(exc_value) if exc_value is not None else ""
    return f"{name}: {text}"[:500] if text else name


def _pool(app: Flask) -> ThreadPoolExecutor:
    state = _state(app)
    with state.lock:
        if state.pool is None:
            state.pool = ThreadPoolExecutor(max_workers=int(app.config["JOBS_THREADS"]),
                                            thread_name_prefix="forum-desk-job")
        if state.maintenance and (state.timer is None or not state.timer.is_alive()):
            state.timer = threading.Thread(target=_maintenance_loop, args=(app,),
                                           daemon=True, name="forum-desk-jobs-maintenance")
            state.timer.start()
        return state.pool


def _maintenance_loop(app: Flask) -> None:
    """Maintenance for the in-process pool, while it has work (the next job restarts it)."""
    state = _state(app)
    idle_rounds = 0
    while not state.stop.wait(float(app.config["JOBS_MAINTENANCE_INTERVAL"])):
        run_maintenance(app)
        with state.idle:
            idle_rounds = idle_rounds + 1 if state.pending == 0 else 0
        if idle_rounds >= 2:
            return


def _run_in_pool(app: Flask, job_id: str, path: str, args: tuple[Any, ...],
                 kwargs: dict[str, Any], failure: str | None) -> None:
    state = _state(app)
    try:
        _attempt_in_pool(app, job_id, path, args, kwargs, failure)
    finally:
        with state.idle:
            state.pending -= 1
            state.idle.notify_all()


def _attempt_in_pool(app: Flask, job_id: str, path: str, args: tuple[Any, ...],
                     kwargs: dict[str, Any], failure: str | None) -> None:
    attempts = 1 + max(0, int(app.config["JOBS_RETRIES"]))
    reason = ""
    for attempt in range(1, attempts + 1):
        try:
            with app.app_context():
                _resolve(path)(*args, **kwargs)
            return
        except Exception as exc:
            log.warning("job %s (%s) failed, attempt %d of %d:\n%s", job_id, path, attempt,
                        attempts, traceback.format_exc())
            reason = _reason(type(exc), exc)
    if failure:
        try:
            with app.app_context():
                _resolve(failure)(reason, *args, **kwargs)
        except Exception:
            log.exception("on_failure of job %s failed", job_id)


def wait_idle(app: Flask, timeout: float = 120.0) -> bool:
    """Wait until the in-process pool has run every job submitted so far, including jobs
    those jobs submitted (tests, ``flask books batch --wait``). False on timeout."""
    state = _state(app)
    with state.idle:
        return state.idle.wait_for(lambda: state.pending == 0, timeout=timeout)


def shutdown(app: Flask) -> None:
    state = _state(app)
    state.stop.set()
    wait_idle(app)
    with state.lock:
        pool, state.pool = state.pool, None
    if pool is not None:
        pool.shutdown(wait=True)


# --------------------------------------------------------------------------- the worker


def _worker_class() -> type:
    from rq import SimpleWorker, Worker

    class _Maintained:
        """Runs the app's maintenance functions with RQ's own registry cleaning."""

        def run_maintenance_tasks(self) -> None:
            super().run_maintenance_tasks()  # type: ignore[misc]
            run_maintenance(_app())

    class InProcessWorker(_Maintained, SimpleWorker):
        pass

    class ForkingWorker(_Maintained, Worker):
        pass

    return InProcessWorker, ForkingWorker  # type: ignore[return-value]


@click.command("worker")
@click.option("--queue", "queues", multiple=True,
              help="Queue to listen on (default: the JOBS_QUEUE setting). Repeatable.")
@click.option("--burst", is_flag=True, help="Quit once the queues are empty.")
@click.option("--fork", is_flag=True,
              help="Run each job in a forked child (isolation) instead of in the worker "
                   "process (faster: caches stay warm).")
@click.option("--name", help="Worker name (default: host and process id).")
@with_appcontext
def worker_command(queues: tuple[str, ...], burst: bool, fork: bool, name: str | None) -> None:
    """Run an RQ worker with this app's configuration (needs REDIS_URL)."""
    global _worker_app
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not uses_redis(app):
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, jobs run inside the web process")
    from rq import Queue

    _worker_app = app
    conn = redis_connection(app)
    conn.ping()  # fail now, loudly, when Redis is unreachable
    interval = int(app.config["JOBS_MAINTENANCE_INTERVAL"])
    in_process, forking = _worker_class()
    cls = forking if fork else in_process
    worker = cls(
        [Queue(q, connection=conn) for q in (queues or (app.config["JOBS_QUEUE"],))],
        connection=conn, name=name, maintenance_interval=interval,
        worker_ttl=max(interval + 15, 30),
    )
    worker.work(burst=burst, with_scheduler=False)
