"""The demo forum moved to six places and dates: every delegation's `flask calendar export`
and the whole forum's pass ical-check, and every event lands where the forum file put it."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from delegations.timeutil import zone
from schedule.cli import DEMO_FILE
from tests.test_cal_zones import _utc, run_ical_check
from tests.zone_support import merge

PLACES = {  # short name: zone, first day, host city
    "UNGA26": ("America/New_York", date(2026, 9, 21), "New York"),
    "GVA26": ("Europe/Zurich", date(2026, 10, 19), "Geneva"),
    "DUB26": ("Europe/Dublin", date(2026, 10, 20), "Dublin"),
    "SCL27": ("America/Santiago", date(2027, 4, 1), "Santiago"),
    "SYD26": ("Australia/Sydney", date(2026, 10, 1), "Sydney"),
    "LHI26": ("Australia/Lord_Howe", date(2026, 10, 1), "Lord Howe Island"),
}


class Case:
    def __init__(self, short: str, tzid: str, day: date, city: str, data: dict) -> None:
        self.tzid, self.short = tzid, short
        self.expected: dict[str, tuple[datetime, datetime]] = {}
        self.data = json.loads(json.dumps(data))
        f = self.data["forum"]
        old_first = date.fromisoformat(f["start_date"])
        span = date.fromisoformat(f["end_date"]) - old_first
        f.update(short_name=short, name=f"{f['name']} in {city}", timezone=tzid,
                 start_date=day.isoformat(), end_date=(day + span).isoformat(), host_city=city)
        tz = zone(tzid)
        for s in self.data["sessions"]:
            s["uid"] = f"{short.lower()}-{s['uid']}"
            times = []
            for key in ("start", "end"):
                old = datetime.fromisoformat(s[key])
                new = datetime.combine(day + (old.date() - old_first), old.time().replace(
                    tzinfo=None), tzinfo=tz)
                s[key] = new.isoformat()
                times.append(new.astimezone(zone("UTC")))
            self.expected[s["uid"]] = (times[0], times[1])


def test_demo_moved_to_six_places_exports_pass_ical_check(app, runner, tmp_path: Path) -> None:
    demo = json.loads(DEMO_FILE.read_text("utf-8"))
    names = [d["name"] for d in demo["delegations"]]
    cases = [Case(short, *place, demo) for short, place in PLACES.items()]
    for c in cases:
        f = tmp_path / f"{c.short}.json"
        f.write_text(json.dumps(c.data), "utf-8")
        r = runner.invoke(args=["forum", "import", str(f)])
        assert r.exit_code == 0, r.output
    feeds: dict[str, list] = {}
    for c in cases:
        for name in [*names, None]:
            out = tmp_path / f"{c.short}-{names.index(name) if name else 'forum'}.ics"
            args = ["calendar", "export", "--forum", c.short, "--out", str(out)]
            if name is not None:
                args += ["--delegation", name]
            r = runner.invoke(args=args)
            assert r.exit_code == 0, r.output
            feeds.setdefault(name or "", []).append((c, out.read_bytes()))

    class Piece:  # what merge() needs: the zone and the bytes
        def __init__(self, tzid: str, ics: bytes) -> None:
            self.tzid, self.ics = tzid, ics

    checked = 0
    for name, pieces in feeds.items():
        events = run_ical_check(merge([Piece(c.tzid, data) for c, data in pieces]), tmp_path,
                                f"demo-{names.index(name) if name else 'forum'}.ics")
        for e in events:
            case = next(c for c, _ in pieces if e["uid"].startswith(c.short.lower() + "-"))
            assert (_utc(e["start_utc"]), _utc(e["end_utc"])) == case.expected[e["uid"]], \
                (name, case.short, e["uid"])
            checked += 1
    assert checked > 200
    # New York in UNGA week is in summer time: the first hearing at 10:00 is 14:00 UTC
    ny = cases[0].expected["unga26-imrf2022-hearing-am@forum-desk"]
    assert ny[0] == datetime(2026, 9, 21, 14, 0, tzinfo=zone("UTC"))
    assert timedelta(hours=3) == ny[1] - ny[0]
