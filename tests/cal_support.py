"""Helpers for the calendar and briefing-book tests: run the shared checkers (../shared/tools;
a test fails when they are missing) and also parse with a Python reader."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from icalendar import Calendar

from tests.conftest import require_tool


def parse_ics(data: bytes) -> list[Any]:
    """The VEVENTs, parsed by icalendar; also the RFC 5545 byte rules we rely on."""
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    cal = Calendar.from_ical(data)
    assert cal["VERSION"] == "2.0" and cal.get("PRODID")
    return [c for c in cal.walk("VEVENT")]


def ical_check(data: bytes, tmp_path: Path, *, tz: str | None = None,
               expect_events: int | None = None) -> list[dict[str, Any]]:
    """Run ../shared/tools/ical-check --json (the test fails when it is missing)."""
    ical_check_tool = require_tool("ical-check")
    f = tmp_path / f"feed-{abs(hash(data))}.ics"
    f.write_bytes(data)
    cmd = [str(ical_check_tool), str(f), "--json"]
    if tz:
        cmd += ["--tz", tz]
    if expect_events is not None:
        cmd += ["--expect-events", str(expect_events)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "ical-check: OK" in r.stderr
    return json.loads(r.stdout)


def pdf_check(pdf: Path, *expect: str, png: Path | None = None,
              min_pages: int = 1) -> str:
    """Run ../shared/tools/pdf-check with outline and embedded fonts required."""
    cmd = [str(require_tool("pdf-check")), str(pdf), "--require-outline", "--require-embedded-fonts",
           "--min-pages", str(min_pages)]
    for e in expect:
        cmd += ["--expect-text", e]
    if png is not None:
        cmd += ["--png", str(png)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout
