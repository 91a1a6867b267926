"""What changed in a session's latest edition, in one line: "Moved from 10:00–13:00 to
11:00–14:00 (venue time)", "Room changed to Conference Room 6, United Nations Headquarters",
"Cancelled". The line is kept with the session's revision, so a calendar feed can begin the
event's description with it and a delegate sees why the event moved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from delegations.timeutil import fmt_day, fmt_span, to_zone


def _span(state: dict[str, Any], tz: str, with_day: bool) -> str:
    start = datetime.fromisoformat(state["starts_at"])
    end = datetime.fromisoformat(state["ends_at"])
    text = fmt_span(start, end, tz)
    return f"{fmt_day(start, tz)} {text}" if with_day else text


def change_note(before: dict[str, Any], after: dict[str, Any], tz: str) -> str:
    """``before`` and ``after`` are session states (``outbox.session_state``)."""
    parts = []
    if (before["starts_at"], before["ends_at"]) != (after["starts_at"], after["ends_at"]):
        moved_day = (to_zone(datetime.fromisoformat(before["starts_at"]), tz).date()
                     != to_zone(datetime.fromisoformat(after["starts_at"]), tz).date())
        parts.append(f"Moved from {_span(before, tz, moved_day)} to "
                     f"{_span(after, tz, moved_day)} (venue time)")
    if before["where"] != after["where"]:
        parts.append(f"Room changed to {after['where']}" if after["where"]
                     else "Room to be confirmed")
    if before["status"] != after["status"]:
        parts.append("Cancelled" if after["status"] == "cancelled"
                     else f"Now {after['status']}")
    return "; ".join(parts) + ("." if parts else "")
