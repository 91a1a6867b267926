"""Badge batches: issuing and printing many badges as a job (``delegations.jobs``), with
the progress kept in the ``BadgeBatch`` row."""

from __future__ import annotations

import sqlalchemy as sa

from delegations import jobs
from delegations.db import db, utcnow
from delegations.models import Delegation, Forum, User

from .issue import issue_for_delegation, issued_badges
from .models import BadgeBatch
from .render import badges_pdf


def request_batch(forum: Forum, delegation: Delegation | None, actor: User | None) -> BadgeBatch:
    """A queued batch for one delegation or the whole forum (flushes; commit, then
    ``start``)."""
    batch = BadgeBatch(forum_id=forum.id, delegation_id=delegation.id if delegation else None,
                       requested_by_id=actor.id if actor is not None else None,
                       status="queued", stage="Waiting for a worker")
    db.session.add(batch)
    db.session.flush()
    return batch


def start(batch: BadgeBatch) -> str:
    """Hand a committed batch to the job queue; return the job id."""
    return jobs.enqueue(run_badge_batch, (batch.id,), on_failure=fail_badge_batch)


def _progress(batch: BadgeBatch, stage: str, step: bool = True) -> None:
    batch.stage = stage
    if step:
        batch.steps_done += 1
    db.session.commit()  # each step shows at once on the batch's page


def run_badge_batch(batch_id: int) -> None:
    """The job: issue every badge the delegations may have, then print cards and sheets."""
    batch = db.session.get(BadgeBatch, batch_id)
    if batch is None or batch.status == "done":
        return
    actor = db.session.get(User, batch.requested_by_id) if batch.requested_by_id else None
    delegations = [batch.delegation] if batch.delegation is not None else list(
        db.session.scalars(sa.select(Delegation).where(Delegation.forum_id == batch.forum_id)
                           .order_by(Delegation.name)))
    batch.status, batch.error = "running", ""
    batch.steps_done, batch.steps_total = 0, len(delegations) + 2
    _progress(batch, "Issuing badges", step=False)
    badges, skipped = [], []
    for d in delegations:
        result = issue_for_delegation(d, actor)
        skipped += [f"{d.name}: {line}" for line in result.skipped]
        badges += issued_badges(d)
        _progress(batch, f"Issued the badges of {d.name}")
    batch.badges = len(badges)
    batch.skipped = "\n".join(skipped)
    if not badges:
        batch.status, batch.stage, batch.finished_at = "done", "No badge to print", utcnow()
        db.session.commit()
        return
    batch.cards_pdf = badges_pdf(badges, "card")
    _progress(batch, "Printed the card PDF")
    batch.sheets_pdf = badges_pdf(badges, "sheet")
    batch.status, batch.finished_at = "done", utcnow()
    _progress(batch, "Done")


def fail_badge_batch(reason: str, batch_id: int) -> None:
    """The job failed for good: say so on the batch (the page shows why)."""
    db.session.rollback()
    batch = db.session.get(BadgeBatch, batch_id)
    if batch is not None:
        batch.status, batch.error, batch.finished_at = "failed", reason[:2000], utcnow()
        db.session.commit()
