"""Delivering the outbox: SMTP with retries and back-off, or ``.eml`` files when no mail
server is configured.

SMTP goes through the standard library (``smtplib`` and ``email``), not a Flask mail
extension: the sender runs outside requests (CLI, job queue), it must send the exact bytes
stored in the outbox row (so a retry repeats the same message, Message-ID included), and it
must tell a refusal that will not change (5xx: give up) from a server that is away (connection
lost, 4xx: try again later). Those are smtplib's own exceptions; an extension would only wrap
them.

Exactly once, as far as SMTP allows: a row is claimed (``pending`` -> ``sending``, in an
UPDATE that tests the status, committed) before it is sent, and marked ``sent`` after the
server accepted it. A sender that dies between the two leaves the row ``sending``; after
``MAIL_CLAIM_TIMEOUT_SECONDS`` another sender takes it again, so a crash costs at most one
duplicate, never a lost message. A failure puts the row back to ``pending`` with the next
attempt after an exponential back-off, until ``MAIL_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import email.policy
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask, current_app

from delegations.db import db, utcnow

from .mail_render import one_line, render, sender
from .outbox import MailMessage, MailStatus, opted_out

DEFAULTS: dict[str, Any] = {
    "MAIL_SERVER": None,  # None: write .eml files to MAIL_OUTBOX_FOLDER instead
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,  # STARTTLS
    "MAIL_USE_SSL": False,  # SMTP over TLS from the first byte (port 465)
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "Forum Desk <forum-desk@localhost>",
    "MAIL_TIMEOUT_SECONDS": 30,
    "MAIL_COALESCE_SECONDS": 120,  # changes to a session within this window: one message
    "MAIL_RETRY_SECONDS": 60,  # first back-off; doubles per attempt
    "MAIL_RETRY_MAX_SECONDS": 3600,
    "MAIL_MAX_ATTEMPTS": 10,
    "MAIL_CLAIM_TIMEOUT_SECONDS": 600,  # a "sending" row older than this: its sender died
    "MAIL_BATCH": 500,
}


def init_config(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("MAIL_OUTBOX_FOLDER", os.path.join(app.instance_path, "outbox"))


class ServerAway(Exception):
    """The mail server cannot be reached now: stop this round, try again later."""


class Refused(Exception):
    """The server refused this message for good (5xx)."""


class Transport(Protocol):
    def send(self, row: MailMessage) -> None: ...

    def close(self) -> None: ...


class EmlFolder:
    """The embedded default: each message as ``<id>.eml`` (same name on a retry)."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def send(self, row: MailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{row.id:08d}.eml"
        tmp = target.with_suffix(".eml.tmp")
        tmp.write_bytes(row.raw or b"")
        os.replace(tmp, target)

    def close(self) -> None:
        pass


