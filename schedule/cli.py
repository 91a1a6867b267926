"""Command line of the programme: ``flask forum``, ``flask schedule``, ``flask calendar``,
``flask books``."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from delegations.auth import create_user, set_password
from delegations.db import db
from delegations.i18n import LANGUAGES, language
from delegations.models import Delegate, Delegation, Forum, Role, User
from delegations.safejson import MAX_BYTES as MAX_JSON_BYTES

from . import briefing
from . import clashes as clash_mod
from .calendars import feed_bytes
from .forum_io import ForumFileError, export_forum, import_forum
from .models import Session

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
            set_password(user, pw)
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
        if file.stat().st_size > MAX_JSON_BYTES:  # before reading it into memory
            raise ForumFileError([f"(file): the file is {file.stat().st_size // 2**20} MB; "
                                  f"the limit is {MAX_JSON_BYTES // 2**20} MB"])
        forum = import_forum(file.read_bytes())
    except ForumFileError as e:
        db.session.rollback()
        click.echo(f"{file}: {len(e.problems)} problem(s); nothing was imported.", err=True)
        for p in e.problems:
            click.echo(f"  {p}", err=True)
        raise SystemExit(1) from e
    db.session.commit()
    click.echo(f"Imported {forum.short_name}: {len(forum.delegations)} delegations.")


schedule_cli = AppGroup("schedule", help="The programme: clashes.")


@schedule_cli.command("clashes")
@click.option("--forum", "short", help="Forum short name (default: every forum).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def clashes_command(short: str | None, as_json: bool) -> None:
    """Print every clash of a forum (or of all forums)."""
    q = sa.select(Forum).order_by(Forum.start_date)
    if short:
        q = q.where(Forum.short_name == short)
    forums = db.session.scalars(q).all()
    if short and not forums:
        raise click.ClickException(f"no forum called {short!r}")
    found = [(f, c) for f in forums for c in clash_mod.forum_clashes(f)]
    totals = clash_mod.counts(c for _, c in found)
    if as_json:
        click.echo(json.dumps([c.to_dict() | ({} if short else {"forum": f.short_name})
                               for f, c in found], indent=2, ensure_ascii=False))
    else:
        for f, c in found:
            click.echo(f"[{f.short_name}] {c.severity.value.upper():7} {c.kind.value}: "
                       f"{c.message}")
        click.echo(f"{totals['error']} error(s), {totals['warning']} warning(s)")
    if totals["error"]:  # so that a script can gate on it; warnings alone pass
        raise SystemExit(1)


calendar_cli = AppGroup("calendar", help="Export iCalendar feeds.")
books_cli = AppGroup("books", help="Build briefing books.")


def _one_forum(short: str | None) -> Forum:
    q = sa.select(Forum)
    if short:
        q = q.where(Forum.short_name == short)
    found = db.session.scalars(q).all()
    if len(found) != 1:
        raise click.ClickException(
            f"no forum {short!r}" if short else "name the forum with --forum SHORT")
    return found[0]


def _delegation_by_name(name: str, short: str | None) -> Delegation:
    q = sa.select(Delegation).where(Delegation.name == name)
    if short:
        q = q.join(Forum).where(Forum.short_name == short)
    found = db.session.scalars(q).all()
    if len(found) != 1:
        raise click.ClickException(
            f"no delegation named {name!r}" if not found else
            f"{len(found)} delegations are named {name!r}: add --forum SHORT")
    return found[0]


def _delegate_by_email(email: str, short: str | None) -> Delegate:
    q = sa.select(Delegate).where(sa.func.lower(Delegate.email) == email.strip().lower())
    if short:
        q = q.join(Delegation).join(Forum).where(Forum.short_name == short)
    found = db.session.scalars(q).all()
    if len(found) != 1:
        raise click.ClickException(
            f"no delegate with e-mail {email!r}" if not found else
            f"{len(found)} delegates have e-mail {email!r}: add --forum SHORT")
    return found[0]


@calendar_cli.command("export")
@click.option("--forum", "short", help="The whole forum's public programme (forum SHORT name).")
@click.option("--delegation", "delegation_name", help="One delegation, by name.")
@click.option("--delegate", "delegate_email", help="One delegate, by e-mail.")
@click.option("--session", "session_id", type=int, help="One session, by id.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def calendar_export_command(short: str | None, delegation_name: str | None,
                   delegate_email: str | None, session_id: int | None, out: Path) -> None:
    """Write a feed to FILE.ics: the same bytes as the web feed but for DTSTAMP."""
    chosen = [x for x in (delegation_name, delegate_email, session_id) if x is not None]
    if len(chosen) > 1 or (not chosen and not short):
        raise click.UsageError(
            "give one of --forum SHORT, --delegation NAME, --delegate EMAIL, --session ID")
    if delegation_name is not None:
        d = _delegation_by_name(delegation_name, short)
        data, _, _ = feed_bytes(d.forum, delegation=d)
    elif delegate_email is not None:
        p = _delegate_by_email(delegate_email, short)
        data, _, _ = feed_bytes(p.delegation.forum, delegate=p)
    elif session_id is not None:
        s = db.session.get(Session, session_id)
        if s is None or (short and s.forum.short_name != short):
            raise click.ClickException(f"no session {session_id}")
        if s.private:
            raise click.ClickException(
                f"session {session_id} is private: export the feed of a delegate in it")
        data, _, _ = feed_bytes(s.forum, session_id=s.id)
    else:
        f = _one_forum(short)
        data, _, _ = feed_bytes(f)
    try:
        out.write_bytes(data)
    except OSError as e:
        raise click.ClickException(f"cannot write {out}: {e.strerror or e}") from None
    click.echo(f"Wrote {data.count(b'BEGIN:VEVENT')} events to {out}")


@books_cli.command("build")
@click.option("--delegation", "delegation_name", help="One delegation's book, by name.")
@click.option("--delegate", "delegate_email", help="One delegate's book, by e-mail.")
@click.option("--all", "everything", is_flag=True,
              help="Every delegation's book and every delegate's book.")
@click.option("--forum", "short", help="Limit to this forum (forum SHORT name).")
@click.option("--paper", type=click.Choice(["A4", "Letter"], case_sensitive=False),
              default="A4", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--lang", type=click.Choice(sorted(LANGUAGES)), default=None,
              help="Print every book in this language (default: each delegate's own).")
def books_build_command(delegation_name: str | None, delegate_email: str | None, everything: bool,
                  short: str | None, paper: str, out: Path, lang: str | None) -> None:
    """Build briefing books into DIR (stored editions are reused when nothing changed)."""
    if sum(bool(x) for x in (delegation_name, delegate_email, everything)) != 1:
        raise click.UsageError("give one of --delegation NAME, --delegate EMAIL, --all")
    out.mkdir(parents=True, exist_ok=True)
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost/"
    jobs: list[tuple[Forum, dict[str, Any]]] = []
    if delegation_name:
        d = _delegation_by_name(delegation_name, short)
        jobs.append((d.forum, {"delegation": d}))
    elif delegate_email:
        p = _delegate_by_email(delegate_email, short)
        jobs.append((p.delegation.forum, {"delegate": p}))
    else:
        q = sa.select(Delegation).order_by(Delegation.forum_id, Delegation.name)
        if short:
            q = q.join(Forum).where(Forum.short_name == short)
        for d in db.session.scalars(q):
            jobs.append((d.forum, {"delegation": d}))
            for p in d.delegates:
                jobs.append((d.forum, {"delegate": p}))
    written = 0
    with current_app.test_request_context("/", base_url=base), language(lang or "en"):
        with click.progressbar(jobs, label=_("Briefing books"), show_pos=True,
                               hidden=not everything) as bar:
            for forum, owner in bar:
                book = briefing.current_edition(forum, paper=paper, lang=lang, **owner)
                db.session.commit()
                (out / book.filename).write_bytes(book.edition.pdf)
                written += 1
        click.echo(ngettext("Wrote %(num)d briefing book to %(folder)s",
                            "Wrote %(num)d briefing books to %(folder)s", written, folder=out))


def init_app(app: Flask) -> None:
    app.cli.add_command(forum_cli)
    app.cli.add_command(schedule_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(books_cli)
