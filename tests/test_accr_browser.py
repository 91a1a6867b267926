"""Browser test: a coordinator imports a CSV into the demo forum, sees the error
report, fixes the file and imports it, then approves a delegate. Real Chromium, real forms
with CSRF. Screenshots are kept under tmp_path (and $FORUM_DESK_ARTIFACTS)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from delegations.db import db
from delegations.models import AccreditationStatus, Delegate
from tests.accr_support import csv_bytes, row
from tests.conftest import PASSWORD, keep_screenshot


@pytest.fixture
def page(browser_page):
    return browser_page


def shot(page, tmp_path: Path, name: str) -> None:
    keep_screenshot(page, tmp_path, name)


@pytest.mark.browser
def test_coordinator_imports_fixes_and_approves(live_server, page, tmp_path, demo_forum):
    f = demo_forum.short_name
    rows = [
        row(delegation="São Paulo", country="BR", honorific="Ms", given_names="Maria Helena",
            family_name="Conceição", email="mh.conceicao@example.org", sponsor="UCLG",
            status="submitted", level="senior_official", capacity="adviser"),
        row(delegation="Montréal", country="CA", given_names="Geneviève", family_name="Côté",
            email="genevieve.cote@example", sponsor="UCLG", status="submitted"),
        row(delegation="Gotham", given_names="Bruce", family_name="Wayne",
            email="bruce@example.org", sponsor="MMC"),
        row(delegation="Freetown", country="SL", given_names="Aminata", family_name="Koroma",
            email="aminata.koroma@example.org", sponsor="MMC", arrival_date="2022-05-32"),
    ]
    bad = tmp_path / "roster.csv"
    bad.write_bytes(csv_bytes(rows))

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "coordinator@demo.forumdesk.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav >> text=Accreditation")
    assert page.locator("h1").inner_text().startswith("Accreditation")
    assert page.url.endswith(f"/{f}/accreditation/")
    shot(page, tmp_path, "accr-dashboard")

    page.click("text=Import CSV/XLSX")
    page.set_input_files("input[name=file]", str(bad))
    page.click("text=Check the file")
    report = page.locator("table.import-errors")
    report.wait_for(timeout=60_000)  # the job's page reloads itself until the check is done
    assert "3 of 4 rows have problems." in page.content()
    assert "Nothing was imported." in page.content()
    lines = report.locator("tbody tr td.num").all_inner_texts()
    assert lines == ["3", "4", "5"]
    text = report.inner_text()
    assert "genevieve.cote@example" in text and "unknown delegation" in text
    assert "arrival_date" in text
    shot(page, tmp_path, "accr-import-errors")

    rows[1]["email"] = "genevieve.cote@example.org"
    rows[2].update(delegation="San Jose", country="US")
    rows[3]["arrival_date"] = "2022-05-15"
    fixed = tmp_path / "roster-fixed.csv"
    fixed.write_bytes(csv_bytes(rows))
    page.click("text=Upload a corrected file")
    page.set_input_files("input[name=file]", str(fixed))
    page.click("text=Check the file")
    page.locator("text=All 4 rows are valid").wait_for(timeout=60_000)
    assert "All 4 rows are valid: 4 new delegates" in page.content()
    page.click("text=Import 4 rows")
    page.locator(".flash >> text=delegates added").wait_for(timeout=60_000)
    page.click("text=See the roster")
    assert page.locator("table.roster").get_by_text("Conceição, Maria Helena").count() == 1
    shot(page, tmp_path, "accr-roster")

    page.click("text=Conceição, Maria Helena")
    page.click("button:has-text('Approve')")
    # what is not ready is shown first; the coordinator confirms
    assert "Documents missing" in page.locator(".status-confirm").inner_text()
    shot(page, tmp_path, "accr-approve-confirm")
    page.click("button.confirm-status")
    assert "Maria Helena Conceição: Approved." in page.content()
    shot(page, tmp_path, "accr-delegate-approved")

    db.session.rollback()  # end the test's own read transaction; see the server's writes
    person = db.session.scalar(sa.select(Delegate).where(
        Delegate.email == "mh.conceicao@example.org"))
    assert person.accreditation.status == AccreditationStatus.APPROVED
    assert person.accreditation.approved_at is not None
    assert db.session.scalar(sa.select(sa.func.count(Delegate.id)).where(
        Delegate.email.in_([r["email"] for r in rows]))) == 4
