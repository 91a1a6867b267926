"""The job queue: the same job code on RQ (real Redis, real ``flask worker`` processes)
and in the in-process pool used when no REDIS_URL is configured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from delegations import jobs
from delegations.db import db
from tests import jobs_support
from tests.jobs_support import ROOT, forget_queue, redis_or_fail, unique_queue, worker_env


@pytest.fixture
def redis_app(app: Any) -> Any:
    conn = redis_or_fail()
    name = unique_queue()
    app.config.update(REDIS_URL=jobs_support.REDIS_URL, JOBS_QUEUE=name, JOBS_RETRIES=1)
    yield app
    forget_queue(conn, name)


def run_worker_burst(app: Any, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT, env=worker_env(app), capture_output=True, text=True, timeout=120)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_only_importable_functions_are_jobs(app: Any) -> None:
    def nested() -> None:
        pass

    with pytest.raises(ValueError, match="module-level"):
        jobs.submit(nested)
    with pytest.raises(ValueError, match="module-level"):
        jobs.submit(lambda: None)
    assert jobs.import_path(jobs_support.note) == "tests.jobs_support:note"


def test_in_process_pool_runs_jobs_in_an_app_context(app: Any, make_forum: Any,
                                                     tmp_path: Path) -> None:
    assert not jobs.uses_redis(app)
    make_forum(short_name="AAA")
    db.session.commit()  # jobs see committed rows only
    out = tmp_path / "notes.txt"
    ids = {jobs.submit(jobs_support.note, str(out), f"job{i}", suffix="!") for i in range(5)}
    jobs.wait_idle(app)
    assert len(ids) == 5
    assert sorted(lines(out)) == [f"job{i}!|forum-desk|AAA" for i in range(5)]


def test_in_process_failure_is_retried_then_reported(app: Any, tmp_path: Path) -> None:
    app.config["JOBS_RETRIES"] = 2
    out = tmp_path / "log.txt"
    jobs.enqueue(jobs_support.fail, (str(out), "x"), on_failure=jobs_support.failed)
    jobs.wait_idle(app)
    assert lines(out) == ["attempt x"] * 3 + ["gave up x: RuntimeError: cannot do x"]


def test_rq_worker_runs_jobs_with_the_app_configuration(redis_app: Any, make_forum: Any,
                                                        tmp_path: Path) -> None:
    make_forum(short_name="BBB")
    db.session.commit()
    out = tmp_path / "notes.txt"
    job_id = jobs.submit(jobs_support.note, str(out), "from redis")
    assert jobs.queue(redis_app).fetch_job(job_id) is not None
    assert not out.exists()  # queued, not run here
    done = run_worker_burst(redis_app, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert lines(out) == [f"from redis|{redis_app.config['JOBS_QUEUE']}|BBB"]
    assert jobs.queue(redis_app).fetch_job(job_id).get_status() == "finished"


def test_rq_failure_is_retried_then_reported(redis_app: Any, tmp_path: Path) -> None:
    out = tmp_path / "log.txt"
    jobs.enqueue(jobs_support.fail, (str(out), "y"), on_failure=jobs_support.failed)
    done = run_worker_burst(redis_app, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    # JOBS_RETRIES=1: two attempts, then the failure hook once
    assert lines(out) == ["attempt y", "attempt y", "gave up y: RuntimeError: cannot do y"]


def test_worker_command_needs_redis(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output
