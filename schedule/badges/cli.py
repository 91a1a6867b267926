"""``flask badges build`` (card PDF and A4 sheets for a delegation) and
``flask badges check-in`` (the desk's rule, from a terminal)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from delegations.db import db
from delegations.models import Delegation, Forum

from ..models import Session
from .checkin import check_in
from .issue import issue_for_delegation, issued_badges
from .render import file_stem, write_pdfs
from .tokens import read_token

badges_cli = AppGroup("badges", help="Print badges and check them in.")


def _forum(short: str | None) -> Forum:
    q = sa.select(Forum)
    if short:
        q = q.where(Forum.short_name == short)
    forums = db.session.scalars(q).all()
    if len(forums) != 1:
        names = ", ".join(f.short_name for f in db.session.scalars(sa.select(Forum)))
        raise click.ClickException(f"name one forum with --forum (forums here: {names or 'none'})")
    return forums[0]


@badges_cli.command("build")
@click.option("--delegation", "name", required=True, help="The delegation's name.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--forum", "short", help="Forum short name (default: the only forum).")
def build_command(name: str, out: Path, short: str | None) -> None:
    """Issue the delegation's badges (approved accreditations only) and write one PDF of
    card-size badges and one of A4 sheets into OUT."""
    forum = _forum(short)
    delegation = db.session.scalar(sa.select(Delegation).where(
        Delegation.forum_id == forum.id, sa.func.lower(Delegation.name) == name.strip().lower()))
    if delegation is None:
        raise click.ClickException(f"no delegation {name!r} in {forum.short_name}")
    result = issue_for_delegation(delegation, None)
    db.session.commit()
    for line in result.skipped:
        click.echo(f"skipped {line}", err=True)
    badges = issued_badges(delegation)
    if not badges:
        raise click.ClickException(f"{delegation.name}: no approved accreditation to badge")
    for path in write_pdfs(badges, out, file_stem(forum.short_name, delegation.name)):
        click.echo(f"Wrote {path}")
    click.echo(f"{len(badges)} badge(s) for {delegation.name}.")


@badges_cli.command("check-in")
@click.argument("token")
@click.option("--session", "session_id", type=int,
              help="Record entry to this session (default: collection at the pass office).")
def check_in_command(token: str, session_id: int | None) -> None:
    """Check a badge number in, as the desk page does; exit 1 when refused."""
    read = read_token(token)
    forum = None
    if read is not None:
        from .models import Badge

        badge = db.session.get(Badge, read[0])
        forum = badge.accreditation.forum if badge is not None else None
    if forum is None:
        forum = db.session.scalars(sa.select(Forum)).first()
    if forum is None:
        raise click.ClickException("no forum here")
    session = db.session.get(Session, session_id) if session_id else None
    if session_id and session is None:
        raise click.ClickException(f"no session {session_id}")
    verdict = check_in(token, forum, None, session=session, source="cli")
    db.session.commit()
    person = verdict.person
    if person is not None:
        acc = person.accreditation
        click.echo(f"{person.full_name} · {person.delegation.name} · "
                   f"{acc.badge_type.label if acc and acc.badge_type else 'no badge type'} · "
                   f"{acc.status.label if acc else ''}")
    click.echo(("VALID: " if verdict.ok else "REFUSED: ") + verdict.message)
    if not verdict.ok:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(badges_cli)
