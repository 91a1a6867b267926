"""Signals other packages may listen to, so that ``delegations`` never imports them.

``people_renamed`` is sent (with ``delegate_ids``) when something a programme shows about
people changes: a name, honorific or function, or a delegation's name. ``schedule`` uses it
to mark the sessions concerned as changed, so calendar feeds and books pick it up.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
people_renamed = _signals.signal("people-renamed")

SHOWN_FIELDS = frozenset({"honorific", "given_names", "family_name", "function"})

# Sent (with ``invitation`` and the plain ``token``) when someone is invited, so that a
# package with mail can send the link; the token itself is never stored.
invitation_created = _signals.signal("invitation-created")
