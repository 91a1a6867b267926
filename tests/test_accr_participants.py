"""The list of participants: protocol order, CSV and PDF, non-Latin names as real
text with embedded fonts, checked with pypdf and with ../shared/tools/pdf-check."""

from __future__ import annotations

import csv
import io
import subprocess

import pytest
from pypdf import PdfReader

from delegations.db import db
from delegations.models import AccreditationStatus, Capacity, Level, Role
from delegations.participants import participants, participants_csv, participants_pdf
from tests.accr_support import login_as, make_world
from tests.conftest import keep_artifact, require_tool

S = AccreditationStatus


@pytest.fixture
def world(make_forum, make_delegation, make_delegate):
    w = make_world(make_forum, make_delegation)
    sp, mtl = w.delegations["São Paulo"], w.delegations["Montréal"]
    # added in a scrambled order on purpose
    make_delegate(sp, given_names="Zeca", family_name="Adviser", level=Level.ADVISER,
                  capacity=Capacity.ADVISER, sponsor=w.uclg)
    make_delegate(sp, given_names="Ana", family_name="Official", level=Level.OFFICIAL,
                  capacity=Capacity.MEMBER, sponsor=w.uclg)
    make_delegate(sp, given_names="Ricardo", family_name="Nunes", honorific="Mayor",
                  function="Prefeito de São Paulo", level=Level.MAYOR, capacity=Capacity.HEAD,
                  sponsor=w.uclg)
    make_delegate(sp, given_names="Beto", family_name="Deputy", level=Level.DEPUTY_MAYOR,
                  capacity=Capacity.MEMBER, sponsor=w.uclg)
    make_delegate(sp, given_names="Aaron", family_name="Deputy", level=Level.DEPUTY_MAYOR,
                  capacity=Capacity.MEMBER, sponsor=w.uclg)
    make_delegate(sp, given_names="Gone", family_name="Withdrawn", sponsor=w.uclg,
                  status=S.WITHDRAWN, capacity=Capacity.MEMBER)
    make_delegate(mtl, given_names="Valérie", family_name="Plante", honorific="Mayor",
                  function="Mairesse de Montréal", level=Level.MAYOR, capacity=Capacity.HEAD,
                  sponsor=w.uclg)
    make_delegate(w.delegations["北京"], given_names="小明", family_name="王",
                  level=Level.OFFICIAL, capacity=Capacity.HEAD, sponsor=w.uclg)
    make_delegate(w.delegations["القاهرة"], given_names="محمد", family_name="عبد الله",
                  level=Level.OFFICIAL, capacity=Capacity.HEAD, sponsor=w.uclg)
    db.session.commit()
    return w


EXPECTED_SAO_PAULO = ["Mayor Ricardo Nunes", "Aaron Deputy", "Beto Deputy", "Ana Official",
                      "Zeca Adviser"]


def test_protocol_order(app, world):
    entries = [e for g in participants(world.forum) for e in g.delegations]
    assert [e.delegation.name for e in entries] == ["Montréal", "São Paulo", "القاهرة", "北京"]
    sp = next(e for e in entries if e.delegation.name == "São Paulo")
    assert [p.display_name for p in sp.people] == EXPECTED_SAO_PAULO


def test_participants_csv(app, world):
    rows = list(csv.DictReader(io.StringIO(participants_csv(world.forum).decode("utf-8-sig"))))
    assert [r["name"] for r in rows if r["delegation"] == "São Paulo"] == EXPECTED_SAO_PAULO
    assert "Gone Withdrawn" not in {r["name"] for r in rows}


def test_participants_pdf(app, world, tmp_path):
    pdf = participants_pdf(world.forum)
    path = tmp_path / "participants.pdf"
    path.write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for needle in ("São Paulo", "Montréal", "International Migration Review Forum 2022",
                   "Page 1 of", "小明", "List of participants · issued"):
        assert needle in text, needle
    # protocol order: Montréal's delegation before São Paulo's, heads first inside it
    positions = [text.index(n) for n in ["Montréal", "Valérie Plante", "São Paulo",
                                         *EXPECTED_SAO_PAULO]]
    assert positions == sorted(positions)
    assert "Withdrawn" not in text
    # every font embedded
    fonts = set()
    for page in reader.pages:
        for f in page["/Resources"]["/Font"].values():
            f = f.get_object()
            desc = f["/DescendantFonts"][0].get_object()["/FontDescriptor"] \
                if "/DescendantFonts" in f else f.get("/FontDescriptor")
            desc = desc.get_object()
            fonts.add(f["/BaseFont"])
            assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), f
    assert any("CJK" in str(f) for f in fonts) and any("Arab" in str(f) for f in fonts)

    r = subprocess.run([str(require_tool("pdf-check")), str(path), "--expect-text", "São Paulo",
                        "--expect-text", "Montréal", "--expect-text", "Valérie Plante",
                        "--require-embedded-fonts", "--png", str(tmp_path / "png")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1].startswith("pdf-check: OK")
    pngs = sorted((tmp_path / "png").glob("page-*.png"))
    assert pngs
    keep_artifact(pngs[0], "participants-page-1.png")


def test_participants_cli(runner, world, tmp_path):
    out = tmp_path / "p.pdf"
    r = runner.invoke(args=["roster", "participants", "--out", str(out), "--forum", "IMRF"])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"%PDF-")
    assert "(8 people)" in r.output
    out_csv = tmp_path / "p.csv"
    r = runner.invoke(args=["roster", "participants", "--out", str(out_csv)])
    assert r.exit_code == 0, r.output
    assert "São Paulo" in out_csv.read_text("utf-8-sig")
    r = runner.invoke(args=["roster", "participants", "--out", str(tmp_path / "p.doc")])
    assert r.exit_code != 0 and ".pdf or .csv" in r.output


def test_participants_downloads(client, world, make_user):
    login_as(client, make_user, Role.COORDINATOR)
    r = client.get("/IMRF/participants.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data.startswith(b"%PDF-")
    r = client.get("/IMRF/participants.csv")
    assert r.status_code == 200 and "Valérie Plante" in r.data.decode("utf-8-sig")


def test_demo_forum_list_of_participants(app, demo_forum, tmp_path):
    pdf = participants_pdf(demo_forum)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(p.extract_text() for p in reader.pages)
    names = [e.delegation.name for g in participants(demo_forum) for e in g.delegations]
    # the final list holds approved accreditations only: Kanifing (draft), Monrovia and
    # San Jose (submitted) wait for the provisional list
    assert len(names) == 13 and "Monrovia" not in names
    provisional = [e.delegation.name for g in participants(demo_forum, provisional=True)
                   for e in g.delegations]
    assert len(provisional) == 15 and "Monrovia" in provisional and "Kanifing" not in provisional
    assert "São Paulo" in text and "Montréal" in text
    assert "Yvonne Aki-Sawyerr" in text
