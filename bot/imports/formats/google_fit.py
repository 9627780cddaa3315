"""Google Fit, from Google Takeout: ``Takeout/Fit/Daily activity metrics/Daily activity metrics.csv``
(one row a day) and, beside it, one ``YYYY-MM-DD.csv`` a day (a row per 15 minutes), in the Takeout
zip or the daily CSV alone.

Columns read (Takeout's English names; an account in another language gets translated names, which
are not read): ``Step count`` (steps), ``Distance (m)`` (distance, in km), ``Move Minutes count``
(exercise, minutes), ``Average weight (kg)`` (weight; in the daily files the day's last interval
holding one).

Days: the daily CSV's ``Date`` is the day as Google Fit counted it (the account's zone; it carries no
offset to convert). The per-day files' ``Start time`` carries an offset (``08:15:00.000+01:00``), so
their intervals are placed in the member's zone. When the zip holds the daily CSV, it is read and
the per-day files (the same figures again) are not; without it, the per-day files are summed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, tzinfo
from pathlib import Path

from bot.imports import opening
from bot.imports.formats.table import NotANumber, header, number, rows
from bot.imports.records import DailyValue, FileRefused, Skipped
from bot.vocabulary.i18n import _, count

SUMMARY = "daily activity metrics.csv"  # i18n: input words (a file name)
_DAY_FILE = re.compile(r"(?:^|/)daily activity metrics/(\d{4}-\d{2}-\d{2})\.csv$", re.IGNORECASE)
# column -> (metric, unit, factor to that unit)
COLUMNS = {  # i18n: input words (Takeout's column names)
    "step count": ("steps", "steps", 1.0),
    "distance (m)": ("distance", "km", 0.001),
    "move minutes count": ("exercise", "min", 1.0),
}
WEIGHT = "average weight (kg)"  # i18n: input words (a Takeout column name)


def _summary_member(names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n.rsplit("/", 1)[-1].lower() == SUMMARY), None)


def _day_members(names: tuple[str, ...]) -> list[tuple[date, str]]:
    found = []
    for name in names:
        if match := _DAY_FILE.search(name):
            try:
                found.append((date.fromisoformat(match.group(1)), name))
            except ValueError:
                continue
    return sorted(found)


def _is_summary_header(columns: list[str]) -> bool:
    return "date" in columns and any(c in columns for c in (*COLUMNS, WEIGHT))


def _is_day_header(columns: list[str]) -> bool:
    return columns[:2] == ["start time", "end time"] and any(c in columns for c in (*COLUMNS, WEIGHT))


def _where(line: int) -> str:
    return _("line {n}", n=count(line))


def _where_in(day: date, line: int) -> str:
    return _("{file}, line {n}", file=day.isoformat() + ".csv", n=count(line))


def _summary(lines: Iterator[str]) -> Iterator[DailyValue | Skipped]:
    seen: set[date] = set()
    for line, row in rows(lines):
        try:
            day = date.fromisoformat(row.get("date", ""))
        except ValueError:
            yield Skipped(_("no date"), _where(line))
            continue
        if day in seen:
            yield Skipped(_("a day given twice"), _where(line))
            continue
        seen.add(day)
        for column, (metric, unit, factor) in (*COLUMNS.items(), (WEIGHT, ("weight", "kg", 1.0))):
            try:
                value = number(row.get(column))
            except NotANumber:
                yield Skipped(_("not a number"), _where(line))
                continue
            if value is not None:
                yield DailyValue(metric, day, value * factor, unit)


def _day_files(archive: opening.Archive, members: list[tuple[date, str]], zone: tzinfo) -> Iterator[DailyValue | Skipped]:
    sums: dict[tuple[str, date], float] = defaultdict(float)
    weights: dict[date, tuple[datetime, float]] = {}
    for file_day, member in members:
        for line, row in rows(archive.text(member)):
            try:
                start = datetime.fromisoformat(f"{file_day.isoformat()}T{row.get('start time', '')}")
            except ValueError:
                yield Skipped(_("no date"), _where_in(file_day, line))
                continue
            day = start.astimezone(zone).date() if start.tzinfo else file_day
            for column, (metric, _unit, factor) in COLUMNS.items():
                try:
                    value = number(row.get(column))
                except NotANumber:
                    yield Skipped(_("not a number"), _where_in(file_day, line))
                    continue
                if value is not None:
                    sums[metric, day] += value * factor
            try:
                weight = number(row.get(WEIGHT))
            except NotANumber:
                yield Skipped(_("not a number"), _where_in(file_day, line))
                continue
            if weight is not None and (day not in weights or weights[day][0] <= start):
                weights[day] = (start, weight)
    units = {metric: unit for metric, unit, _factor in COLUMNS.values()}
    for (metric, day), total in sorted(sums.items()):
        yield DailyValue(metric, day, round(total, 6), units[metric])
    for day, (_start, weight) in sorted(weights.items()):
        yield DailyValue("weight", day, weight, "kg")


class GoogleFit:
    name = "Google Fit"  # i18n: a product name

    def sniff(self, head: bytes, names: tuple[str, ...]) -> bool:
        if names:
            return _summary_member(names) is not None or bool(_day_members(names))
        first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
        columns = header(first)
        return _is_summary_header(columns) and "move minutes count" in columns or _is_day_header(columns)

    def read(self, path: Path, zone: tzinfo) -> Iterator[DailyValue | Skipped]:
        if opening.is_zip(path):
            with opening.open_zip(path) as archive:
                summary = _summary_member(archive.names)
                if summary is not None:
                    yield from _summary(archive.text(summary))
                    return
                days = _day_members(archive.names)
                if not days:
                    raise FileRefused(_("That zip has no Google Fit daily activity files in it."))
                yield from _day_files(archive, days, zone)
            return
        first = next(iter(opening.open_text(path)), "")
        if _is_day_header(header(first)):
            raise FileRefused(_("That is one day's Google Fit file: send `Daily activity metrics.csv` or the "
                                "whole Takeout zip instead."))
        yield from _summary(opening.open_text(path))


READER = GoogleFit()
