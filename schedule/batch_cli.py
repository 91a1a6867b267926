"""``flask books batch``: queue a batch of briefing books, optionally wait for it."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from delegations import jobs
from delegations.db import db

from . import batch_service as service
from .book_batches import BookBatch
from .cli import _delegation_by_name, _one_forum


@click.command("batch")
@click.option("--forum", "short", required=True, help="The forum (its SHORT name).")
@click.option("--delegation", "delegation_name", help="Only this delegation's delegates.")
@click.option("--delegation-books", is_flag=True,
              help="Also each delegation's own book (besides one per delegate).")
@click.option("--paper", type=click.Choice(["A4", "Letter"], case_sensitive=False),
              default="A4", show_default=True)
@click.option("--wait", is_flag=True, help="Print progress until the batch is finished.")
def batch_command(short: str, delegation_name: str | None, delegation_books: bool,
                  paper: str, wait: bool) -> None:
    """Queue one briefing book per delegate of a forum (or of one delegation). Books whose
    content did not change keep their edition. Ends with `N done, M failed`."""
    forum = _one_forum(short)
    delegation = _delegation_by_name(delegation_name, short) if delegation_name else None
    people = service.forum_delegates(forum, delegation)
    groups = ([delegation] if delegation is not None else list(forum.delegations)) \
        if delegation_books else []
    title = f"{delegation.name} delegation" if delegation else f"Whole forum: {forum.short_name}"
    try:
        batch = service.start_batch(forum, actor=None, title=title, delegates=people,
                                    delegations=groups, paper=paper)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    batch_id = batch.id
    service.queue_batch(batch_id)
    where = "on the job queue" if jobs.uses_redis() else "in this process"
    click.echo(f"Batch {batch_id}: {batch.total} book(s) queued {where}.")
    if not wait and jobs.uses_redis():
        return
    if not jobs.uses_redis():
        click.echo("No REDIS_URL: making the books here, waiting for them.")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    last = None
    while True:
        db.session.rollback()
        b = db.session.get(BookBatch, batch_id)
        assert b is not None
        db.session.refresh(b)
        p = service.progress(b)
        line = f"{p.done} done, {p.failed} failed, {p.remaining} to go ({p.percent}%)"
        if line != last:
            click.echo(line)
            last = line
        if b.state != "running":
            break
        if not jobs.uses_redis():
            jobs.wait_idle(app, timeout=2)
        else:
            time.sleep(2)
    for item in service.items(b, service.ItemStatus.FAILED):
        who = item.delegate.display_name if item.delegate else item.delegation.name
        click.echo(f"failed: {who}: {item.reason}", err=True)
    click.echo(f"{p.done} done, {p.failed} failed")
    if p.failed:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    group = app.cli.commands.get("books")
    if group is None:
        group = AppGroup("books", help="Build briefing books.")
        app.cli.add_command(group)
    group.add_command(batch_command)  # type: ignore[attr-defined]
