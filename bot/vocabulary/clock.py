"""Time as a service, so every time-dependent behaviour can be tested with a fake clock."""

from __future__ import annotations

import difflib
from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import _
from bot.vocabulary.text import either


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to (console `:time`, tests)."""

    def __init__(self, start: datetime):
        self._now = _aware(start)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = _aware(when)


def _aware(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def utc_iso(when: datetime) -> str:
    return _aware(when).isoformat(timespec="seconds")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return ZoneInfo("UTC")


def parse_timezone(text: str) -> str:
    """A valid IANA zone name, matched case-insensitively, or a friendly error."""
    text = text.strip()
    if len(text) > 64 or not text:
        raise UserError(_("Time zones look like Europe/Berlin or America/New_York."))
    if text.upper() == "UTC":
        return "UTC"
    known = _zones()
    key = "_".join(text.lower().split())
    match = known.get(key)
    if match is not None:
        return match
    cities = [z for k, z in known.items() if k.rsplit("/", 1)[-1] == key]
    if len(cities) == 1:
        return cities[0]                      # `berlin` -> Europe/Berlin, `new york` -> America/New_York
    shown = "".join(c for c in text if c.isalnum() or c in "/_+- ")[:20]
    if text.upper() in ABBREVIATIONS:
        zones = ABBREVIATIONS[text.upper()]
        raise UserError(_("`{shown}` is an abbreviation that changes with summer time, so I keep a "
                          "place instead: did you mean {join}?", shown=shown, join=either(_('`timezone {z}`', z=z) for z in zones)))
    close = difflib.get_close_matches(key, [*known, *{k.rsplit('/', 1)[-1] for k in known}], n=3, cutoff=0.75)
    names = list(dict.fromkeys(known.get(c) or next(z for k, z in known.items() if k.rsplit("/", 1)[-1] == c)
                               for c in close))
    if cities or names:
        options = either(_("`timezone {z}`", z=z) for z in (cities or names)[:3])
        raise UserError(_("I don't know the time zone `{shown}`: did you mean {options}?", shown=shown, options=options))
    raise UserError(_("I don't know that time zone. Use an Area/City name like Europe/Berlin or "
                      "America/New_York, or a city like `berlin`."))


# Common abbreviations -> the zones people using them most likely live in (a zone, not a fixed offset,
# so summer time is right all year).
ABBREVIATIONS = {
    "CET": ("Europe/Berlin", "Europe/Paris"), "CEST": ("Europe/Berlin", "Europe/Paris"),
    "EET": ("Europe/Athens", "Europe/Helsinki"), "WET": ("Europe/Lisbon",),
    "GMT": ("Europe/London", "UTC"), "BST": ("Europe/London",), "IST": ("Asia/Kolkata", "Europe/Dublin"),
    "EST": ("America/New_York", "America/Toronto"), "EDT": ("America/New_York", "America/Toronto"),
    "CST": ("America/Chicago", "Asia/Shanghai"), "CDT": ("America/Chicago",),
    "MST": ("America/Denver", "America/Phoenix"), "MDT": ("America/Denver",),
    "PST": ("America/Los_Angeles", "America/Vancouver"), "PDT": ("America/Los_Angeles",),
    "AEST": ("Australia/Sydney", "Australia/Brisbane"), "AEDT": ("Australia/Sydney",),
    "JST": ("Asia/Tokyo",), "KST": ("Asia/Seoul",), "NZST": ("Pacific/Auckland",), "HKT": ("Asia/Hong_Kong",),
}


_ZONES: dict[str, str] | None = None


def _zones() -> dict[str, str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = {z.lower(): z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))}
    return _ZONES


def timezone_names() -> list[str]:
    return sorted(_zones().values())


def local_date(when: datetime, tz_name: str) -> date:
    return when.astimezone(zone(tz_name)).date()
