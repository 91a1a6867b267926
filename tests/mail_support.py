"""A real SMTP server for the mail tests (aiosmtpd on 127.0.0.1, a free port), and helpers
to read what it received."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def msg(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def to(self) -> str:
        return self.msg["To"].addresses[0].addr_spec

    def text(self) -> str:
        return self.msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    def html(self) -> str:
        return self.msg.get_body(("html",)).get_content()  # type: ignore[union-attr]

    def ics(self) -> bytes | None:
        for part in self.msg.iter_attachments():
            if part.get_filename() == "invite.ics":
                return part.get_content()
        return None

    def inline_calendar(self) -> EmailMessage | None:
        for part in self.msg.walk():
            if part.get_content_type() == "text/calendar":
                return part  # type: ignore[return-value]
        return None


@dataclass
class Handler:
    """Stores what it accepts. With ``stop_after``, it answers 421 from that message on
    (nothing stored), and sets ``reached`` so the test can stop the server."""

    received: list[Received] = field(default_factory=list)
    stop_after: int | None = None
    down: bool = False
    reached: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            if self.down:
                return "421 Service not available, closing transmission channel"
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content or envelope.content))
            if self.stop_after is not None and len(self.received) >= self.stop_after:
                self.down = True
                self.reached.set()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Handler()
        self.controller: Controller | None = None
        self.earlier: list[Received] = []  # what servers stopped before received

    def start(self, handler: Handler | None = None) -> None:
        if handler is not None:
            self.handler = handler
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def restart(self) -> None:
        self.stop()
        self.earlier += self.handler.received
        self.start(Handler())

    @property
    def received(self) -> list[Received]:
        return self.earlier + self.handler.received

    def by_recipient(self) -> dict[str, list[Received]]:
        out: dict[str, list[Received]] = {}
        for r in self.received:
            for rcpt in r.rcpt_tos:
                out.setdefault(rcpt, []).append(r)
        return out


class _Inputs(HTMLParser):
    """The values a browser would post from the first form with method=post on a page."""

    def __init__(self, action_part: str) -> None:
        super().__init__()
        self.action_part = action_part
        self.inside = False
        self.done = False
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done and self.action_part in a.get("action", ""):
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "y")
            elif kind != "submit":
                self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea or ""] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea:  # a browser drops the newline that follows <textarea>
                v = self.values[self._textarea]
                self.values[self._textarea] = v[2:] if v.startswith("\r\n") else \
                    v[1:] if v.startswith("\n") else v
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False
            self.done = True


def form_values(html: str, action_part: str) -> dict[str, str]:
    p = _Inputs(action_part)
    p.feed(html)
    return p.values
