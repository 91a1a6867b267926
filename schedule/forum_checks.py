"""Reading a forum file's values: each reader checks one field and, when it is wrong,
notes the problem with its path in the file (``sessions[3].start: ...``) and goes on, so
that one pass lists every problem."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pycountry

from delegations import fields
from delegations.safejson import JSONProblem, load_json

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ForumFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the forum file")
        self.problems = problems


def read_document(c: Checker, raw: bytes | str | dict[str, Any], fmt: str) -> dict[str, Any]:
    """The file as an object of the right format (not JSON at all: ForumFileError now)."""
    if isinstance(raw, dict):
        data = raw
    else:
        try:
            data = load_json(raw)
        except JSONProblem as e:
            raise ForumFileError([f"(file): {e}"]) from e
    data = c.obj(data, "(file)")
    if data.get("format") != fmt:
        c.err("format", f"must be {fmt!r}")
    return data


@dataclass
class Checker:
    problems: list[str] = field(default_factory=list)

    def err(self, path: str, msg: str) -> None:
        self.problems.append(f"{path}: {msg}")

    def obj(self, v: Any, path: str) -> dict[str, Any]:
        if not isinstance(v, dict):
            self.err(path, "must be an object")
            return {}
        return v

    def arr(self, v: Any, path: str) -> list[Any]:
        if v is None:
            return []
        if not isinstance(v, list):
            self.err(path, "must be a list")
            return []
        return v

    def text(self, o: dict[str, Any], k: str, path: str, *, required: bool = False,
             max_len: int = 10000) -> str:
        v = o.get(k)
        if v is None or v == "":
            if required:
                self.err(f"{path}.{k}", "is required")
            return ""
        if not isinstance(v, str):
            self.err(f"{path}.{k}", "must be a string")
            return ""
        if len(v) > max_len:
            self.err(f"{path}.{k}", f"longer than {max_len} characters")
        return v

    def choice(self, o: dict[str, Any], k: str, path: str, enum_cls: Any, *,
               required: bool = True, default: Any = None) -> Any:
        v = o.get(k)
        if v is None:
            if required:
                self.err(f"{path}.{k}", "is required")
            return default
        try:
            return enum_cls(v)
        except ValueError:
            allowed = ", ".join(m.value for m in enum_cls)
            self.err(f"{path}.{k}", f"{v!r} is not one of: {allowed}")
            return default

    def boolean(self, o: dict[str, Any], k: str, path: str, default: bool = False) -> bool:
        v = o.get(k, default)
        if not isinstance(v, bool):
            self.err(f"{path}.{k}", "must be true or false")
            return default
        return v

    def integer(self, o: dict[str, Any], k: str, path: str, *, required: bool = False,
                minimum: int = 0) -> int | None:
        v = o.get(k)
        if v is None:
            if required:
                self.err(f"{path}.{k}", "is required")
            return None
        if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
            self.err(f"{path}.{k}", f"must be a whole number of at least {minimum}")
            return None
        if fields.integer_problem(v):
            self.err(f"{path}.{k}", fields.integer_problem(v) or "")
            return None
        return v

    def day(self, o: dict[str, Any], k: str, path: str, *, required: bool = False) -> date | None:
        v = o.get(k)
        if v is None:
            if required:
                self.err(f"{path}.{k}", "is required")
            return None
        try:
            return date.fromisoformat(v)
        except (TypeError, ValueError):
            self.err(f"{path}.{k}", f"{v!r} is not a date (YYYY-MM-DD)")
            return None

    def instant(self, o: dict[str, Any], k: str, path: str, *,
                required: bool = False) -> datetime | None:
        v = o.get(k)
        if v is None:
            if required:
                self.err(f"{path}.{k}", "is required")
            return None
        try:
            dt = datetime.fromisoformat(v)
        except (TypeError, ValueError):
            dt = None
        if dt is None or dt.tzinfo is None or "T" not in str(v):
            self.err(f"{path}.{k}", f"{v!r} is not an ISO 8601 time with offset "
                                    "(e.g. 2022-05-17T10:00:00-04:00)")
            return None
        return dt.astimezone(UTC)

    def country(self, o: dict[str, Any], k: str, path: str) -> str | None:
        v = o.get(k)
        if v in (None, ""):
            return None
        if not isinstance(v, str) or pycountry.countries.get(alpha_2=v.upper()) is None:
            self.err(f"{path}.{k}", f"{v!r} is not an ISO 3166-1 alpha-2 country code")
            return None
        return v.upper()

    def key(self, o: dict[str, Any], path: str, seen: set[str]) -> str:
        v = o.get("key")
        if not isinstance(v, str) or not v:
            self.err(f"{path}.key", "is required")
            return ""
        if v in seen:
            self.err(f"{path}.key", f"{v!r} is used twice")
        seen.add(v)
        return v

    def ref(self, o: dict[str, Any], k: str, path: str, known: dict[str, Any], what: str, *,
            required: bool = False) -> Any:
        v = o.get(k)
        if v is None or v == "":
            if required:
                self.err(f"{path}.{k}", "is required")
            return None
        if not isinstance(v, str) or v not in known:
            self.err(f"{path}.{k}", f"no {what} with key {v!r} in this file")
            return None
        return known[v]


def column_checks(c: Checker, checked: list[tuple[str, Any]]) -> None:
    """Every object about to be written gets the model's column checks (lengths, one-line
    text, number ranges), the same the forms and the spreadsheet preview run."""
    reported = set(c.problems)
    for path, obj in checked:
        for key, problem in fields.object_problems(obj).items():
            line = f"{path}.{key}: {problem}"
            if not any(r.startswith(f"{path}.{key}:") for r in reported):
                c.problems.append(line)


def objects_to_check(forum: Any, new_orgs: list[Any], quotas: list[Any], deadlines: list[Any],
                     venues: list[Any], delegations: list[Any],
                     sessions: list[Any]) -> list[tuple[str, Any]]:
    """Every new object of a forum file with its path in the file."""
    checked: list[tuple[str, Any]] = [("forum", forum)]
    checked += [(f"organisations[{o.name[:40]!r}]", o) for o in new_orgs]
    checked += [(f"quotas[{i}]", q) for i, q in enumerate(quotas)]
    checked += [(f"deadlines[{i}]", d) for i, d in enumerate(deadlines)]
    for i, v in enumerate(venues):
        checked.append((f"venues[{i}]", v))
        checked += [(f"venues[{i}].rooms[{j}]", r) for j, r in enumerate(v.rooms)]
    for i, dl in enumerate(delegations):
        checked.append((f"delegations[{i}]", dl))
        for j, person in enumerate(dl.delegates):
            checked.append((f"delegations[{i}].delegates[{j}]", person))
            checked += [(f"delegations[{i}].delegates[{j}].accreditation", a)
                        for a in person.accreditations]
    for i, se in enumerate(sessions):
        checked.append((f"sessions[{i}]", se))
        checked += [(f"sessions[{i}].speakers[{j}]", sl) for j, sl in enumerate(se.speaker_slots)]
    return checked
