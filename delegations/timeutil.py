"""Time zones: UTC in the database, the forum's IANA zone for venue time, and the
viewer's home zone beside it. Never a fixed offset.

Zone rules come from the ``tzdata`` package (the IANA release pip installs) before the
operating system's copy, so every page, feed and book uses one release of the database,
the one calendar clients are checked against, however old the host's own copy is.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date, get_timezone_location
from flask import Flask
from flask_babel import get_locale, gettext

# Not places: tzdata's placeholder for unset clocks, and the host's own setting.
NOT_FORUM_ZONES = frozenset({"Factory", "localtime", "posixrules"})
_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$")


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``: the one place zone rules are loaded."""
    if not _ZONE_NAME.match(name or ""):
        raise ZoneInfoNotFoundError(f"No time zone found with key {name!r}")
    try:
        ref = resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
        with ref.open("rb") as f:
            return ZoneInfo.from_file(f, key=name)
    except (ModuleNotFoundError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
            ValueError):
        return ZoneInfo(name)


def _tzdata_zi() -> str:
    try:
        return resources.files("tzdata.zoneinfo").joinpath("tzdata.zi").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        system = Path("/usr/share/zoneinfo/tzdata.zi")
        return system.read_text("utf-8") if system.exists() else ""


@lru_cache(maxsize=1)
def _links() -> dict[str, str]:
    """Alias -> zone, from the database's own link lines ("L Asia/Kolkata Asia/Calcutta")."""
    out: dict[str, str] = {}
    for line in _tzdata_zi().splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()[:3]
            out[alias] = target
    return out


@lru_cache(maxsize=1024)
def canonical_zone(name: str) -> str:
    """The canonical IANA name of a zone: links resolved (Asia/Calcutta -> Asia/Kolkata,
    Europe/Kiev -> Europe/Kyiv). Calendars carry this name as their TZID."""
    links = _links()
    seen = {name}
    while name in links and links[name] not in seen:
        name = links[name]
        seen.add(name)
    return name


@lru_cache(maxsize=1)
def all_zone_names() -> frozenset[str]:
    """Every zone name the database knows, links included (what a forum may be set to)."""
    try:
        listed = resources.files("tzdata").joinpath("zones").read_text("utf-8").split()
    except (ModuleNotFoundError, FileNotFoundError):
        listed = []
    return (frozenset(listed) | available_timezones()) - NOT_FORUM_ZONES


def is_valid_zone(name: str | None) -> bool:
    if not name or name in NOT_FORUM_ZONES:
        return False
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        return False
    return True


@lru_cache(maxsize=1)
def zone_names() -> list[str]:
    return sorted(z for z in all_zone_names() if "/" in z and not z.startswith("Etc/"))


def to_zone(dt: datetime, tz: str) -> datetime:
    return dt.astimezone(zone(tz))


def local_to_utc(day: date, at: time, tz: str) -> datetime:
    """Wall-clock time in ``tz`` to an aware UTC datetime (fold=0 for ambiguous times)."""
    return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(UTC)


def parse_local(value: str, tz: str) -> datetime:
    """'2022-05-17T10:00' (or with a space) as wall-clock time in ``tz``, returned in UTC."""
    naive = datetime.fromisoformat(value.strip().replace(" ", "T"))
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return naive.replace(tzinfo=zone(tz)).astimezone(UTC)


def local_time_problem(naive: datetime, tz: str) -> str | None:
    """Why a wall-clock time is not one instant in ``tz``: it falls in the hour the clocks
    skip (spring forward) or in the hour they repeat (fall back). None when it is fine."""
    z = zone(tz)
    first, second = naive.replace(tzinfo=z, fold=0), naive.replace(tzinfo=z, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    when = naive.strftime("%d %b %Y %H:%M")
    if first.astimezone(UTC).astimezone(z).replace(tzinfo=None) != naive:
        return gettext("%(when)s does not exist in %(zone)s: the clocks go forward that night. "
                       "Pick a time outside the skipped hour.", when=when, zone=tz)
    return gettext("%(when)s happens twice in %(zone)s: the clocks go back that night. "
                   "Pick a time outside the repeated hour.", when=when, zone=tz)


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants at which ``day`` starts and ends in ``tz`` (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time(0), tzinfo=zone(tz)).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone(tz)).astimezone(UTC)
    return start, end


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def fmt_time(dt: datetime | None, tz: str) -> str:
    if dt is None:
        return ""
    return to_zone(dt, tz).strftime("%H:%M")


