"""Invitations by e-mail: when someone is invited, the message with their one-time link is
queued in the mail outbox (written in the invitation's own transaction, sent by
``flask mail send`` or the worker like every other message). The link is also shown once to
whoever invited, to pass on by hand when mail is not set up.

The message is rendered at once (the plain token exists only now) and stored as the row's
bytes, so the sender sends it as it is.
"""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from flask import current_app, g, has_request_context, url_for
from flask_babel import gettext as _

from delegations.db import db, utcnow
from delegations.models import Invitation, User
from delegations.signals import invitation_created

from .mail_render import _address, one_line, sender
from .outbox import MailMessage, MailStatus, _message_id, opted_out


def _link(token: str) -> str:
    if has_request_context():
        return url_for("invitations.accept", token=token, _external=True)
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost/"
    with current_app.test_request_context("/", base_url=base):
        return url_for("invitations.accept", token=token, _external=True)


def invitation_message(inv: Invitation, link: str, message_id: str) -> EmailMessage:
    who = inv.delegation.name if inv.delegation is not None else ""
    role = inv.role.label.lower()
    intro = (_("You are invited to Forum Desk as %(role)s of the %(delegation)s delegation.",
               role=role, delegation=who) if who else
             _("You are invited to Forum Desk as %(role)s.", role=role))
    text = "\n\n".join([
        intro,
        _("Set your password with this link (it works once, until %(when)s UTC):",
          when=inv.expires_at.strftime("%Y-%m-%d %H:%M")),
        link,
        _("If you did not expect this message, ignore it: nothing happens without the link."),
    ]) + "\n"
    msg = EmailMessage()
    msg["From"] = sender()
    msg["To"] = _address("", inv.email)
    msg["Subject"] = one_line(_("Your invitation to Forum Desk"), 250)
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    return msg


def queue_invitation(sender_: User | None, invitation: Invitation, token: str,
                     **_: Any) -> None:
    """Receiver of ``invitation_created``: one outbox row with the message's bytes."""
    if opted_out(invitation.email) or invitation.forum_id is None:
        return
    message_id = _message_id()
    msg = invitation_message(invitation, _link(token), message_id)
    db.session.add(MailMessage(
        kind="person", forum_id=invitation.forum_id, delegate_id=invitation.delegate_id,
        delegation_id=invitation.delegation_id, recipient=invitation.email, payload={},
        status=MailStatus.PENDING, message_id=message_id,
        subject=str(msg["Subject"]), method="",
        raw=msg.as_bytes(policy=email.policy.SMTP.clone(max_line_length=998))))
    db.session.flush()
    if has_request_context():
        g.invitation_mailed = invitation.email


def connect() -> None:
    invitation_created.connect(queue_invitation)  # a module-level receiver: no duplicates
