"""In a real browser: a coordinator starts a batch of briefing books from the books page,
watches the progress bar move to 100% without reloading, downloads the ZIP of the books and
opens one. Screenshots kept (tmp_path and $FORUM_DESK_ARTIFACTS)."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import PASSWORD, keep_screenshot

pytestmark = pytest.mark.browser


def test_coordinator_runs_a_batch_and_downloads_the_zip(live_server, browser_page, demo_forum,
                                                       tmp_path: Path) -> None:
    page = browser_page
    short = demo_forum.short_name
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "coordinator@demo.forumdesk.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/{short}/books/")
    page.click("text=Make many books at once")
    page.check("input[name=scope][value=delegation]")
    page.select_option("#delegation_id", label="Freetown")
    page.check("input[name=delegation_books]")
    keep_screenshot(page, tmp_path, "book-batch-start")
    page.click("#start-batch")
    page.wait_for_selector("#batch-bar")

    # the bar moves while the page stays the same page (no reload until the end)
    page.evaluate("window.__samePage = true")
    seen: list[float] = []
    moved_in_place = False
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            value, same, state = page.evaluate(
                "[document.getElementById('batch-bar').value, window.__samePage === true,"
                " document.getElementById('batch-progress').dataset.state]")
        except Exception:  # the page is reloading at the end of the batch
            time.sleep(0.2)
            continue
        seen.append(value)
        if same and value > 0:
            moved_in_place = True
        if state != "running" and not same:
            break
        time.sleep(0.2)
    assert moved_in_place, seen
    page.wait_for_selector(".finished-books a")
    assert page.locator("#batch-bar").evaluate("b => b.value") == 100
    counts = page.locator("#batch-counts").inner_text()
    assert "3 done" in counts and "0 failed" in counts and "Finished" in counts
    keep_screenshot(page, tmp_path, "book-batch-finished")

    with page.expect_download() as info:
        page.click("#download-zip")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(str(target))
    assert target.name.endswith(".zip")
    with zipfile.ZipFile(target) as archive:
        names = sorted(archive.namelist())
        assert len(names) == 3 and any("Freetown" in n for n in names), names
        mayor = next(n for n in names if "Aki-Sawyerr" in n)
        reader = PdfReader(io.BytesIO(archive.read(mayor)))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Mayor Yvonne Aki-Sawyerr" in text and "Briefs" in text

    # each book also on its own
    with page.expect_download() as one:
        page.locator(".finished-books a").first.click()
    assert one.value.suggested_filename.endswith(".pdf")
    page.set_viewport_size({"width": 390, "height": 844})
    keep_screenshot(page, tmp_path, "book-batch-finished-390")
