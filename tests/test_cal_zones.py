"""Feeds are right in every IANA zone on every date from 2000 to 2037.

Three layers of proof:
- hypothesis draws any zone and any 1-10 day forum, renders its whole-forum feed with
  events on every day and around every changeover (in the hour that repeats or vanishes),
  and reads every event back through the feed's own VTIMEZONE (an RFC 5545 reader, in
  process); each instant must equal the one stored;
- a sample of one forum in every canonical zone (random dates) goes through ical-check
  (ical.js, the reader in Thunderbird, and vobject, against the IANA database) in one run,
  and ical.js's instants must equal the in-process reader's on every event, which is what
  makes the reader stand for a client;
- named forums (UN General Assembly week, Geneva, Dublin, Santiago, Lord Howe, Casablanca
  in Ramadan, Tehran and Mexico City after summer time was abolished, forums across a
  change) go through ical-check one by one.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import time as clock
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from delegations.timeutil import canonical_zone, local_time_problem
from tests.conftest import require_tool
from tests.zone_support import (
    FIRST_DAY,
    LAST_DAY,
    ZONES,
    forum_case,
    merge,
    read_events,
    read_vtimezones,
)

NAMED = {
    "UNGA high-level week, New York": ("America/New_York", date(2026, 9, 21), 5),
    "Geneva, October": ("Europe/Zurich", date(2026, 10, 19), 5),
    "Dublin, October (negative summer time)": ("Europe/Dublin", date(2026, 10, 20), 5),
    "Dublin across the October change": ("Europe/Dublin", date(2026, 10, 23), 4),
    "Santiago, April (across the change at midnight)": ("America/Santiago", date(2027, 4, 1), 5),
    "Sydney across the April change": ("Australia/Sydney", date(2027, 4, 2), 4),
    "Lord Howe across the half-hour change": ("Australia/Lord_Howe", date(2026, 10, 1), 6),
    "Casablanca into Ramadan time": ("Africa/Casablanca", date(2026, 2, 12), 10),
    "Casablanca in Ramadan": ("Africa/Casablanca", date(2026, 3, 2), 5),
    "Tehran after summer time was abolished": ("Asia/Tehran", date(2023, 9, 18), 7),
    "Tehran across its last change": ("Asia/Tehran", date(2022, 9, 18), 7),
    "Mexico City after summer time was abolished": ("America/Mexico_City", date(2023, 4, 1), 7),
    "Mexico City across its last change": ("America/Mexico_City", date(2022, 10, 27), 5),
    "New York across the November change": ("America/New_York", date(2026, 10, 30), 5),
    "New York across the March change": ("America/New_York", date(2027, 3, 12), 4),
    "Kolkata by its old name": ("Asia/Calcutta", date(2026, 1, 5), 3),
    "Kyiv by its old name, across a change": ("Europe/Kiev", date(2026, 3, 27), 4),
}


def run_ical_check(data: bytes, tmp_path, name: str) -> list[dict]:
    tool = require_tool("ical-check")  # fails, never skips, when the checker is missing
    f = tmp_path / name
    f.write_bytes(data)
    r = subprocess.run([str(tool), str(f), "--json"], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-4000:]
    return json.loads(r.stdout)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_right(case) -> None:
    """Every event read back through the feed's VTIMEZONE lands on its stored instant,
    and the TZID is the zone's canonical name."""
    tzid = canonical_zone(case.tzid)
    zones = read_vtimezones(case.ics)
    assert set(zones) <= {tzid}, (case.tzid, set(zones))
    if zones:
        first_start = min(s for s, _ in case.expected.values())
        assert zones[tzid][0].onset <= first_start.replace(tzinfo=None)
    assert read_events(case.ics) == case.expected, (case.tzid, case.first, case.days)


