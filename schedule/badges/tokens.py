"""The badge number, which is also what the QR code holds: ``B<id>-<version>-<signature>``.

It names a badge and its version and nothing about the person; the signature is an HMAC
under the app's secret key, cut to 10 base32 characters (50 bits) so that a person can
type it at the desk. Guessing is pointless: every try goes through a logged-in desk, and
a valid number only shows what the printed badge already shows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from flask import current_app

SIGNATURE_CHARS = 10
_FORMAT = re.compile(r"B([1-9][0-9]{0,9})-([1-9][0-9]{0,5})-([A-Z2-7]{" + str(SIGNATURE_CHARS) + "})")


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(secret, b"forum-desk badge number", hashlib.sha256).digest()


def _signature(badge_id: int, version: int) -> str:
    mac = hmac.new(_key(), f"{badge_id}.{version}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode()[:SIGNATURE_CHARS]


def make_token(badge_id: int, version: int) -> str:
    return f"B{badge_id}-{version}-{_signature(badge_id, version)}"


def normalise(text: str) -> str:
    """What a person typed or a camera read, as a badge number: no spaces, upper case."""
    return re.sub(r"\s+", "", text or "")[:64].upper()


def read_token(text: str) -> tuple[int, int] | None:
    """(badge id, version) when ``text`` is a badge number this app signed, else None."""
    m = _FORMAT.fullmatch(normalise(text))
    if m is None:
        return None
    badge_id, version = int(m.group(1)), int(m.group(2))
    if not hmac.compare_digest(m.group(3), _signature(badge_id, version)):
        return None
    return badge_id, version
