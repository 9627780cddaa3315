"""Time as a service, so every time-dependent behaviour can be tested with a fake clock."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import UserError


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FakeClock:
    """A clock that only moves when told to (console `:time`, tests)."""

    def __init__(self, start: datetime):
        self._now = _aware(start)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = _aware(when)


def _aware(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


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
        raise UserError("Time zones look like Europe/Berlin or America/New_York.")
    if text.upper() == "UTC":
        return "UTC"
    known = _zones()
    match = known.get(text.lower())
    if match is None:
        raise UserError("I don't know that time zone. Use an Area/City name like Europe/Berlin or America/New_York.")
    return match


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
