"""Roster imports as jobs: 20,000 rows through the web, followed on the job's page from the
upload to the end; and a worker killed in the middle of the write leaves nothing written."""

from __future__ import annotations

import io
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g

from delegations.db import db
from delegations.models import Accreditation, ChangeLog, Delegate, ImportJob, Role
from tests.accr_support import csv_bytes, generated_rows, login_as, make_world

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(make_forum, make_delegation):
    return make_world(make_forum, make_delegation)


def counts() -> tuple[int, int, int]:
    db.session.rollback()
    return (db.session.scalar(sa.select(sa.func.count(Delegate.id))),
            db.session.scalar(sa.select(sa.func.count(Accreditation.id))),
            db.session.scalar(sa.select(sa.func.count(ChangeLog.id))))


def watch(client, url: str, timeout: float = 300) -> tuple[list[tuple[str, int]], str, int]:
    """Reload the job's page until it stops asking to be reloaded; what it showed."""
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + timeout
    while True:
        assert time.monotonic() < deadline, f"the job did not finish: {seen[-3:]}"
        db.session.rollback()
        g.pop("_login_user", None)
        r = client.get(url)
        page = r.get_data(as_text=True)
        live = re.search(r'data-state="(\w+)" data-done="(\d+)"', page)
        if live:
            seen.append((live.group(1), int(live.group(2))))
        if "Refresh" not in r.headers:
            return seen, page, r.status_code
        time.sleep(0.05)


def reported(caplog, state: str) -> list[int]:
    """The progress the job reported (what its page shows while it runs), in order."""
    return [int(m.group(1)) for rec in caplog.records
            if (m := re.search(rf"import job \d+: {state} (\d+) rows", rec.getMessage()))]


def test_20000_rows_through_the_web_as_a_job(client, make_user, world, caplog):
    caplog.set_level(logging.INFO, logger="delegations.roster_jobs")
    login_as(client, make_user, Role.COORDINATOR)
    data = csv_bytes(generated_rows(20_000))
    r = client.post(f"/{world.forum.short_name}/roster/import",
                    data={"file": (io.BytesIO(data), "cop.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 303  # the request only stores the file and starts the job
    job_url = r.headers["Location"]
    seen, page, code = watch(client, job_url)
    assert code == 200 and "All 20,000 rows are valid: 20,000 new delegates" in page
    assert seen, "the page never showed the job running"
    checking = reported(caplog, "checking")
    assert checking[:3] == [1000, 2000, 3000] and checking[-1] == 20_000, checking
    assert counts()[0] == 0  # nothing written before the confirmation

    confirm = re.search(r'action="([^"]*/confirm)"', page).group(1)
    g.pop("_login_user", None)
    r = client.post(confirm)
    assert r.status_code == 303 and r.headers["Location"].endswith(job_url)
    seen, page, code = watch(client, job_url)
    shown = [done for state, done in seen if state == "writing" and done]
    assert shown == sorted(shown), seen  # what the page showed only goes forward
    writing = reported(caplog, "writing")
    assert writing == sorted(writing) and any(0 < n < 20_000 for n in writing), writing
    assert "Imported cop.csv: 20,000 delegates added, 0 updated, 0 unchanged." in page
    assert counts()[:2] == (20_000, 20_000)
    job = db.session.scalars(sa.select(ImportJob)).one()
    assert (job.state, job.created, job.done_rows) == ("done", 20_000, 20_000)


WORKER = """
import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
from delegations import create_app
from delegations.roster_jobs import run_import_write
app = create_app()
with app.app_context():
    run_import_write(int(sys.argv[1]))
"""


def test_a_worker_killed_mid_write_leaves_nothing_written(app, world, make_user, tmp_path):
    user = make_user(Role.COORDINATOR)
    folder = Path(app.config["UPLOAD_FOLDER"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kill.csv").write_bytes(csv_bytes(generated_rows(20_000)))
    job = ImportJob(forum_id=world.forum.id, user_id=user.id, filename="kill.csv",
                    stored_name="kill.csv", state="queued")
    db.session.add(job)
    db.session.commit()
    before = counts()
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "PYTHONPATH": str(ROOT),
           "FLASK_SECRET_KEY": "kill-test", "FLASK_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]}
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(job.id)], cwd=ROOT, env=env,
                              stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in worker.stderr:  # type: ignore[union-attr]
            lines.append(line)
            found = re.search(r"writing (\d+) rows", line)
            if found and 0 < int(found.group(1)) < 20_000:
                os.kill(worker.pid, signal.SIGKILL)  # mid-write: rows sent, no commit yet
                break
        else:
            pytest.fail("the worker never reported writing: " + "".join(lines[-20:]))
    finally:
        worker.kill()
        worker.wait(30)
    assert worker.returncode == -signal.SIGKILL
    assert counts() == before  # not one delegate, accreditation or history entry
    db.session.rollback()
    state = db.session.scalar(sa.select(ImportJob.state).where(ImportJob.id == job.id))
    assert state in ("writing", "queued")  # the row says where it died; no "done"
