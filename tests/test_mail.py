"""Programme changes reach the people in them: a real SMTP server (aiosmtpd) receives what
``flask mail send`` delivers after sessions of the demo forum are moved and cancelled
through the web form and the command line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from delegations.db import db
from delegations.models import Delegate, Delegation
from delegations.timeutil import to_zone
from schedule import mailer
from schedule.models import Session
from schedule.outbox import MailMessage, MailStatus
from schedule.services import add_speaker, remove_speaker, update_session
from tests.cal_support import ical_check
from tests.mail_support import SmtpServer, form_values

COORDINATOR = "coordinator@demo.forumdesk.example"
ISLAM = "atiqul.islam@demo.forumdesk.example"
RULINDA = "fabrice-brad.rulinda@demo.forumdesk.example"
PRESS = {"yvonne.aki-sawyerr@demo.forumdesk.example", "erias.lukwago@demo.forumdesk.example",
         "giuseppe.sala@demo.forumdesk.example", "valerie.plante@demo.forumdesk.example"}
PRESS_FOCAL = {"focal.freetown@demo.forumdesk.example", "focal.kampala@demo.forumdesk.example",
               "focal.milan@demo.forumdesk.example", "focal.montreal@demo.forumdesk.example"}


@pytest.fixture
def smtp(app: Any) -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port,
                      MAIL_DEFAULT_SENDER="Forum Desk <desk@forumdesk.example>",
                      MAIL_COALESCE_SECONDS=0, PUBLIC_BASE_URL="https://desk.example/")
    yield server
    server.stop()


def session(uid: str) -> Session:
    s = db.session.scalar(sa.select(Session).where(Session.uid == uid))
    assert s is not None
    return s


def send(runner: Any, *args: str) -> str:
    result = runner.invoke(args=["mail", "send", *args])
    return result.output


def check_invite(msg: Any, tmp_path: Any, method: str, uid: str, tz: str,
                 min_sequence: int) -> dict[str, Any]:
    """The attachment passes ical-check, is an iTIP ``method`` for ``uid`` with a SEQUENCE
    above the one calendars had; returns the event as ical-check read it."""
    ics = msg.ics()
    assert ics is not None, "no invite.ics attachment"
    inline = msg.inline_calendar()
    assert inline is not None and inline.get_param("method") == method
    cal = Calendar.from_ical(ics)
    assert str(cal["METHOD"]) == method
    (ev,) = cal.walk("VEVENT")
    assert str(ev["UID"]) == uid
    assert int(ev["SEQUENCE"]) > min_sequence
    assert str(ev["ATTENDEE"]).lower() == f"mailto:{msg.to}"
    assert str(ev["ORGANIZER"]) == "mailto:desk@forumdesk.example"
    if method == "CANCEL":
        assert str(ev["STATUS"]) == "CANCELLED"
    events = ical_check(ics, tmp_path, tz=tz, expect_events=1)
    if events is None:
        pytest.fail("../shared/tools/ical-check is missing")
    assert events[0]["uid"] == uid
    return events[0]


def test_moving_a_session_by_the_web_form_tells_exactly_its_people(
        app, client, auth, runner, demo_forum, smtp, tmp_path):
    rt1 = session("imrf2022-rt1@forum-desk")
    old_sequence = rt1.revision
    auth.login(COORDINATOR)
    page = client.get(f"/IMRF2022/sessions/{rt1.id}/edit").get_data(as_text=True)
    data = form_values(page, "/edit")
    assert data["starts"] == "2022-05-17T10:00"
    data.update(starts="2022-05-17T11:00", ends="2022-05-17T14:00")
    r = client.post(f"/IMRF2022/sessions/{rt1.id}/edit", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)

    assert "sent 2, failed 0" in send(runner)
    got = smtp.by_recipient()
    assert set(got) == {ISLAM, "focal.dhaka-north@demo.forumdesk.example"}
    assert all(len(v) == 1 for v in got.values())
    (msg,) = got[ISLAM]
    text = msg.text()
    # venue time and the mayor's home time (Dhaka, UTC+6), before and after
    assert "Tue 17 May 2022, 10:00 EDT – 13:00 EDT" in text
    assert "Tue 17 May 2022, 11:00 EDT – 14:00 EDT" in text
    assert "Tue 17 May 2022, 20:00 +06 – 23:00 +06" in text
    assert "Wed 18 May 2022, 00:00 +06" in text  # 14:00 in New York is past midnight there
    assert "https://desk.example/IMRF2022/my-agenda" in text or "/IMRF2022/" in text
    assert "Roundtable 1" in msg.msg["Subject"] and msg.msg["Message-ID"]
    assert msg.msg["List-Unsubscribe"].startswith("<https://desk.example/mail/unsubscribe/")
    # one plain URL on the wire, as clients read it (not RFC 2047 encoded words)
    assert b"\r\nList-Unsubscribe: <https://desk.example/mail/unsubscribe/" in msg.raw
    assert "<s>Tue 17 May 2022, 10:00 EDT – 13:00 EDT</s>" in msg.html()
    ev = check_invite(msg, tmp_path, "REQUEST", "imrf2022-rt1@forum-desk", "Asia/Dhaka",
                      old_sequence)
    assert ev["start_utc"] == "2022-05-17T15:00:00Z"
    assert ev["start_local"].startswith("2022-05-17T21:00")
    digest = got["focal.dhaka-north@demo.forumdesk.example"][0]
    assert digest.ics() is None and "Md. Atiqul Islam" in digest.text()
    assert "Roundtable 1" in digest.text()
    # delivered once: nothing left to send
    assert "sent 0, failed 0" in send(runner)
    assert len(smtp.received) == 2


def test_cancelling_by_the_cli_sends_cancel_to_its_people(app, runner, demo_forum, smtp,
                                                          tmp_path):
    press = session("imrf2022-press@forum-desk")
    old_sequence = press.revision
    r = runner.invoke(args=["schedule", "cancel", "imrf2022-press@forum-desk"])
    assert r.exit_code == 0, r.output
    assert "sent 8, failed 0" in send(runner)
    got = smtp.by_recipient()
    assert set(got) == PRESS | PRESS_FOCAL
    assert all(len(v) == 1 for v in got.values())
    for email in PRESS:
        msg = got[email][0]
        assert msg.msg["Subject"].endswith(": MMC Leadership Board Mayors Press Conference")
        check_invite(msg, tmp_path, "CANCEL", "imrf2022-press@forum-desk", "America/New_York",
                     old_sequence)


def test_moving_by_the_cli_a_private_meeting_tells_only_its_participants(
        app, runner, demo_forum, smtp, tmp_path):
    dsg = session("imrf2022-dsg@forum-desk")
    people = {p.delegate.email for p in dsg.speaker_slots if p.delegate}
    old_home = to_zone(dsg.starts_at, "America/Sao_Paulo").strftime("%H:%M")
    old_home_end = to_zone(dsg.ends_at, "America/Sao_Paulo").strftime("%H:%M")
    r = runner.invoke(args=["schedule", "move", "imrf2022-dsg@forum-desk",
                            "2022-05-17T12:00", "2022-05-17T13:00"])
    # the move's clash is listed first and stops it; confirmed, it goes through
    assert r.exit_code == 1 and "travel_time" in r.output and "nothing was changed" in r.output
    r = runner.invoke(args=["schedule", "move", "imrf2022-dsg@forum-desk",
                            "2022-05-17T12:00", "2022-05-17T13:00", "--confirm"])
    assert r.exit_code == 0, r.output
    assert f"sent {len(people)}, failed 0" in send(runner)
    got = smtp.by_recipient()
    assert set(got) == people and len(people) == 7
    assert not any(k.startswith("focal.") for k in got)
    sao_paulo = got["marta.suplicy@demo.forumdesk.example"][0]
    # in Spanish, her first language the app has; before and after in her home time
    assert f"mar 17 may 2022, {old_home} -03 – {old_home_end} -03" in sao_paulo.text()
    assert "mar 17 may 2022, 13:00 -03 – 14:00 -03" in sao_paulo.text()
    check_invite(sao_paulo, tmp_path, "REQUEST", "imrf2022-dsg@forum-desk",
                 "America/Sao_Paulo", 0)
    # a bad time is refused with a message and changes nothing
    r = runner.invoke(args=["schedule", "move", "imrf2022-dsg@forum-desk",
                            "2022-05-17T14:00", "2022-05-17T13:00"])
    assert r.exit_code != 0 and "must end after it starts" in r.output


def test_cancelling_by_the_web_form(app, client, auth, runner, demo_forum, smtp, tmp_path):
    rt2 = session("imrf2022-rt2@forum-desk")
    auth.login(COORDINATOR)
    assert client.post(f"/IMRF2022/sessions/{rt2.id}/cancel").status_code == 302
    assert "sent 2, failed 0" in send(runner)
    got = smtp.by_recipient()
    assert set(got) == {RULINDA, "focal.entebbe@demo.forumdesk.example"}
    check_invite(got[RULINDA][0], tmp_path, "CANCEL", "imrf2022-rt2@forum-desk",
                 "Africa/Kampala", 0)


def test_a_server_that_stops_mid_delivery_loses_nothing(app, runner, demo_forum, smtp):
    acmi = session("imrf2022-acmi@forum-desk")
    assert len([s for s in acmi.speaker_slots if s.delegate]) == 7
    smtp.handler.stop_after = 5
    r = runner.invoke(args=["schedule", "cancel", "imrf2022-acmi@forum-desk"])
    assert r.exit_code == 0
    expected = db.session.scalar(sa.select(sa.func.count(MailMessage.id)))
    assert expected == 14  # seven people, seven focal points

    import threading

    stopper = threading.Thread(target=lambda: (smtp.handler.reached.wait(10), smtp.stop()))
    stopper.start()
    first = runner.invoke(args=["mail", "send"])
    stopper.join()
    assert "sent 5, failed 1" in first.output and first.exit_code == 1
    # the server is down: another round sends nothing and loses nothing
    assert "sent 0" in send(runner, "--all")
    assert len(smtp.received) == 5

    smtp.restart()
    second = send(runner, "--all")  # --all: do not wait for the back-off
    assert "sent 9, failed 0" in second
    counts = Counter(r.rcpt_tos[0] for r in smtp.received)
    assert len(counts) == 14 and set(counts.values()) == {1}
    ids = [r.msg["Message-ID"] for r in smtp.received]
    assert len(set(ids)) == 14
    assert set(db.session.scalars(sa.select(MailMessage.status))) == {MailStatus.SENT}


def test_a_title_cannot_add_a_bcc_header(app, runner, demo_forum, smtp):
    rt2 = session("imrf2022-rt2@forum-desk")
    update_session(rt2, None, title="Roundtable 2\r\nBcc: x@example.org")
    db.session.commit()
    update_session(rt2, None, starts_at=datetime(2022, 5, 17, 20, tzinfo=UTC),
                   ends_at=datetime(2022, 5, 17, 22, tzinfo=UTC))
    db.session.commit()
    assert "sent 2, failed 0" in send(runner)
    for r in smtp.received:
        assert r.rcpt_tos[0] != "x@example.org" and len(r.rcpt_tos) == 1
        head = r.raw.split(b"\r\n\r\n", 1)[0]
        assert b"\nBcc:" not in head and b"\nbcc:" not in head.lower()
        assert r.msg["Bcc"] is None
    person = smtp.by_recipient()[RULINDA][0]
    assert "Roundtable 2 Bcc: x@example.org" in person.msg["Subject"]


def test_crash_between_send_and_mark_costs_at_most_one_duplicate(app, runner, demo_forum,
                                                                  smtp):
    rt1 = session("imrf2022-rt1@forum-desk")
    update_session(rt1, None, starts_at=rt1.starts_at + timedelta(minutes=30),
                   ends_at=rt1.ends_at + timedelta(minutes=30))
    db.session.commit()
    row_id = db.session.scalar(sa.select(MailMessage.id).where(MailMessage.kind == "person"))
    now = datetime.now(UTC)
    # a sender claims and sends, then dies before marking the row sent
    assert mailer._claim(row_id, now)
    row = db.session.get(MailMessage, row_id)
    assert mailer._prepare(row)
    mailer.transport().send(row)
    db.session.rollback()
    assert db.session.get(MailMessage, row_id).status == MailStatus.SENDING
    # a sender started now leaves it alone (its sender may still be alive) ...
    mailer.deliver_pending(now)
    assert sum(1 for r in smtp.received if r.rcpt_tos == [ISLAM]) == 1
    # ... and takes it again once the claim has expired: one duplicate, same Message-ID
    later = now + timedelta(seconds=app.config["MAIL_CLAIM_TIMEOUT_SECONDS"] + 1)
    mailer.deliver_pending(later)
    mine = [r for r in smtp.received if r.rcpt_tos == [ISLAM]]
    assert len(mine) == 2 and mine[0].msg["Message-ID"] == mine[1].msg["Message-ID"]
    assert db.session.get(MailMessage, row_id).status == MailStatus.SENT
    mailer.deliver_pending(later + timedelta(hours=1))
    assert len([r for r in smtp.received if r.rcpt_tos == [ISLAM]]) == 2


def test_changes_within_the_window_are_one_message(app, runner, demo_forum, smtp):
    app.config["MAIL_COALESCE_SECONDS"] = 300
    rt1 = session("imrf2022-rt1@forum-desk")
    for minutes in (15, 30, 45):  # three saves in a row, as a coordinator fiddles
        update_session(rt1, None, starts_at=datetime(2022, 5, 17, 14, minutes, tzinfo=UTC),
                       ends_at=datetime(2022, 5, 17, 17, minutes, tzinfo=UTC))
        db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id))) == 2  # person, digest
    now = datetime.now(UTC)
    assert mailer.deliver_pending(now).sent == 0  # still in its window
    assert mailer.deliver_pending(now + timedelta(seconds=301)).sent == 2
    text = smtp.by_recipient()[ISLAM][0].text()
    assert "10:00 EDT – 13:00 EDT" in text and "10:45 EDT – 13:45 EDT" in text
    assert "10:15 EDT" not in text and "10:30 EDT" not in text

    # moved and moved back within the window: nothing left to tell
    update_session(rt1, None, starts_at=datetime(2022, 5, 17, 16, tzinfo=UTC),
                   ends_at=datetime(2022, 5, 17, 18, tzinfo=UTC))
    db.session.commit()
    update_session(rt1, None, starts_at=datetime(2022, 5, 17, 14, 45, tzinfo=UTC),
                   ends_at=datetime(2022, 5, 17, 17, 45, tzinfo=UTC))
    db.session.commit()
    r = mailer.deliver_pending(now + timedelta(hours=1))
    assert (r.sent, r.skipped) == (0, 2)
    assert len(smtp.received) == 2


def test_added_and_removed_people_are_told_and_nobody_else(app, runner, demo_forum, smtp,
                                                           tmp_path):
    rt2 = session("imrf2022-rt2@forum-desk")
    islam = db.session.scalar(sa.select(Delegate).where(Delegate.email == ISLAM))
    slot = add_speaker(rt2, None, delegate=islam, minutes=4)
    db.session.commit()
    assert "sent 2, failed 0" in send(runner)
    got = smtp.by_recipient()
    assert set(got) == {ISLAM, "focal.dhaka-north@demo.forumdesk.example"}  # not Rulinda
    msg = got[ISLAM][0]
    assert msg.msg["Subject"].startswith("You have been added to this session")
    check_invite(msg, tmp_path, "REQUEST", "imrf2022-rt2@forum-desk", "Asia/Dhaka", 0)
    remove_speaker(db.session.merge(slot), None)
    db.session.commit()
    assert "sent 2, failed 0" in send(runner)
    last = [r for r in smtp.received if r.rcpt_tos == [ISLAM]][-1]
    assert last.msg["Subject"].startswith("You are no longer in this session")
    check_invite(last, tmp_path, "CANCEL", "imrf2022-rt2@forum-desk", "Asia/Dhaka", 0)


def test_a_person_who_opted_out_gets_nothing_but_their_feed_updates(
        app, client, runner, demo_forum, smtp):
    rt1 = session("imrf2022-rt1@forum-desk")
    update_session(rt1, None, starts_at=rt1.starts_at + timedelta(hours=1),
                   ends_at=rt1.ends_at + timedelta(hours=1))
    db.session.commit()
    send(runner)
    link = smtp.by_recipient()[ISLAM][0].msg["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("https://desk.example")
    assert "Stop these messages" in client.get(path).get_data(as_text=True)  # no login
    assert client.post(path, data={"action": "stop"}).status_code == 302
    assert "you receive no messages" in client.get(path).get_data(as_text=True)
    assert client.get("/mail/unsubscribe/forged-token").status_code == 404

    before = rt1.revision
    update_session(rt1, None, starts_at=rt1.starts_at + timedelta(hours=1),
                   ends_at=rt1.ends_at + timedelta(hours=1))
    db.session.commit()
    assert "sent 1, failed 0" in send(runner)  # the focal point's digest only
    assert len(smtp.by_recipient()[ISLAM]) == 1
    assert session("imrf2022-rt1@forum-desk").revision == before + 1  # the feed's SEQUENCE


def test_without_a_server_messages_are_eml_files_on_the_outbox_page(
        app, client, auth, runner, demo_forum, make_user, tmp_path):
    app.config.update(MAIL_SERVER=None, MAIL_COALESCE_SECONDS=0,
                      MAIL_OUTBOX_FOLDER=str(tmp_path / "outbox"))
    runner.invoke(args=["schedule", "cancel", "imrf2022-rt2@forum-desk"])
    assert "sent 2, failed 0" in send(runner)
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2 and b"METHOD:CANCEL" in b"".join(f.read_bytes() for f in files)
    auth.login(COORDINATOR)
    page = client.get("/IMRF2022/mail/outbox").get_data(as_text=True)
    assert RULINDA in page and "sent" in page and "CANCEL" in page
    row_id = db.session.scalar(sa.select(MailMessage.id).where(MailMessage.kind == "person"))
    eml = client.get(f"/IMRF2022/mail/outbox/{row_id}.eml")
    assert eml.status_code == 200 and eml.data == files[0].read_bytes() or \
        eml.data == files[1].read_bytes()
    # failed messages show their error and can be sent again
    db.session.execute(sa.update(MailMessage).where(MailMessage.id == row_id).values(
        status=MailStatus.FAILED, last_error="550 mailbox unavailable"))
    db.session.commit()
    page = client.get("/IMRF2022/mail/outbox?status=failed").get_data(as_text=True)
    assert "550 mailbox unavailable" in page and "Send again" in page
    assert client.post(f"/IMRF2022/mail/outbox/{row_id}/retry").status_code == 302
    assert db.session.get(MailMessage, row_id).status == MailStatus.PENDING
    auth.logout()
    auth.login("focal.freetown@demo.forumdesk.example")
    assert client.get("/IMRF2022/mail/outbox").status_code == 403


def test_the_change_and_its_messages_share_one_transaction(app, demo_forum):
    rt1 = session("imrf2022-rt1@forum-desk")
    update_session(rt1, None, starts_at=rt1.starts_at + timedelta(hours=1),
                   ends_at=rt1.ends_at + timedelta(hours=1))
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id))) == 2
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id))) == 0
    freetown = db.session.scalar(sa.select(Delegation).where(Delegation.name == "Freetown"))
    assert freetown.focal_point_email


def test_the_job_queue_sends_once_the_change_is_committed(app, client, auth, runner,
                                                          demo_forum, smtp, tmp_path):
    from delegations import create_app, jobs
    from tests.conftest import base_config

    app.config["MAIL_SEND_BY_JOBS"] = True
    try:
        # the command line leaves sending to workers or `flask mail send` (its process
        # ends at once); a web request hands it to the job queue
        r = runner.invoke(args=["schedule", "move", "imrf2022-rt1@forum-desk",
                                "2022-05-17T11:00", "2022-05-17T14:00", "--confirm"])
        assert r.exit_code == 0
        jobs.wait_idle(app)
        assert smtp.received == []
        assert "sent 2, failed 0" in send(runner)
        seen = len(smtp.received)
        auth.login(COORDINATOR)
        rt2 = session("imrf2022-rt2@forum-desk")
        assert client.post(f"/IMRF2022/sessions/{rt2.id}/cancel").status_code == 302
        jobs.wait_idle(app)  # the in-process pool (RQ workers when REDIS_URL is set)
        assert {x.rcpt_tos[0] for x in smtp.received[seen:]} == {
            RULINDA, "focal.entebbe@demo.forumdesk.example"}
        # a worker's maintenance pass sends what is due later (windows, back-off); tests
        # leave it off, so that no pass outlives its test's database
        assert "schedule.mailer:run_mail_send" not in \
            app.extensions["forum_desk_jobs"].maintenance
        other = create_app({**base_config(app.config["DATABASE_URL"], tmp_path),
                            "MAIL_SEND_BY_JOBS": True})
        assert "schedule.mailer:run_mail_send" in \
            other.extensions["forum_desk_jobs"].maintenance
        db.session.rollback()  # a fresh snapshot: the job wrote meanwhile
        rt1 = session("imrf2022-rt1@forum-desk")
        update_session(rt1, None, starts_at=rt1.starts_at + timedelta(hours=1),
                       ends_at=rt1.ends_at + timedelta(hours=1))
        db.session.rollback()  # a change rolled back sends nothing
        jobs.wait_idle(app)
        assert len(smtp.received) == seen + 2
    finally:
        jobs.shutdown(app)


def test_each_person_reads_it_in_their_language(app, runner, demo_forum, smtp):
    """The mayor of Montréal lists French first; the mayor of Freetown, English."""
    runner.invoke(args=["schedule", "move", "imrf2022-press@forum-desk",
                        "2022-05-18T12:00", "2022-05-18T12:45", "--confirm"])
    assert "sent 8, failed 0" in send(runner)
    got = smtp.by_recipient()
    plante = got["valerie.plante@demo.forumdesk.example"][0]
    assert plante.msg["Subject"].startswith("Modifiée: MMC Leadership Board")
    assert "Bonjour Mayor Valérie Plante," in plante.text()
    assert "Quand (heure du lieu, America/New_York)" in plante.text()
    assert "Ne plus recevoir ces messages" in plante.html()
    freetown = got["yvonne.aki-sawyerr@demo.forumdesk.example"][0]
    assert freetown.msg["Subject"].startswith("Changed: MMC Leadership Board")
    assert "When (venue time, America/New_York)" in freetown.text()


def test_a_new_speaking_order_or_time_is_told_to_that_speaker_only(
        app, client, auth, runner, demo_forum, smtp):
    press = session("imrf2022-press@forum-desk")
    slot = next(s for s in press.speaker_slots if s.delegate and s.delegate.email ==
                "giuseppe.sala@demo.forumdesk.example")
    auth.login(COORDINATOR)
    page = client.get(f"/IMRF2022/sessions/{press.id}/speakers/edit?slot={slot.id}")
    data = form_values(page.get_data(as_text=True), "/speakers/edit")
    data.update(order="1", minutes="8")
    r = client.post(f"/IMRF2022/sessions/{press.id}/speakers/edit?slot={slot.id}", data=data)
    assert r.status_code == 302
    assert "sent 2, failed 0" in send(runner)
    got = smtp.by_recipient()
    assert set(got) == {"giuseppe.sala@demo.forumdesk.example",
                        "focal.milan@demo.forumdesk.example"}
    text = got["giuseppe.sala@demo.forumdesk.example"][0].text()
    assert "1st" in text and "8 min" in text


def test_one_digest_for_a_delegation_whatever_changed_in_the_window(app, runner, demo_forum,
                                                                    smtp):
    """Two sessions of Freetown's mayor change within the window: she gets one message per
    session, the focal point one digest holding both."""
    app.config["MAIL_COALESCE_SECONDS"] = 300
    runner.invoke(args=["schedule", "cancel", "imrf2022-press@forum-desk"])
    runner.invoke(args=["schedule", "move", "imrf2022-policy-debate@forum-desk",
                        "2022-05-18T16:00", "2022-05-18T18:00", "--confirm"])
    r = mailer.deliver_pending(datetime.now(UTC) + timedelta(seconds=301))
    assert r.failed == 0
    got = smtp.by_recipient()
    assert len(got["yvonne.aki-sawyerr@demo.forumdesk.example"]) == 2
    (digest,) = got["focal.freetown@demo.forumdesk.example"]
    text = digest.text()
    assert "MMC Leadership Board Mayors Press Conference" in text and "Policy debate" in text
