"""JSON from outside, read within bounds: size, nesting depth and number range are
checked while parsing, and every failure is one ``JSONProblem`` with a message for
people (never a RecursionError, an overflow or a 10^30 quota reaching the database)."""

from __future__ import annotations

import json
import math
from typing import Any

MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32
MAX_DIGITS = 15  # beyond any count, quota or minutes a forum has


class JSONProblem(ValueError):
    pass


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise JSONProblem(f"the number {text[:20]}{'…' if len(text) > 20 else ''} is too large "
                          f"(at most {MAX_DIGITS} digits)")
    return int(text)


def _float(text: str) -> float:
    if len(text) > 40:
        raise JSONProblem(f"the number {text[:20]}… is too long")
    value = float(text)
    if not math.isfinite(value):
        raise JSONProblem(f"the number {text} is out of range")
    return value


def _constant(text: str) -> Any:
    raise JSONProblem(f"{text} is not a JSON number")


def load_json(raw: bytes | str, *, max_bytes: int = MAX_BYTES,
              max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``raw``; raises JSONProblem."""
    if len(raw) > max_bytes:
        raise JSONProblem(f"the file is {len(raw) / 1024 / 1024:.1f} MB; the limit is "
                          f"{max_bytes // 1024 // 1024} MB")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = raw[:e.start].count(b"\n") + 1
            raise JSONProblem(f"not UTF-8 text (first bad byte on line {line})") from e
    try:
        data = json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError as e:
        raise JSONProblem(f"nested deeper than {max_depth} levels") from e
    except json.JSONDecodeError as e:
        raise JSONProblem(f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from e
    except ValueError as e:  # int() beyond the interpreter's digit limit, and our own
        if isinstance(e, JSONProblem):
            raise
        raise JSONProblem(f"not valid JSON: {e}") from e
    _check_depth(data, max_depth)
    return data


def _check_depth(data: Any, max_depth: int) -> None:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            raise JSONProblem(f"nested deeper than {max_depth} levels")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
