"""Command line: ``flask users create|list``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from . import protocol
from .auth import create_user
from .db import db
from .i18n import LANGUAGES, language
from .models import Delegate, Delegation, Forum, Role, User
from .participants import participants, participants_csv, participants_pdf
from .roster import RosterFilter, roster
from .spreadsheets import (
    FileProblem,
    apply_plan,
    check_rows,
    export_csv,
    export_xlsx,
    iter_table,
)

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


# --------------------------------------------------------------------------- roster

roster_cli = AppGroup("roster", help="Export and import the roster; the list of participants.")


def _forum(short: str | None) -> Any:
    short = short or current_app.config.get("DEFAULT_FORUM")
    if short:
        forum = db.session.scalar(sa.select(Forum).where(Forum.short_name == short))
        if forum is None:
            raise click.ClickException(f"No forum {short!r}.")
        return forum
    forums = db.session.scalars(sa.select(Forum)).all()
    if len(forums) != 1:
        names = ", ".join(f.short_name for f in forums) or "none"
        raise click.ClickException(f"Say which forum with --forum SHORT (forums: {names}).")
    return forums[0]


forum_option = click.option("--forum", "forum_short", help="Forum short name, e.g. IMRF2022.")


@roster_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@forum_option
def roster_export_command(file: Path, forum_short: str | None) -> None:
    """Write the roster to FILE (.csv or .xlsx), in the columns import reads."""
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise click.ClickException("FILE must end in .csv or .xlsx.")
    forum = _forum(forum_short)
    people = roster(forum, RosterFilter(sort="city"))
    file.write_bytes(export_csv(people) if suffix == ".csv" else export_xlsx(people))
    click.echo(f"Wrote {len(people)} delegates of {forum.short_name} to {file}")


@roster_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@forum_option
@click.option("--dry-run", is_flag=True, help="Check every row, write nothing.")
def roster_import_command(file: Path, forum_short: str | None, dry_run: bool) -> None:
    """Import delegates from FILE (.csv or .xlsx): all rows or none. Progress goes to
    stderr every 10,000 rows."""
    forum = _forum(forum_short)

    def progress(what: str) -> Callable[[int], None]:
        def report(n: int) -> None:
            if n and n % 10_000 == 0:
                click.echo(f"{what} {n:,} rows", err=True)
        return report

    try:
        plan = check_rows(forum, iter_table(file, file.name), progress("checked"))
    except FileProblem as e:
        raise click.ClickException(f"{file}: {e}") from e
    if plan.total == 0:
        raise click.ClickException(f"{file}: the file has a header row but no delegates.")
    if plan.error_count:
        for line, reason in plan.errors:
            click.echo(f"{file}:{line}: {reason}", err=True)
        raise click.ClickException(
            f"{plan.error_count} of {plan.total} rows have problems; nothing was imported.")
    if dry_run:
        click.echo(f"{file}: {plan.total} rows are valid ({plan.creates} new, "
                   f"{plan.updates} matching existing delegates). Nothing written (--dry-run).")
        return
    try:
        created, updated = apply_plan(forum, plan, None, file.name, progress("written"))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Imported {file} into {forum.short_name}: {created} added, {updated} updated, "
               f"{plan.total - created - updated} unchanged.")


@roster_cli.command("participants")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="FILE.pdf or FILE.csv")
@click.option("--provisional", is_flag=True,
              help="Include submitted nominations; every page says the list is provisional.")
@click.option("--lang", type=click.Choice(sorted(LANGUAGES)), default=None,
              help="Language of the list (words, country names, sort order) and of this "
                   "command's messages (default: the forum's).")
@forum_option
def roster_participants_command(out: Path, provisional: bool, lang: str | None,
                                forum_short: str | None) -> None:
    """Write the list of participants (protocol order) as PDF or CSV."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".pdf"):
        raise click.ClickException("--out must end in .pdf or .csv.")
    forum = _forum(forum_short)
    lang = lang or forum.language
    with language(lang):
        out.write_bytes(participants_pdf(forum, lang=lang, provisional=provisional)
                        if suffix == ".pdf" else participants_csv(forum, lang, provisional))
        groups = participants(forum, lang, provisional)
        for warning in protocol.warnings(groups):
            click.echo(_("Warning: %(warning)s", warning=warning), err=True)
        n = sum(g.count for g in groups)
        click.echo(ngettext(
            "Wrote the list of participants of %(forum)s (%(num)d person) to %(file)s",
            "Wrote the list of participants of %(forum)s (%(num)d people) to %(file)s",
            n, forum=forum.short_name, file=out))


def init_app(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(roster_cli)
