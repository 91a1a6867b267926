"""In a real browser: the demo delegate logs in, gets and copies the feed link, the link
works without a login, and the briefing book downloads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.cal_support import parse_ics
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD, keep_screenshot

pytestmark = pytest.mark.browser


def shot(page, tmp_path: Path, name: str) -> None:
    keep_screenshot(page, tmp_path, name.removesuffix(".png"))


def test_delegate_subscribes_and_downloads_the_book(live_server, demo_forum, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    short = demo_forum.short_name
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1200,
                                                                       "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", "delegate@demo.forumdesk.example")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server}/{short}/")
        page.click("nav >> text=Calendar")
        assert page.locator("h1").inner_text() == "Calendar"
        shot(page, tmp_path, "calendar-subscribe-before.png")
        page.click("button:has-text('Get my feed link')")
        field = page.locator("input.feed-url").first
        link = field.input_value()
        assert link.startswith("webcal://127.0.0.1:")
        page.click("button.copy")
        page.wait_for_function("document.querySelector('button.copy').textContent == 'Copied'")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == link
        shot(page, tmp_path, "calendar-subscribe-new-link.png")
        # a calendar app fetches the link without any login
        anonymous = p.request.new_context()
        r = anonymous.get(link.replace("webcal://", "http://", 1))
        assert r.status == 200
        assert r.headers["content-type"] == "text/calendar; charset=utf-8"
        events = parse_ics(r.body())
        assert any("Mayoral meeting" in str(e["SUMMARY"]) for e in events)
        anonymous.dispose()
        # the book
        page.click("nav >> text=Briefing books")
        page.locator("a.download-book:has-text('personal book')").first.click()
        # no edition yet: a GET never makes one, the page offers the button that does
        page.click("#make-edition")
        page.wait_for_selector("#batch-progress[data-state=finished]", timeout=120_000)
        page.wait_for_selector(".finished-books a", timeout=30_000)
        with page.expect_download() as info:
            page.locator(".finished-books a").first.click()
        download = info.value
        target = tmp_path / download.suggested_filename
        download.save_as(str(target))
        assert target.name.endswith(".pdf") and "Aki-Sawyerr" in target.name
        reader = PdfReader(io.BytesIO(target.read_bytes()))
        text = " ".join(" ".join((pg.extract_text() or "").split()) for pg in reader.pages)
        assert "Mayor Yvonne Aki-Sawyerr" in text and "Briefs" in text
        shot(page, tmp_path, "books-index.png")
        browser.close()
