"""Garmin Connect CSV exports: a daily summary (a row a day) or the activities list.

* **Daily summary**: a ``Date`` column (``YYYY-MM-DD``, optionally followed by a time) and any of
  ``Steps`` / ``Total Steps``, ``Resting Heart Rate`` / ``Resting HR`` (bpm), ``Sleep`` / ``Sleep Duration``
  / ``Total Sleep`` (``7h 30m``, ``7:30``, ``7:30:00``, or a number when the header names its unit:
  ``Sleep (h)``, ``Sleep (min)``), ``Distance`` and ``Weight`` (their unit in the header, ``Distance (km)``,
  ``Weight (lb)``, or after each number, ``5.2 km``), ``Intensity Minutes`` / ``Active Minutes``
  (exercise). Counts may carry thousands separators (``6,512``), as Garmin writes them.
* **Activities** (``Activities.csv`` from the activities list: ``Activity Type, Date, Favorite, Title,
  Distance, Calories, Time, ...``): per day, the sum of ``Time`` (exercise minutes; ``01:02:00`` is h:mm:ss,
  ``45:00`` m:ss) and of ``Distance``.
  Garmin writes the distance in the account's unit without naming it, so a distance is read only when
  the header or the cell names its unit; otherwise that row's distance is skipped, never guessed.

Days: Garmin writes local wall-clock dates, which are the member's days as they lived them. Two rows
for the same day in a daily summary: the second is skipped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, tzinfo
from pathlib import Path

from bot.imports import opening
from bot.imports.formats.table import NO_VALUE, NotANumber, header, number, rows
from bot.imports.records import DailyValue, FileRefused, Skipped
from bot.vocabulary.i18n import _, count

_UNIT_IN_HEADER = re.compile(r"^(?P<name>.*?)\s*\((?P<unit>[^)]*)\)$")
_STEPS = ("steps", "total steps")  # i18n: input words (Garmin's column names)
_RHR = ("resting heart rate", "resting hr")  # i18n: input words (Garmin's column names)
_SLEEP = ("sleep", "sleep duration", "total sleep", "sleep time")  # i18n: input words (Garmin's column names)
_EXERCISE = ("intensity minutes", "active minutes")  # i18n: input words (Garmin's column names)
_DISTANCE_UNITS = {"km": "km", "kilometers": "km", "kilometres": "km", "mi": "mi", "miles": "mi"}
_WEIGHT_UNITS = {"kg": "kg", "kgs": "kg", "lb": "lb", "lbs": "lb"}
_HOURS_MINUTES = re.compile(r"(?:(\d+)\s*h)?\s*(?:(\d+)\s*(?:m|min))?")
_CLOCK = re.compile(r"(\d+):(\d{2})(?::(\d{2})(?:\.\d+)?)?")
_WITH_UNIT = re.compile(r"([-+\d.,]+)\s*([A-Za-z]+)")


def _split(column: str) -> tuple[str, str]:
    """``distance (km)`` -> (``distance``, ``km``); ``steps`` -> (``steps``, ``""``)."""
    match = _UNIT_IN_HEADER.match(column)
    return (match["name"], match["unit"].strip().lower()) if match else (column, "")


def _duration_minutes(cell: str, unit: str, two_parts_are_minutes: bool = False) -> float | None:
    """A duration in minutes: ``7h 30m``, ``0:28:15`` (h:mm:ss), ``7:30`` (h:mm; m:ss when
    ``two_parts_are_minutes``, as the activities list writes one under an hour), or a number in ``unit``."""
    text = cell.strip().lower()
    if text in NO_VALUE:
        return None
    if match := _CLOCK.fullmatch(text):
        first, second, third = int(match[1]), int(match[2]), match[3]
        if third is None and two_parts_are_minutes:
            return first + second / 60
        return first * 60 + second + int(third or 0) / 60
    if (match := _HOURS_MINUTES.fullmatch(text)) and (match[1] or match[2]):
        return int(match[1] or 0) * 60 + int(match[2] or 0)
    factor = {"h": 60.0, "hours": 60.0, "hrs": 60.0, "min": 1.0, "minutes": 1.0}.get(unit)
    value = number(text)
    if factor is None or value is None:
        raise NotANumber(text)
    return value * factor


def _measure(cell: str, header_unit: str, units: dict[str, str]) -> tuple[float, str] | None:
    """A number and its unit from the header or the cell; NotANumber when either is missing."""
    text = cell.strip()
    if text.lower() in NO_VALUE:
        return None
    unit = units.get(header_unit)
    if (match := _WITH_UNIT.fullmatch(text)) is not None:
        unit = units.get(match[2].lower())
        text = match[1]
    value = number(text, thousands=True)
    if value is None or unit is None:
        raise NotANumber(text)
    return value, unit


def _day(cell: str | None) -> date | None:
    try:
        return date.fromisoformat((cell or "")[:10])
    except ValueError:
        return None


def _where(line: int) -> str:
    return _("line {n}", n=count(line))


def _is_activities(columns: list[str]) -> bool:
    return "activity type" in columns and "date" in columns and "time" in columns


def _is_summary(columns: list[str]) -> bool:
    """A ``Date`` column and one of Garmin's; a distance or weight only with a unit Garmin writes (Google
    Fit's ``Distance (m)`` is not Garmin's)."""
    names = {_split(c)[0] for c in columns}
    measured = {name for name, unit in map(_split, columns)
                if (name == "distance" and (not unit or unit in _DISTANCE_UNITS))
                or (name == "weight" and (not unit or unit in _WEIGHT_UNITS))}
    return "date" in names and bool(names & {*_STEPS, *_RHR, *_SLEEP, *_EXERCISE} or measured)


def _summary(path: Path) -> Iterator[DailyValue | Skipped]:
    seen: set[date] = set()
    for line, row in rows(opening.open_text(path)):
        day = _day(row.get("date"))
        if day is None:
            yield Skipped(_("no date"), _where(line))
            continue
        if day in seen:
            yield Skipped(_("a day given twice"), _where(line))
            continue
        seen.add(day)
        for column, cell in row.items():
            name, unit = _split(column)
            try:
                if name in _STEPS and (value := number(cell, thousands=True)) is not None:
                    yield DailyValue("steps", day, value, "steps")
                elif name in _RHR and (value := number(cell)) is not None:
                    yield DailyValue("rhr", day, value, "bpm")
                elif name in _SLEEP and (value := _duration_minutes(cell, unit)) is not None:
                    yield DailyValue("sleep", day, round(value / 60, 6), "h")
                elif name in _EXERCISE and (value := number(cell, thousands=True)) is not None:
                    yield DailyValue("exercise", day, value, "min")
                elif name == "distance" and (measured := _measure(cell, unit, _DISTANCE_UNITS)) is not None:
                    yield DailyValue("distance", day, *measured)
                elif name == "weight" and (measured := _measure(cell, unit, _WEIGHT_UNITS)) is not None:
                    yield DailyValue("weight", day, *measured)
            except NotANumber:
                yield Skipped(_("not a number or no unit"), _where(line))


def _activities(path: Path) -> Iterator[DailyValue | Skipped]:
    minutes: dict[date, float] = defaultdict(float)
    distance: dict[tuple[date, str], float] = defaultdict(float)
    for line, row in rows(opening.open_text(path)):
        day = _day(row.get("date"))
        if day is None:
            yield Skipped(_("no date"), _where(line))
            continue
        try:
            if (spent := _duration_minutes(row.get("time", ""), "", two_parts_are_minutes=True)) is not None:
                minutes[day] += spent
        except NotANumber:
            yield Skipped(_("not a duration"), _where(line))
        column = next((c for c in row if _split(c)[0] == "distance"), None)
        if column is None:
            continue
        try:
            if (measured := _measure(row[column], _split(column)[1], _DISTANCE_UNITS)) is not None:
                distance[day, measured[1]] += measured[0]
        except NotANumber:
            yield Skipped(_("a distance without its unit (km or mi)"), _where(line))
    for day, total in sorted(minutes.items()):
        yield DailyValue("exercise", day, round(total, 3), "min")
    by_day: dict[date, list[tuple[str, float]]] = defaultdict(list)
    for (day, unit), total in distance.items():
        by_day[day].append((unit, total))
    for day, totals in sorted(by_day.items()):
        if len(totals) == 1:
            yield DailyValue("distance", day, round(totals[0][1], 6), totals[0][0])
        else:   # km and mi on one day: in km
            km = sum(t * (1.609344 if u == "mi" else 1) for u, t in totals)
            yield DailyValue("distance", day, round(km, 6), "km")


class Garmin:
    name = "Garmin Connect"  # i18n: a product name

    def sniff(self, head: bytes, names: tuple[str, ...]) -> bool:
        if names:
            return False   # Garmin's CSVs are downloaded one by one, never zipped
        columns = header(head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace"))
        return _is_activities(columns) or _is_summary(columns)

    def read(self, path: Path, zone: tzinfo) -> Iterator[DailyValue | Skipped]:
        if opening.is_zip(path):
            raise FileRefused(_("Send Garmin's CSV file itself, not a zip."))
        columns = header(next(iter(opening.open_text(path)), ""))
        if _is_activities(columns):
            yield from _activities(path)
        elif _is_summary(columns):
            yield from _summary(path)
        else:
            raise FileRefused(_("That CSV file is not a Garmin Connect export I read."))


READER = Garmin()
