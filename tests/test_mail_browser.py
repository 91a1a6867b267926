"""In a real browser: a coordinator cancels a session, sees the messages on the outbox page
(at desk and phone widths), and a delegate stops the messages from the link in theirs."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from delegations.db import db
from schedule import mailer
from schedule.models import Session
from schedule.outbox import MailMessage, MailOptOut
from tests.conftest import PASSWORD, keep_screenshot


def _login(page: Any, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
def test_cancel_then_outbox_then_opt_out(app: Any, demo_forum: Any, live_server: str,
                                         browser_page: Any, tmp_path: Any) -> None:
    app.config.update(MAIL_COALESCE_SECONDS=0, MAIL_OUTBOX_FOLDER=str(tmp_path / "outbox"),
                      PUBLIC_BASE_URL=live_server + "/")
    page = browser_page
    press = db.session.scalar(sa.select(Session).where(Session.uid == "imrf2022-press@forum-desk"))
    press_id = press.id
    _login(page, live_server, "coordinator@demo.forumdesk.example")
    page.goto(f"{live_server}/IMRF2022/sessions/{press_id}/")
    page.once("dialog", lambda d: d.accept())
    page.click("button:has-text('Cancel session')")
    page.wait_for_load_state()
    db.session.commit()  # a fresh snapshot: see what the server saved
    assert mailer.deliver_pending().sent == 8
    page.goto(f"{live_server}/IMRF2022/mail/outbox")
    table = page.locator("table.list").inner_text()
    assert table.count("CANCEL") == 4 and "giuseppe.sala@demo.forumdesk.example" in table
    keep_screenshot(page, tmp_path, "mail-outbox")
    page.set_viewport_size({"width": 390, "height": 844})
    keep_screenshot(page, tmp_path, "mail-outbox-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # the delegate follows the link in their message, without logging in
    row = db.session.scalar(sa.select(MailMessage).where(
        MailMessage.recipient == "giuseppe.sala@demo.forumdesk.example"))
    link = row.raw.split(b"List-Unsubscribe: <", 1)[1].split(b">", 1)[0].decode()
    page.context.clear_cookies()
    page.goto(link)
    page.click("button:has-text('Stop these messages')")
    page.wait_for_load_state()
    assert "no messages about programme changes" in page.locator("main").inner_text()
    keep_screenshot(page, tmp_path, "mail-opt-out")
    db.session.commit()
    assert db.session.scalar(sa.select(MailOptOut.email)) == "giuseppe.sala@demo.forumdesk.example"
