"""The cells of a roster row: enum values and labels (in English and in the page's
language), dates, yes/no, and the name key that matches a person within a delegation."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from flask_babel import force_locale, get_locale


@cache
def _lookup(enum_cls: Any, locale: str) -> dict[str, Any]:
    """Every spelling of every member in one language, built once (not once per row)."""
    out: dict[str, Any] = {}
    with force_locale(locale):
        for m in enum_cls:
            for text in (m.value, m.value.replace("_", " "), str(getattr(m, "label", m.value))):
                out.setdefault(text.lower(), m)
    return out


def enum_value(enum_cls: Any, text: str) -> Any:
    """A member from its value or its label, in English or in the language of the request
    (a file made in English imports the same whatever language the page is in)."""
    t = text.strip().lower()
    found = _lookup(enum_cls, "en").get(t)
    if found is None:
        found = _lookup(enum_cls, str(get_locale() or "en")).get(t)
    if found is None:
        raise ValueError
    return found


def choices(enum_cls: Any) -> str:
    return ", ".join(m.value for m in enum_cls)


def parse_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in ("%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise ValueError


def parse_bool(text: str) -> bool:
    t = text.strip().lower()
    if t in ("", "no", "n", "false", "0"):
        return False
    if t in ("yes", "y", "true", "1", "x"):
        return True
    raise ValueError


def key_name(given: str, family: str) -> str:
    return f"{given.casefold().strip()}|{family.casefold().strip()}"
