"""Secret calendar-feed tokens of delegates and delegations.

A token is ``secrets.token_urlsafe(24)`` (192 bits). Only its SHA-256 is stored; the plain
token is returned once, when issued, and cannot be shown again. A new token either replaces
the owner's old ones (revoked) or sits beside them, so that someone who lost their link gets
a new one without breaking a calendar subscribed elsewhere; a revoked token finds nothing
(the feed answers 404).
Services flush and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from delegations.changelog import record
from delegations.db import db, utcnow
from delegations.models import User

from .models import FeedToken

TOKEN_BYTES = 24  # 192 bits (at least 128 required)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _owner_clause(delegate_id: int | None, delegation_id: int | None) -> sa.ColumnElement[bool]:
    if (delegate_id is None) == (delegation_id is None):
        raise ValueError("a feed token belongs to one delegate or one delegation")
    if delegate_id is not None:
        return FeedToken.delegate_id == delegate_id
    return FeedToken.delegation_id == delegation_id


def active_token(*, delegate_id: int | None = None,
                 delegation_id: int | None = None) -> FeedToken | None:
    return db.session.scalar(
        sa.select(FeedToken).where(_owner_clause(delegate_id, delegation_id),
                                   FeedToken.revoked_at.is_(None))
        .order_by(FeedToken.id.desc()).limit(1))


def revoke_tokens(actor: User | None, *, delegate_id: int | None = None,
                  delegation_id: int | None = None) -> int:
    """Revoke the owner's live tokens; returns how many."""
    tokens = db.session.scalars(
        sa.select(FeedToken).where(_owner_clause(delegate_id, delegation_id),
                                   FeedToken.revoked_at.is_(None))).all()
    now = utcnow()
    for t in tokens:
        t.revoked_at = now
    if tokens:
        owner = ("delegate", delegate_id) if delegate_id else ("delegation", delegation_id)
        record(actor, owner[0], owner[1], "feed_token:revoke",
               f"Revoked {len(tokens)} calendar feed link(s)")
    db.session.flush()
    return len(tokens)


def issue_token(actor: User | None, *, delegate_id: int | None = None,
                delegation_id: int | None = None, replace: bool = True
                ) -> tuple[FeedToken, str]:
    """A new token for the owner (with ``replace``, the old ones are revoked). Returns the
    row and the plain token, which the caller shows once and never stores."""
    _owner_clause(delegate_id, delegation_id)
    if replace:
        revoke_tokens(actor, delegate_id=delegate_id, delegation_id=delegation_id)
    plain = secrets.token_urlsafe(TOKEN_BYTES)
    row = FeedToken(delegate_id=delegate_id, delegation_id=delegation_id,
                    token_hash=hash_token(plain))
    db.session.add(row)
    owner = ("delegate", delegate_id) if delegate_id else ("delegation", delegation_id)
    record(actor, owner[0], owner[1], "feed_token:issue", "Issued a calendar feed link")
    db.session.flush()
    return row, plain


def mark_used(row: FeedToken) -> bool:
    """Note when a feed link was last read (at most once an hour: polls are frequent).
    Returns whether anything changed (then the caller commits)."""
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(hours=1):
        row.last_used_at = now
        db.session.flush()
        return True
    return False


def find_token(plain: str) -> FeedToken | None:
    """The live token with this value, or None (unknown or revoked)."""
    if not plain or len(plain) > 200:
        return None
    return db.session.scalar(
        sa.select(FeedToken).where(FeedToken.token_hash == hash_token(plain),
                                   FeedToken.revoked_at.is_(None)))
