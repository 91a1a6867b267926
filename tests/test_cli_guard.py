"""Every `flask` command on a database that is not set up says in one line what to run,
and bad names, files and options get one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from delegations.app import create_app
from delegations.cli_guard import UNGUARDED
from delegations.db import alembic, db
from tests.conftest import base_config


def leaves(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from leaves(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


@pytest.fixture
def fresh_app(tmp_path: Path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'fresh.sqlite'}", tmp_path))
    yield app
    with app.app_context():
        db.engine.dispose()


def one_line_error(output: str) -> str:
    lines = [x for x in output.splitlines() if x.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: ") and "Traceback" not in output, output
    return lines[0]


def test_every_command_is_guarded(fresh_app) -> None:
    names = []
    for path, cmd in leaves(fresh_app.cli):
        if path[0] in UNGUARDED:
            continue
        names.append(" ".join(path))
        assert getattr(cmd.callback, "forum_desk_guarded", False), path
    assert {"calendar export", "forum import", "users list", "books build"} <= set(names)


def test_unmigrated_database_says_run_db_upgrade(fresh_app, tmp_path: Path) -> None:
    runner = fresh_app.test_cli_runner()
    src = tmp_path / "in.json"
    src.write_text("{}")
    calls = [
        ["calendar", "export", "--forum", "X", "--out", str(tmp_path / "x.ics")],
        ["users", "list"],
        ["forum", "demo"],
        ["forum", "import", str(src)],
        ["schedule", "clashes"],
        ["roster", "export", str(tmp_path / "r.csv")],
        ["books", "build", "--all", "--out", str(tmp_path / "books")],
    ]
    for args in calls:
        r = runner.invoke(args=args)
        assert r.exit_code == 1, (args, r.output)
        assert one_line_error(r.output) == (
            "Error: The database is not set up yet: run `flask db upgrade` first."), args


def test_database_missing_a_migration_says_run_db_upgrade(fresh_app, tmp_path: Path) -> None:
    with fresh_app.app_context():
        heads = [r.revision for r in alembic.heads()]
        first = alembic.log()[-1].revision  # the oldest migration
        alembic.upgrade(first)
    runner = fresh_app.test_cli_runner()
    r = runner.invoke(args=["users", "list"])
    if heads == [first]:
        pytest.fail("needs at least two migrations to test a missing one")
    line = one_line_error(r.output)
    assert f"at migration {first}" in line and "run `flask db upgrade`" in line


def test_missing_things_and_bad_options_give_one_line(app, runner, tmp_path: Path) -> None:
    out = str(tmp_path / "x.ics")
    cases = {
        ("calendar", "export", "--forum", "NOPE", "--out", out): "no forum 'NOPE'",
        ("calendar", "export", "--delegation", "Nope", "--out", out): "no delegation",
        ("calendar", "export", "--delegate", "a@b.c", "--out", out): "no delegate",
        ("calendar", "export", "--session", "99", "--out", out): "no session 99",
        ("calendar", "export", "--session", "abc", "--out", out): "not a valid integer",
        ("forum", "import", str(tmp_path / "none.json")): "does not exist",
        ("books", "build", "--delegation", "Nope", "--out", str(tmp_path)): "no delegation",
    }
    for args, needle in cases.items():
        r = runner.invoke(args=list(args))
        assert r.exit_code != 0 and needle in r.output, (args, r.output)
        assert "Traceback" not in r.output and r.exception is None or \
            isinstance(r.exception, SystemExit), (args, r.exception)
