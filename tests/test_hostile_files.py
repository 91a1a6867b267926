"""The hostile-file corpus (tests/hostile/, rebuilt by tests/hostile/build.py) through the
web upload and the command line: every file gets a clear message, a 4xx (never a 5xx),
exit 1 (never a traceback), nothing written, and bounded memory (tracemalloc for the web
request, the CLI process's own peak RSS from wait4)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from delegations.db import db
from delegations.models import Accreditation, ChangeLog, Delegate, Forum, Role
from schedule.forum_io import ForumFileError, import_forum
from tests.accr_support import follow_import, login_as, make_world

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "hostile"
LIMIT_MB = 200

# file -> (web status, words the message must contain)
TABLES = {
    "xfd1048576.xlsx": (400, "declares 1,048,576 rows"),
    "dimension-lies.xlsx": (400, "rows below row 100,001"),
    "no-dimension-far-cell.xlsx": (400, "rows below row 100,001"),
    "zip-bomb.xlsx": (400, "zip bomb"),
    "xml-entities.xlsx": (400, "declares a DOCTYPE or entities"),
    "truncated.xlsx": (400, "not a readable .xlsx"),
    "not-a-zip.xlsx": (400, "not a readable .xlsx"),
    "missing-sheet.xlsx": (400, "not a readable .xlsx"),
    "bad-xml.xlsx": (400, "not a readable .xlsx"),
    "old-xls.xlsx": (400, "not an Excel .xlsx file"),
    "utf32-bom.csv": (400, "NUL byte"),
    "double-bom.csv": (400, "missing: delegation"),
    "utf16-odd-bytes.csv": (400, "not UTF-16 text"),
    "latin1.csv": (400, "not UTF-8 text (first bad byte on line 2)"),
    "nul-bytes.csv": (400, "NUL byte"),
    "many-columns.csv": (400, "more than 100 columns"),
    "too-long-values.csv": (422, "family_name is 5,000 characters long; at most 200"),
    "line-break-name.csv": (422, "given_names contains a line break"),
    "unbalanced-quote.csv": (422, "contains a line break"),
    "huge-cell.csv": (400, "Line 2 is longer than 1,048,576 characters"),
    "huge-cell.xlsx": (400, "has a cell of 32,767 characters"),  # Excel caps cells
}
JSONS = {
    "deep.json": "nested deeper than 32 levels",
    "deep-parsable.json": "nested deeper than 32 levels",
    "huge-quota.json": "is too large (at most 15 digits)",
    "quota-over-int32.json": "out of range",
    "many-digits.json": "is too large",
    "nan.json": "NaN is not a JSON number",
    "float-overflow.json": "out of range",
    "title-line-break.json": "sessions[0].title: contains a line break",
    "not-json.json": "not UTF-8 text",
    "latin1.json": "not UTF-8 text",
}


def make_big(name: str, folder: Path) -> Path:
    """The 10 MB cell, made here so the repository stays small."""
    path = folder / name
    cell = "x" * (10 * 1024 * 1024)
    if name.endswith(".csv"):
        path.write_text("delegation,given_names,family_name,route,notes\n"
                        f"Freetown,Ada,Lovelace,own_authority,{cell}\n")
    else:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(["delegation", "given_names", "family_name", "route", "notes"])
        ws.append(["Freetown", "Ada", "Lovelace", "own_authority", cell])
        wb.save(path)
    return path


def corpus_file(name: str, tmp_path: Path) -> Path:
    return make_big(name, tmp_path) if name.startswith("huge-cell") else CORPUS / name


def written() -> tuple[int, int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (Delegate, Accreditation, ChangeLog, Forum))


# The process reports its own high-water mark (VmHWM) as it exits: rusage's maxrss would
# include the test process it was forked from.
CLI = """
import atexit, sys
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            sys.stderr.write("PEAK-KB " + line.split()[1] + "\\n")
atexit.register(hwm)
from flask.cli import main
sys.argv = ["flask", "--app", "wsgi", *sys.argv[1:]]
main()
"""


def run_cli(app, *args: str) -> tuple[int, str, float]:
    """Run ``flask ARGS`` as its own process; (exit code, output, peak RSS in MB)."""
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "PYTHONPATH": str(ROOT),
           "FLASK_SECRET_KEY": "cli-test"}
    proc = subprocess.run([sys.executable, "-c", CLI, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    peak = [int(line.split()[1]) for line in out.splitlines() if line.startswith("PEAK-KB ")]
    assert peak, out
    return proc.returncode, out, peak[-1] / 1024


@pytest.fixture
def world(make_forum, make_delegation):
    return make_world(make_forum, make_delegation)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_hostile_table_through_the_web(name, client, make_user, world, app, tmp_path):
    login_as(client, make_user, Role.COORDINATOR)
    path = corpus_file(name, tmp_path)
    status, words = TABLES[name]
    before = written()
    tracemalloc.start()
    try:
        r = follow_import(client, client.post(
            f"/{world.forum.short_name}/roster/import",
            data={"file": (io.BytesIO(path.read_bytes()), name)},
            content_type="multipart/form-data"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    page = r.get_data(as_text=True)
    assert r.status_code == status, page[-2000:]
    assert words in page.replace("&#34;", '"').replace("&#39;", "'")
    db.session.rollback()
    assert written() == before
    if status == 400:  # refused at the upload: the file is not kept
        assert not list((Path(app.config["UPLOAD_FOLDER"]) / "imports").glob("*.*"))
    # the request's own allocations, beyond the uploaded bytes the test holds itself
    assert peak / 2**20 < LIMIT_MB, f"{name}: {peak / 2**20:.0f} MB"
    print(f"web {name}: {r.status_code}, peak {peak / 2**20:.1f} MB")


@pytest.mark.parametrize("name", sorted(TABLES))
def test_hostile_table_through_the_cli_in_process(name, app, runner, world, tmp_path):
    path = corpus_file(name, tmp_path)
    _, words = TABLES[name]
    db.session.commit()
    before = written()
    tracemalloc.start()
    try:
        result = runner.invoke(args=["roster", "import", str(path), "--forum", "IMRF"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert words in result.output
    db.session.rollback()
    assert written() == before
    assert peak / 2**20 < LIMIT_MB


# each in its own process (about 3 s each): the files that used to exhaust memory
@pytest.mark.parametrize("name", ["xfd1048576.xlsx", "dimension-lies.xlsx", "zip-bomb.xlsx",
                                  "xml-entities.xlsx", "huge-cell.csv", "too-long-values.csv"])
def test_hostile_table_through_the_cli(name, app, world, tmp_path):
    path = corpus_file(name, tmp_path)
    _, words = TABLES[name]
    db.session.commit()
    before = written()
    code, out, rss = run_cli(app, "roster", "import", str(path), "--forum", "IMRF")
    assert code == 1, out
    assert "Traceback" not in out
    assert words in out
    db.session.rollback()
    assert written() == before
    assert rss < LIMIT_MB, f"{name}: CLI peak RSS {rss:.0f} MB"
    print(f"cli {name}: exit {code}, peak RSS {rss:.0f} MB")


@pytest.mark.parametrize("name", sorted(JSONS))
def test_hostile_forum_json_in_process(name, app):
    before = written()
    tracemalloc.start()
    try:
        with pytest.raises(ForumFileError) as e:
            import_forum((CORPUS / name).read_bytes())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    db.session.rollback()
    assert any(JSONS[name] in p for p in e.value.problems), e.value.problems
    assert written() == before
    assert peak / 2**20 < LIMIT_MB


@pytest.mark.parametrize("name", ["deep.json", "huge-quota.json", "title-line-break.json"])
def test_hostile_forum_json_through_the_cli(name, app):
    before = written()
    code, out, rss = run_cli(app, "forum", "import", str(CORPUS / name))
    assert code == 1, out
    assert "Traceback" not in out and "nothing was imported" in out
    assert JSONS[name] in out
    assert written() == before
    assert rss < LIMIT_MB
    print(f"cli {name}: exit {code}, peak RSS {rss:.0f} MB")