class Smtp:
    """One SMTP connection for a round, opened on the first message."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self.conn: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        c = self.config
        host, port = c["MAIL_SERVER"], int(c["MAIL_PORT"])
        timeout = float(c["MAIL_TIMEOUT_SECONDS"])
        try:
            if c["MAIL_USE_SSL"]:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(host, port, timeout=timeout)
                if c["MAIL_USE_TLS"]:
                    conn.starttls(context=ssl.create_default_context())
            if c["MAIL_USERNAME"]:
                conn.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"] or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise ServerAway(f"cannot reach {host}:{port}: {exc}") from exc
        return conn

    def send(self, row: MailMessage) -> None:
        if self.conn is None:
            self.conn = self._open()
        try:
            # the envelope names the one recipient: nothing in the headers can add another
            self.conn.sendmail(sender().addr_spec, [row.recipient], row.raw or b"")
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            if 400 <= code < 500:
                raise ServerAway(f"{code} {text!r}") from exc
            raise Refused(f"{code} {text!r}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            if 400 <= exc.smtp_code < 500:
                raise ServerAway(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise Refused(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.conn = None
            raise ServerAway(str(exc) or type(exc).__name__) from exc

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.conn = None


def transport() -> Transport:
    if current_app.config.get("MAIL_SERVER"):
        return Smtp(current_app.config)
    return EmlFolder(current_app.config["MAIL_OUTBOX_FOLDER"])


# --------------------------------------------------------------------------- the round


@dataclass
class Round:
    sent: int = 0
    failed: int = 0  # will be tried again
    gave_up: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    c = current_app.config
    seconds = float(c["MAIL_RETRY_SECONDS"]) * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, float(c["MAIL_RETRY_MAX_SECONDS"])))


def _set(row_id: int, **values: Any) -> None:
    db.session.execute(sa.update(MailMessage).where(MailMessage.id == row_id)
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def _claim(row_id: int, now: datetime) -> bool:
    result = db.session.execute(
        sa.update(MailMessage)
        .where(MailMessage.id == row_id, MailMessage.status == MailStatus.PENDING)
        .values(status=MailStatus.SENDING, claimed_at=now, attempts=MailMessage.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def reclaim_stale(now: datetime) -> int:
    """Rows left ``sending`` by a sender that died: pending again (maybe sent once already;
    sending them again costs at most one duplicate, losing them would cost the message)."""
    limit = now - timedelta(seconds=float(current_app.config["MAIL_CLAIM_TIMEOUT_SECONDS"]))
    result = db.session.execute(
        sa.update(MailMessage)
        .where(MailMessage.status == MailStatus.SENDING, MailMessage.claimed_at < limit)
        .values(status=MailStatus.PENDING, next_attempt_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def due_ids(now: datetime, *, everything: bool = False, limit: int = 500) -> list[int]:
    q = sa.select(MailMessage.id).where(MailMessage.status == MailStatus.PENDING)
    if not everything:
        q = q.where(MailMessage.not_before <= now, MailMessage.next_attempt_at <= now)
    return list(db.session.scalars(q.order_by(MailMessage.id).limit(limit)))


def _prepare(row: MailMessage) -> bool:
    """Render the row once and store the bytes (False: nothing to send)."""
    if row.raw is not None:
        return True
    if opted_out(row.recipient):
        return False
    built = render(row)
    if built is None:
        return False
    msg, method = built
    # CRLF, and headers folded at 998 (RFC 5322's limit), not 78: a long List-Unsubscribe
    # URL must stay one plain token, not become encoded words that clients cannot follow
    row.raw = msg.as_bytes(policy=email.policy.SMTP.clone(max_line_length=998))
    row.subject = one_line(str(msg["Subject"]), 500)
    row.method = method
    db.session.commit()
    return True


def send_one(row_id: int, out: Transport, now: datetime, result: Round) -> None:
    if not _claim(row_id, now):
        return  # another sender has it
    row = db.session.get(MailMessage, row_id)
    assert row is not None
    try:
        ready = _prepare(row)
    except Exception as exc:  # noqa: BLE001 (a message that cannot be built is reported)
        db.session.rollback()
        _set(row_id, status=MailStatus.FAILED, last_error=f"could not build: {exc!r}"[:2000])
        result.gave_up += 1
        result.errors.append(f"#{row_id}: could not build: {exc!r}")
        return
    if not ready:
        _set(row_id, status=MailStatus.SKIPPED, last_error="")
        result.skipped += 1
        return
    attempts = row.attempts
    try:
        out.send(row)
    except Refused as exc:
        _set(row_id, status=MailStatus.FAILED, last_error=str(exc)[:2000])
        result.gave_up += 1
        result.errors.append(f"#{row_id} {row.recipient}: refused: {exc}")
        return
    except ServerAway:
        if attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"]):
            _set(row_id, status=MailStatus.FAILED, last_error="gave up: server away")
            result.gave_up += 1
        else:
            _set(row_id, status=MailStatus.PENDING, next_attempt_at=now + backoff(attempts))
            result.failed += 1
        raise
    _set(row_id, status=MailStatus.SENT, sent_at=utcnow(), last_error="")
    result.sent += 1


def deliver_pending(now: datetime | None = None, *, everything: bool = False,
                    limit: int | None = None) -> Round:
    """Send what is due (``everything``: also what waits for its window or back-off).
    Commits row by row; stops the round when the server is away."""
    now = now or utcnow()
    db.session.commit()
    reclaim_stale(now)
    result = Round()
    out = transport()
    try:
        for row_id in due_ids(now, everything=everything,
                              limit=limit or int(current_app.config["MAIL_BATCH"])):
            try:
                send_one(row_id, out, now, result)
            except ServerAway as exc:
                _set(row_id, last_error=str(exc)[:2000])
                result.errors.append(f"#{row_id}: server away: {exc}")
                break  # the rest stay pending, their attempts untouched
    finally:
        out.close()
    return result


def run_mail_send() -> None:
    """The job-queue entry point (a plain function run inside an app context)."""
    deliver_pending()
