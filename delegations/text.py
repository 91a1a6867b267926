"""Text helpers for display: natural ordering ("Room 4" before "Room 11")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import Flask

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p.casefold() for p in _DIGITS.split(text))


def natural_sort(items: Iterable[Any], attribute: str = "name") -> list[Any]:
    return sorted(items, key=lambda x: natural_key(str(getattr(x, attribute))))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["natural_sort"] = natural_sort
