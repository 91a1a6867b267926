"""Badge batches run as jobs (the in-process pool here; RQ runs the same function): the
coordinator asks for every delegation's badges, the page shows progress, the PDFs come out
with every QR code readable, and a failed job says why."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from delegations import jobs
from delegations.db import db
from delegations.models import BadgeType, Role
from schedule.badges.batches import fail_badge_batch, request_batch, run_badge_batch, start
from schedule.badges.models import Badge, BadgeBatch
from schedule.badges.tokens import make_token
from tests.badge_support import approved, decode_qr_codes, open_forum, pdf_pages_png
from tests.conftest import PASSWORD
from tests.jobs_support import (
    REDIS_URL,
    ROOT,
    forget_queue,
    redis_or_fail,
    unique_queue,
    worker_env,
)


def test_batch_for_every_delegation(app, client, make_forum, make_delegation, make_delegate,
                                    make_user, tmp_path):
    forum = open_forum(make_forum)
    for name, n in (("Freetown", 2), ("Montréal", 1), ("Kampala", 0)):
        d = make_delegation(forum, name=name)
        for i in range(n):
            approved(make_delegate, d, BadgeType.OBSERVER, given_names=f"{name} {i}")
        make_delegate(d, status="submitted", given_names=f"Pending {name}")
    make_user(Role.COORDINATOR, email="coord@example.org")
    db.session.commit()
    client.post("/login", data={"email": "coord@example.org", "password": PASSWORD})
    f = forum.short_name
    r = client.post(f"/{f}/badges/batches", data={"delegation_id": ""})
    assert r.status_code == 302 and "/badges/batches/" in r.headers["Location"]
    jobs.wait_idle(app)
    db.session.rollback()  # the test client shares the test's session: forget its copies
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Ready: 3 badges." in page
    assert "Kampala: Pending Kampala " in page and "the accreditation is submitted" in page
    assert 'http-equiv="refresh"' not in page  # finished: no more refreshing
    batch = db.session.scalars(sa.select(BadgeBatch)).one()
    assert (batch.status, batch.steps_done, batch.steps_total) == ("done", 5, 5)
    cards = client.get(f"/{f}/badges/batches/{batch.id}/badges.pdf?layout=card")
    assert cards.status_code == 200 and cards.mimetype == "application/pdf"
    pdf = tmp_path / "batch-cards.pdf"
    pdf.write_bytes(cards.data)
    decoded = [code for png in pdf_pages_png(pdf, tmp_path / "png", dpi=200)
               for code in decode_qr_codes(png)]
    expected = {make_token(b.id, b.version) for b in db.session.scalars(sa.select(Badge))}
    assert len(decoded) == 3 and set(decoded) == expected
    sheets = client.get(f"/{f}/badges/batches/{batch.id}/badges.pdf?layout=sheet")
    assert sheets.status_code == 200 and sheets.data.startswith(b"%PDF")
    # running the job again (a retry) issues nothing twice
    run_badge_batch(batch.id)
    assert db.session.scalar(sa.select(sa.func.count(Badge.id))) == 3


def test_a_failed_batch_says_why(app, client, make_forum, make_user):
    forum = open_forum(make_forum)
    coordinator = make_user(Role.COORDINATOR, email="coord@example.org")
    batch = request_batch(forum, None, coordinator)
    db.session.commit()
    fail_badge_batch("the worker running it stopped (killed or lost)", batch.id)
    client.post("/login", data={"email": "coord@example.org", "password": PASSWORD})
    page = client.get(f"/{forum.short_name}/badges/batches/{batch.id}").get_data(as_text=True)
    assert "Failed: the worker running it stopped" in page
    assert client.get(f"/{forum.short_name}/badges/batches/{batch.id}/badges.pdf"
                      ).status_code == 404


def test_batch_on_a_real_rq_worker(app, make_forum, make_delegation, make_delegate, make_user):
    conn = redis_or_fail()
    queue = unique_queue()
    app.config.update(REDIS_URL=REDIS_URL, JOBS_QUEUE=queue, JOBS_RETRIES=0)
    try:
        forum = open_forum(make_forum)
        d = make_delegation(forum, name="Freetown")
        approved(make_delegate, d, given_names="Yvonne", family_name="Aki-Sawyerr")
        batch = request_batch(forum, d, make_user(Role.COORDINATOR))
        db.session.commit()
        start(batch)
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
            cwd=ROOT, env=worker_env(app), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        db.session.rollback()
        batch = db.session.get(BadgeBatch, batch.id)
        assert batch.status == "done" and batch.badges == 1, batch.error
        assert batch.cards_pdf.startswith(b"%PDF") and batch.sheets_pdf.startswith(b"%PDF")
    finally:
        forget_queue(conn, queue)
