"""Spreadsheet round trip: import with a preview, all-or-nothing, every bad row
named with its line; export then import changes nothing; Unicode; bad files; CSV injection."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from delegations.db import db
from delegations.models import (
    Accreditation,
    AccreditationStatus,
    ChangeLog,
    Delegate,
    Role,
)
from delegations.roster import RosterFilter, roster
from delegations.spreadsheets import (
    FileProblem,
    check_rows,
    export_csv,
    export_xlsx,
    read_table,
)
from tests.accr_support import (
    csv_bytes,
    follow_import,
    generated_rows,
    login_as,
    make_world,
    row,
)


@pytest.fixture
def world(make_forum, make_delegation):
    return make_world(make_forum, make_delegation)


def count_delegates() -> int:
    return db.session.scalar(sa.select(sa.func.count(Delegate.id)))


def upload(client, forum, data: bytes, name: str):
    return client.post(f"/{forum.short_name}/roster/import",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_500_rows_with_3_bad_then_fixed(client, make_user, world, app):
    login_as(client, make_user, Role.COORDINATOR)
    rows = generated_rows(500)
    # data rows start on line 2 (line 1 is the header): row i is on line i + 2
    rows[49]["email"] = "not-an-email"                   # line 51
    rows[200]["delegation"] = "Atlantis"                 # line 202 (no country: cannot
    rows[200]["country"] = ""                            # be created)
    rows[401]["arrival_date"] = "31/02/2022x"            # line 403
    r = follow_import(client, upload(client, world.forum, csv_bytes(rows), "roster.csv"))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "3 of 500 rows have problems." in page and "Nothing was imported." in page
    for line, reason in ((51, "is not an e-mail address"),
                         (202, "unknown delegation \u201cAtlantis\u201d"),
                         (403, "arrival_date \u201c31/02/2022x\u201d is not a date")):
        assert f'<td class="num">{line}</td>' in page
        assert reason in page
    assert "/confirm" not in page  # no way to confirm a bad file
    assert count_delegates() == 0

    plan = check_rows(world.forum, read_table(csv_bytes(rows), "roster.csv"))
    assert [line for line, _ in plan.errors] == [51, 202, 403]

    rows[49]["email"] = "person49@example.org"
    rows[200]["delegation"] = "Niš"
    rows[200]["country"] = "RS"
    rows[401]["arrival_date"] = "2022-05-15"
    r = follow_import(client, upload(client, world.forum, csv_bytes(rows), "roster.csv"))
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "All 500 rows are valid: 500 new delegates" in page
    assert count_delegates() == 0  # still nothing before confirming
    confirm = re.search(r'action="([^"]*/confirm)"', page).group(1)

    commits = []

    def on_commit(conn):
        commits.append(1)

    sa.event.listen(db.engine, "commit", on_commit)
    try:
        r = follow_import(client, client.post(confirm))
    finally:
        sa.event.remove(db.engine, "commit", on_commit)
    assert "Imported roster.csv: 500 delegates added" in r.get_data(as_text=True)
    # one transaction for all 500 rows (the others are the job's state and progress)
    assert len(commits) <= 6
    assert count_delegates() == 500
    assert db.session.scalar(sa.select(sa.func.count(Accreditation.id))) == 500
    log = db.session.scalars(sa.select(ChangeLog).where(ChangeLog.action == "import")).one()
    assert "500 created" in log.summary
    # the same file again updates nothing and adds nothing
    r = follow_import(client, upload(client, world.forum, csv_bytes(rows), "roster.csv"))
    assert "0 new delegates, 0 to update, 500 unchanged" in r.get_data(as_text=True)


def test_a_failure_while_writing_writes_nothing(app, world, monkeypatch):
    from delegations import roster_write, spreadsheets

    plan = check_rows(world.forum, read_table(csv_bytes(generated_rows(20)), "r.csv"))
    assert plan.ok
    real = roster_write.changelog.record

    def boom(*a, **kw):
        real(*a, **kw)
        raise RuntimeError("disk full")

    monkeypatch.setattr(roster_write.changelog, "record", boom)
    with pytest.raises(RuntimeError):
        spreadsheets.apply_plan(world.forum, plan, None)
    db.session.rollback()
    assert count_delegates() == 0


UNICODE = [("São Paulo", "BR", "João", "Conceição"), ("Niš", "RS", "Драган", "Шутановац"),
           ("北京", "CN", "小明", "王"), ("القاهرة", "EG", "محمد", "عبد الله"),
           ("Montréal", "CA", "Valérie", "Plante")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_unicode_names_round_trip(app, world, fmt):
    rows = [row(delegation=city, country=cc, given_names=given, family_name=family,
                email=f"p{i}@example.org", notes="=HYPERLINK(\"http://evil\")",
                mobile="+55 11 5555 0000", status="submitted")
            for i, (city, cc, given, family) in enumerate(UNICODE)]
    from delegations.spreadsheets import apply_plan

    plan = check_rows(world.forum, read_table(csv_bytes(rows), "in.csv"))
    assert plan.ok, plan.errors
    apply_plan(world.forum, plan, None)
    db.session.commit()

    people = roster(world.forum, RosterFilter(sort="city"))
    data = export_csv(people) if fmt == "csv" else export_xlsx(people)
    back = read_table(data, f"roster.{fmt}")
    got = {(r.values["delegation"], r.values["given_names"], r.values["family_name"])
           for r in back}
    assert got == {(c, g, f) for c, _, g, f in UNICODE}
    assert all(r.values["notes"] == "=HYPERLINK(\"http://evil\")" for r in back)
    assert all(r.values["mobile"] == "+55 11 5555 0000" for r in back)
    # importing the export changes nothing
    plan = check_rows(world.forum, back)
    assert plan.ok and plan.creates == 0 and plan.updates == 5
    before = [delegate_state(p) for p in roster(world.forum, RosterFilter())]
    created, updated = apply_plan(world.forum, plan, None)
    db.session.commit()
    assert (created, updated) == (0, 0)
    assert [delegate_state(p) for p in roster(world.forum, RosterFilter())] == before
    assert export_csv(roster(world.forum, RosterFilter(sort="city"))) == export_csv(people) \
        or fmt == "xlsx"


def delegate_state(p: Delegate) -> tuple:
    a = p.accreditation
    return (p.id, p.given_names, p.family_name, p.email, p.mobile, p.notes, p.level,
            p.arrival_date, a.route, a.sponsor_id, a.status, a.substitute, a.badge_type)


def test_exports_neutralise_formulas(app, world, make_delegate):
    make_delegate(world.delegations["Freetown"], given_names="=HYPERLINK(\"http://x\",\"y\")",
                  family_name="@SUM(A1)", function="-2+3", notes="+cmd")
    people = roster(world.forum, RosterFilter())
    text = export_csv(people).decode("utf-8-sig")
    rec = list(csv.DictReader(io.StringIO(text)))[0]
    assert rec["given_names"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert rec["family_name"] == "'@SUM(A1)"
    assert rec["function"] == "'-2+3"
    wb = load_workbook(io.BytesIO(export_xlsx(people)))
    ws = wb.active
    cells = {c.value for c in ws[2]}
    assert "'=HYPERLINK(\"http://x\",\"y\")" in cells
    assert all(c.data_type != "f" for c in ws[2])


def test_xlsx_import(app, world):
    wb = Workbook()
    ws = wb.active
    ws.append(["delegation", "given_names", "family_name", "route", "sponsor", "arrival_date"])
    from datetime import datetime

    ws.append(["Montréal", "Valérie", "Plante", "partner_organisation", "UCLG",
               datetime(2022, 5, 15)])
    ws.append(["Montréal", "", "Nobody", "partner_organisation", "UCLG", None])
    buf = io.BytesIO()
    wb.save(buf)
    plan = check_rows(world.forum, read_table(buf.getvalue(), "x.xlsx"))
    assert plan.errors == [(3, "given_names is empty")]
    assert plan.rows[0].person["arrival_date"].isoformat() == "2022-05-15"


@pytest.mark.parametrize("data,name,message", [
    (b"%PDF-1.7 whatever", "roster.pdf", "Only CSV (.csv) and Excel (.xlsx) files"),
    (b"", "roster.csv", "The file is empty."),
    (b"\n\n  \n", "roster.csv", "The file is empty"),
    ("delegation,given_names,family_name\nSão Paulo,João,Silva\n".encode("latin-1"),
     "roster.csv", "not UTF-8 text (first bad byte on line 2)"),
    # UTF-16 (Excel's "Unicode text") is read; here the header lacks a column
    ("delegation,given_names\n".encode("utf-16"), "roster.csv", "missing: family_name"),
    (b"delegation,given_names,family_name\n", "roster.csv", "header row but no delegates"),
    (b"name,first\nx,y\n", "roster.csv", "missing: delegation, given_names, family_name"),
    (b"not a zip", "roster.xlsx", "not an Excel .xlsx file"),
    (b"PK\x03\x04garbage", "roster.xlsx", "cannot be opened"),
])
def test_bad_files_get_a_clear_message(data, name, message):
    with pytest.raises(FileProblem) as e:
        read_table(data, name)
    assert message in str(e.value)


def test_bad_file_message_on_the_page(client, make_user, world):
    login_as(client, make_user, Role.COORDINATOR)
    r = upload(client, world.forum, "a,b\nSão Paulo,x\n".encode("latin-1"), "roster.csv")
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert 'class="error" id="file-error"' in page and "not UTF-8 text" in page
    big = b"delegation,given_names,family_name\n" + b"x" * (2 * 1024 * 1024)
    r = upload(client, world.forum, big, "roster.csv")
    assert r.status_code == 400
    assert "Line 2 is longer than 1,048,576 characters" in r.get_data(as_text=True)


def test_validation_reasons(app, world, make_delegate):
    make_delegate(world.delegations["Freetown"], email="taken@example.org",
                  given_names="Yvonne", family_name="Aki-Sawyerr")
    rows = [
        row(delegation="São Paulo", given_names="A", family_name="B", country="XX"),
        row(delegation="São Paulo", given_names="A", family_name="C", country="CA"),
        row(delegation="São Paulo", given_names="D", family_name="E", route="by boat"),
        row(delegation="São Paulo", given_names="F", family_name="G", email="x@example.org"),
        row(delegation="São Paulo", given_names="F2", family_name="G2", email="X@example.org"),
        row(delegation="Niš", given_names="Same", family_name="Name"),
        row(delegation="Niš", given_names="same", family_name="NAME"),
        row(delegation="Niš", given_names="H", family_name="I", sponsor="Nobody Org"),
        row(delegation="Niš", given_names="J", family_name="K", level="emperor"),
        row(delegation="Niš", given_names="L", family_name="M", arrival_date="2022-05-20",
            departure_date="2022-05-10"),
        row(delegation="Niš", given_names="N", family_name="O", home_timezone="Mars/Olympus"),
        row(delegation="São Paulo", given_names="P", family_name="Q",
            email="taken@example.org"),
        row(delegation="Niš", given_names="R", family_name="S", sponsor=""),
    ]
    plan = check_rows(world.forum, read_table(csv_bytes(rows), "r.csv"))
    errors = dict(plan.errors)
    assert "not an ISO 3166 country code" in errors[2]
    assert "country CA does not match delegation São Paulo (BR)" in errors[3]
    assert "unknown route \u201cby boat\u201d" in errors[4]
    assert "duplicate e-mail X@example.org (also on line 5)" in errors[6]
    assert "duplicate name same NAME in Niš (also on line 7)" in errors[8]
    assert "unknown sponsor \u201cNobody Org\u201d" in errors[9]
    assert "unknown level \u201cemperor\u201d" in errors[10]
    assert "departure_date is before arrival_date" in errors[11]
    assert "unknown time zone" in errors[12]
    assert "belongs to Yvonne Aki-Sawyerr of another delegation" in errors[13]
    assert "needs a sponsor" in errors[14]
    assert 5 not in errors and 7 not in errors


def test_import_refuses_an_illegal_status_jump_for_existing_people(app, world, make_delegate):
    p = make_delegate(world.delegations["Niš"], email="a@example.org",
                      status=AccreditationStatus.DRAFT, sponsor=world.uclg)
    rows = [row(delegation="Niš", given_names=p.given_names, family_name=p.family_name,
                email="a@example.org", status="badge_collected")]
    plan = check_rows(world.forum, read_table(csv_bytes(rows), "r.csv"))
    assert plan.errors == [(2, "status cannot go from draft to badge_collected")]


def test_cli_export_and_import(runner, app, world, tmp_path, make_delegate):
    make_delegate(world.delegations["北京"], given_names="小明", family_name="王",
                  sponsor=world.uclg)
    db.session.commit()
    out = tmp_path / "roster.xlsx"
    r = runner.invoke(args=["roster", "export", str(out), "--forum", "IMRF"])
    assert r.exit_code == 0, r.output
    assert "Wrote 1 delegates" in r.output
    r = runner.invoke(args=["roster", "import", str(out), "--forum", "IMRF"])
    assert r.exit_code == 0, r.output
    assert "0 added, 0 updated, 1 unchanged" in r.output

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([row(delegation="Atlantis", given_names="A", family_name="B"),
                               row(delegation="Niš", given_names="", family_name="B")]))
    r = runner.invoke(args=["roster", "import", str(bad), "--forum", "IMRF"])
    assert r.exit_code != 0
    assert "bad.csv:2: unknown delegation" in r.output
    assert "bad.csv:3: given_names is empty" in r.output
    assert "2 of 2 rows have problems; nothing was imported." in r.output
    assert count_delegates() == 1
    r = runner.invoke(args=["roster", "import", str(tmp_path / "x.txt")])
    assert r.exit_code != 0


def test_xlsx_upload_preview_and_confirm(client, make_user, world, app):
    login_as(client, make_user, Role.COORDINATOR)
    wb = Workbook()
    ws = wb.active
    ws.append(["delegation", "country", "given_names", "family_name", "route", "sponsor",
               "email"])
    ws.append(["القاهرة", "EG", "محمد", "عبد الله", "partner_organisation", "UCLG",
               "m@example.org"])
    buf = io.BytesIO()
    wb.save(buf)
    r = follow_import(client, upload(client, world.forum, buf.getvalue(), "roster.xlsx"))
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "All 1 rows are valid" in page
    confirm = re.search(r'action="([^"]*/confirm)"', page).group(1)
    r = follow_import(client, client.post(confirm))
    assert "1 delegates added" in r.get_data(as_text=True) and count_delegates() == 1
    p = db.session.scalar(sa.select(Delegate))
    assert (p.given_names, p.family_name) == ("محمد", "عبد الله")
    # the job is done and its file gone: confirming again does nothing
    r = client.post(confirm)
    assert r.status_code == 302 and count_delegates() == 1


def test_upload_over_the_request_limit_gets_the_import_page(client, make_user, world, app):
    login_as(client, make_user, Role.COORDINATOR)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    r = upload(client, world.forum, b"delegation,given_names,family_name\n" + b"x" * 4096,
               "roster.csv")
    assert r.status_code == 413
    page = r.get_data(as_text=True)
    assert 'id="file-error"' in page and "the limit is 64 MB" in page
