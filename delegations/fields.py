"""What a value may be, read from the model's own columns: the one check that the forms,
the spreadsheet preview and the forum import all run, so none of them passes a value the
database would refuse (or, on SQLite, silently store too long).

- ``String(n)`` columns: at most n characters, one line, no control characters (a title
  with a line break would break calendar files, CSV rows and e-mail headers).
- ``Text`` columns: at most ``MAX_TEXT`` characters; line breaks and tabs allowed, other
  control characters not.
- ``Integer`` columns: within the 32-bit range every supported database stores.
- columns named ``email`` or ``*_email``: an e-mail address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import Form

MAX_TEXT = 10_000
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators
ONE_LINE_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
TEXT_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def text_problem(value: str, *, max_len: int | None = None, one_line: bool = True) -> str | None:
    """Why a text cannot be stored, or None."""
    limit = max_len or MAX_TEXT
    if len(value) > limit:
        return f"is {len(value):,} characters long; at most {limit:,} are allowed"
    if one_line:
        bad = ONE_LINE_BAD.search(value)
        if bad:
            what = "a line break" if bad.group() in "\r\n\u2028\u2029\x85" else \
                f"a control character (U+{ord(bad.group()):04X})"
            return f"contains {what}; write it on one line"
    else:
        bad = TEXT_BAD.search(value)
        if bad:
            return f"contains a control character (U+{ord(bad.group()):04X})"
    return None


def integer_problem(value: int) -> str | None:
    if not INT_MIN <= value <= INT_MAX:
        return f"{value} is out of range (at most {INT_MAX:,})"
    return None


@cache
def _columns(model: type[Any]) -> dict[str, sa.Column[Any]]:
    return {attr.key: attr.columns[0] for attr in sa.inspect(model).column_attrs}


def value_problem(column: sa.Column[Any], key: str, value: Any) -> str | None:
    """Why ``value`` cannot go into ``column``, or None. Enums, dates and foreign keys are
    checked by their own parsers; this is about size and shape."""
    if value is None or value == "":
        return None
    t = column.type
    if isinstance(value, str) and isinstance(t, sa.String) and not isinstance(t, sa.Enum):
        one_line = not isinstance(t, sa.Text) and t.length is not None
        problem = text_problem(value, max_len=t.length, one_line=one_line)
        if problem:
            return problem
        if value and (key == "email" or key.endswith("_email")) and not EMAIL_RE.match(value):
            return f"\u201c{value[:80]}\u201d is not an e-mail address"
        return None
    if isinstance(value, int) and not isinstance(value, bool) and isinstance(t, sa.Integer):
        return integer_problem(value)
    return None


@cache
def _text_rules(model: type[Any]) -> dict[str, tuple[int, re.Pattern[str], bool]]:
    """Text columns: (longest, characters refused, an e-mail?), worked out once per model."""
    out = {}
    for key, column in _columns(model).items():
        t = column.type
        if isinstance(t, sa.String) and not isinstance(t, sa.Enum):
            one_line = not isinstance(t, sa.Text) and t.length is not None
            out[key] = (t.length or MAX_TEXT, ONE_LINE_BAD if one_line else TEXT_BAD,
                        key == "email" or key.endswith("_email"))
    return out


def column_problems(model: type[Any], values: Mapping[str, Any]) -> dict[str, str]:
    """{field: why} for every value that ``model``'s column of that name cannot take."""
    columns, texts = _columns(model), _text_rules(model)
    out = {}
    for key, value in values.items():
        if not value:
            continue
        rule = texts.get(key) if isinstance(value, str) else None
        if rule is not None and len(value) <= rule[0] and not rule[1].search(value) \
                and not (rule[2] and not EMAIL_RE.match(value)):
            continue  # the usual case, decided without building a message
        column = columns.get(key)
        if column is not None:
            problem = value_problem(column, key, value)
            if problem:
                out[key] = problem
    return out


def object_problems(obj: Any) -> dict[str, str]:
    """The same check on an ORM object about to be written."""
    model = type(obj)
    return column_problems(model, {k: getattr(obj, k) for k in _columns(model)})


def check_form(form: Form, model: type[Any]) -> bool:
    """Add the column checks to a validated WTForms form's field errors; True if clean."""
    values = {f.name: f.data for f in form if isinstance(f.data, str | int)}
    problems = column_problems(model, values)
    for name, problem in problems.items():
        field = form[name]
        field.errors = [*field.errors, f"{field.label.text} {problem}."]
    return not problems


class ColumnCheckedForm(FlaskForm):
    """A form whose fields named like ``model``'s columns get the column checks too."""

    model: ClassVar[type[Any] | None] = None

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.model is None:
            return ok
        return check_form(self, self.model) and ok
