"""Command line: ``flask forum demo|export|import``."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from delegations.auth import create_user, hash_password
from delegations.db import db
from delegations.models import Delegate, Delegation, Forum, Role, User

from .forum_io import ForumFileError, export_forum, import_forum

forum_cli = AppGroup("forum", help="Load, export and import whole forums.")

DEMO_FILE = Path(__file__).parent / "demo" / "imrf-2022.json"
DEMO_SHORT = "IMRF2022"
DEMO_LOGINS = (
    ("coordinator@demo.forumdesk.example", Role.COORDINATOR, None, None),
    ("focal.freetown@demo.forumdesk.example", Role.FOCAL_POINT, "Freetown", None),
    ("delegate@demo.forumdesk.example", Role.DELEGATE, None, "yvonne.aki-sawyerr@demo.forumdesk.example"),
    ("desk@demo.forumdesk.example", Role.DESK, None, None),
)


def load_demo() -> tuple[Forum, bool]:
    """Load the IMRF 2022 demo forum unless it is there already. Flushes only."""
    forum = db.session.scalar(sa.select(Forum).where(Forum.short_name == DEMO_SHORT))
    if forum is not None:
        return forum, False
    return import_forum(DEMO_FILE.read_bytes()), True


def demo_logins(forum: Forum, password: str | None = None) -> list[tuple[str, str, str]]:
    """Create (or reset) the demo users; return (email, role, password)."""
    out = []
    for email, role, delegation_name, delegate_email in DEMO_LOGINS:
        pw = password or secrets.token_urlsafe(9)
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            user.password_hash = hash_password(pw)
        else:
            delegation_id = delegate_id = None
            if delegation_name:
                delegation_id = db.session.scalar(sa.select(Delegation.id).where(
                    Delegation.forum_id == forum.id, Delegation.name == delegation_name))
            if delegate_email:
                delegate_id = db.session.scalar(
                    sa.select(Delegate.id).join(Delegation).where(
                        Delegation.forum_id == forum.id, Delegate.email == delegate_email))
            create_user(email, pw, role, delegation_id=delegation_id, delegate_id=delegate_id)
        out.append((email, role.value, pw))
    return out


@forum_cli.command("demo")
@click.option("--password", help="Use this password for the demo users (default: random).")
def demo_command(password: str | None) -> None:
    """Load the IMRF 2022 demo forum (once) and print the demo logins."""
    forum, created = load_demo()
    logins = demo_logins(forum, password)
    db.session.commit()
    if created:
        click.echo(f"Loaded the demo forum: {forum.name} ({forum.short_name}).")
    else:
        click.echo(f"The demo forum {forum.short_name} is loaded already; demo passwords reset.")
    click.echo("Demo logins (demo data; change or delete them before real use):")
    for email, role, pw in logins:
        click.echo(f"  {role:12} {email:42} password: {pw}")


@forum_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--forum", "short", help="Forum short name (default: the only forum).")
def export_command(file: Path, short: str | None) -> None:
    """Write a whole forum to FILE.json."""
    q = sa.select(Forum)
    if short:
        q = q.where(Forum.short_name == short)
    forums = db.session.scalars(q).all()
    if len(forums) != 1:
        names = ", ".join(f.short_name for f in db.session.scalars(sa.select(Forum)))
        raise click.ClickException(
            f"name one forum with --forum (forums here: {names or 'none'})")
    file.write_bytes(export_forum(forums[0]))
    click.echo(f"Wrote {forums[0].short_name} to {file}")


@forum_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Read a whole forum from FILE.json; nothing is written unless all of it is valid."""
    try:
        forum = import_forum(file.read_bytes())
    except ForumFileError as e:
        db.session.rollback()
        click.echo(f"{file}: {len(e.problems)} problem(s); nothing was imported.", err=True)
        for p in e.problems:
            click.echo(f"  {p}", err=True)
        raise SystemExit(1) from e
    db.session.commit()
    click.echo(f"Imported {forum.short_name}: {len(forum.delegations)} delegations.")


def init_app(app: Flask) -> None:
    app.cli.add_command(forum_cli)