def fmt_span(start: datetime, end: datetime, tz: str) -> str:
    """"10:00–13:00", and "22:30–00:30 (+1)" when the end falls on a later day in ``tz``:
    every start–end range a person reads is written by this one function."""
    days_later = (to_zone(end, tz).date() - to_zone(start, tz).date()).days
    text = f"{fmt_time(start, tz)}–{fmt_time(end, tz)}"
    return f"{text} (+{days_later})" if days_later > 0 else text


def _locale() -> str:
    """The language of the page, book or command being written (English outside one)."""
    return str(get_locale() or "en")


# Date patterns per language (CLDR's own where it reads well; British order in English).
_DAY = {"en": "EEEE d MMMM y"}
_SHORT_DATE = {"en": "EEE d MMM y", "fr": "EEE d MMM y", "es": "EEE d MMM y", "ar": "EEEE d MMMM y"}


def fmt_datetime(dt: datetime | None, tz: str) -> str:
    if dt is None:
        return ""
    local = to_zone(dt, tz)
    lang = _locale()
    day = format_date(local.date(), _SHORT_DATE.get(lang, "medium"), locale=lang)
    if lang == "ar":  # the Arabic comma; the time and zone kept left to right (isolated)
        return f"{day}، \u2066{local:%H:%M} {local.tzname()}\u2069"
    return f"{day}, {local.strftime('%H:%M')} {local.tzname()}"


def fmt_day(d: date | datetime, tz: str | None = None) -> str:
    """"Tuesday 17 May 2022", "mardi 17 mai 2022", "martes, 17 de mayo de 2022"."""
    if isinstance(d, datetime):
        d = to_zone(d, tz or "UTC").date()
    lang = _locale()
    return format_date(d, _DAY.get(lang, "full"), locale=lang)


def fmt_date_long(d: date | datetime) -> str:
    """"17 May 2022", "17 mai 2022", "17 de mayo de 2022", "17 مايو 2022"."""
    lang = _locale()
    return format_date(d, "d MMMM y" if lang == "en" else "long", locale=lang)


def fmt_day_short(d: date) -> str:
    """"Tue 17 May", "mar. 17 mai" (day tabs)."""
    lang = _locale()
    return format_date(d, "EEE d MMM", locale=lang)


def zone_city(tz: str) -> str:
    """The zone's city in the page's language ("New York", "Nueva York", "نيويورك")."""
    try:
        return get_timezone_location(zone(tz), locale=_locale(), return_city=True)
    except (LookupError, ValueError):
        return tz


def zone_abbr(dt: datetime, tz: str) -> str:
    return to_zone(dt, tz).tzname() or tz


def day_offset(dt: datetime, tz: str, reference_tz: str) -> int:
    """How many days the local date in ``tz`` is after the date in ``reference_tz``."""
    return (to_zone(dt, tz).date() - to_zone(dt, reference_tz).date()).days


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = fmt_time
    app.jinja_env.filters["local_datetime"] = fmt_datetime
    app.jinja_env.filters["day"] = fmt_day
    app.jinja_env.filters["day_short"] = fmt_day_short
    app.jinja_env.filters["date_long"] = fmt_date_long
    app.jinja_env.filters["zone_city"] = zone_city
    app.jinja_env.filters["zone_abbr"] = zone_abbr
    app.jinja_env.globals["day_offset"] = day_offset
    app.jinja_env.globals["local_span"] = fmt_span
    app.jinja_env.globals["now_utc"] = lambda: datetime.now(UTC)
