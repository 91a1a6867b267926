"""Command line: ``flask users create|list``."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from .auth import create_user
from .db import db
from .models import Delegate, Delegation, Role, User

users = AppGroup("users", help="Manage user accounts.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--delegation", "delegation_name", help="Delegation of a focal point (its name).")
@click.option("--delegate", "delegate_email", help="Delegate record of a delegate user (e-mail).")
@click.option("--forum", "forum_short", help="Forum short name, when names repeat across forums.")
def create_command(
    email: str,
    role: str,
    delegation_name: str | None,
    delegate_email: str | None,
    forum_short: str | None,
) -> None:
    """Create a user; the password is read from a prompt, or from stdin when piped."""
    from .models import Forum

    delegation_id = delegate_id = None
    if delegation_name:
        q = sa.select(Delegation).where(Delegation.name == delegation_name)
        if forum_short:
            q = q.join(Forum).where(Forum.short_name == forum_short)
        found = db.session.scalars(q).all()
        if len(found) != 1:
            raise click.ClickException(
                f"{len(found)} delegations are named {delegation_name!r}"
                + ("; add --forum SHORT" if found else "")
            )
        delegation_id = found[0].id
    if delegate_email:
        found_d = db.session.scalars(
            sa.select(Delegate).where(sa.func.lower(Delegate.email) == delegate_email.lower())
        ).all()
        if len(found_d) != 1:
            raise click.ClickException(f"{len(found_d)} delegates have e-mail {delegate_email}")
        delegate_id = found_d[0].id
    password = _read_password()
    try:
        user = create_user(email, password, Role(role),
                           delegation_id=delegation_id, delegate_id=delegate_id)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}")


@users.command("list")
def list_command() -> None:
    """List users with their role and delegation."""
    rows = db.session.scalars(sa.select(User).order_by(User.role, User.email)).all()
    for u in rows:
        scope = ""
        if u.delegation is not None:
            scope = f"delegation: {u.delegation.name}"
        elif u.delegate is not None:
            scope = f"delegate: {u.delegate.full_name} ({u.delegate.delegation.name})"
        click.echo(f"{u.email:40} {u.role.value:12} {'active' if u.active else 'inactive':9}"
                   f" {scope}")
    if not rows:
        click.echo("No users yet. Create one with: flask users create EMAIL --role coordinator")


def init_app(app: Flask) -> None:
    app.cli.add_command(users)