@settings(max_examples=int(os.environ.get("ZONE_EXAMPLES", "400")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(tzid=st.sampled_from(ZONES),
       first=st.dates(FIRST_DAY, LAST_DAY - timedelta(days=10)),
       days=st.integers(1, 10))
@example(*NAMED["UNGA high-level week, New York"])
@example(*NAMED["Casablanca in Ramadan"])
@example(*NAMED["Lord Howe across the half-hour change"])
def test_any_zone_any_dates_read_back_exactly(tzid: str, first: date, days: int) -> None:
    assert_right(forum_case(tzid, first, days))


def test_one_forum_in_every_zone_through_real_clients(tmp_path) -> None:
    """Every canonical zone once, on random dates, in one run of ical-check; ical.js's
    instants equal the in-process reader's and the stored ones on every event."""
    seed = int(os.environ.get("ZONE_SAMPLE_SEED", "0")) or random.SystemRandom().randrange(1 << 30)
    rnd = random.Random(seed)
    canonical = sorted({canonical_zone(z) for z in ZONES})
    cases = []
    for tzid in canonical:
        first = FIRST_DAY + timedelta(days=rnd.randrange((LAST_DAY - FIRST_DAY).days - 10))
        cases.append(forum_case(tzid, first, rnd.randint(1, 10)))
    assert len(cases) >= 200
    t0 = clock.perf_counter()
    events = run_ical_check(merge(cases), tmp_path, f"every-zone-{seed}.ics")
    took = clock.perf_counter() - t0
    client = {e["uid"]: (_utc(e["start_utc"]), _utc(e["end_utc"])) for e in events}
    mine: dict = {}
    for c in cases:
        mine.update(read_events(c.ics))
        assert_right(c)
    expected = {k: v for c in cases for k, v in c.expected.items()}
    assert len(client) == len(expected) == sum(len(c.expected) for c in cases), seed
    assert client == mine == expected, f"seed {seed}"
    print(f"ical-check: {len(cases)} feeds, {len(events)} events in {took:.1f} s (seed {seed})")


def test_named_forums_pass_ical_check(tmp_path) -> None:
    """Each named forum, read back exactly in process and by ical.js; feeds in different
    zones share a run of ical-check (one calendar holds one VTIMEZONE per zone)."""
    groups: list[list[tuple[str, object]]] = []
    for label, (tzid, first, days) in NAMED.items():
        case = forum_case(tzid, first, days)
        assert_right(case)
        for g in groups:
            if all(canonical_zone(c.tzid) != canonical_zone(tzid) for _, c in g):
                g.append((label, case))
                break
        else:
            groups.append([(label, case)])
    for n, group in enumerate(groups):
        events = run_ical_check(merge([c for _, c in group]), tmp_path, f"named-{n}.ics")
        got = {e["uid"]: (_utc(e["start_utc"]), _utc(e["end_utc"])) for e in events}
        for label, case in group:
            assert {u: got[u] for u in case.expected} == case.expected, label


def test_a_forum_across_a_change_has_both_observances() -> None:
    case = forum_case("America/New_York", date(2026, 10, 30), 5)
    text = case.ics.decode()
    assert "TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0400" in text  # in effect at the first event
    assert ("DTSTART:20261101T020000\r\nTZNAME:EST\r\nTZOFFSETFROM:-0400\r\n"
            "TZOFFSETTO:-0500") in text  # onset in the local time before the change
    # 01:30 happens twice that night: written in UTC, the only form every client reads alike
    assert "DTSTART:20261101T053000Z" in text and "DTSTART:20261101T063000Z" in text


def test_times_in_the_missing_or_repeated_hour_are_refused_with_the_reason() -> None:
    """What a coordinator is told when typing such a time (the session form shows it)."""
    lh = "Australia/Lord_Howe"  # clocks move by half an hour at 02:00
    assert local_time_problem(datetime(2026, 10, 4, 2, 15), lh) == (
        "04 Oct 2026 02:15 does not exist in Australia/Lord_Howe: the clocks go forward that "
        "night. Pick a time outside the skipped hour.")
    assert local_time_problem(datetime(2026, 4, 5, 1, 45), lh) == (
        "05 Apr 2026 01:45 happens twice in Australia/Lord_Howe: the clocks go back that "
        "night. Pick a time outside the repeated hour.")
    assert local_time_problem(datetime(2026, 4, 5, 2, 0), lh) is None
    assert "does not exist" in local_time_problem(datetime(2027, 9, 5, 0, 30),
                                                  "America/Santiago")
    assert local_time_problem(datetime(2026, 9, 22, 10, 0), "America/New_York") is None
