"""A plain CSV of dated values: ``date, metric, value[, unit]``, or the bot's own `mydata export`.

A pair is written as `log` takes it (``2026-11-20,bp,128/82,mmHg``), or one row per part as the export has it.

So an export from one peerpulse re-imports into another: the export's ``peerpulse-entries.csv`` has
``metric, day, value`` (and ``active``: rows that a later log replaced are history, not values, and
are passed over); a pair is stored per part (``bp.systolic``, ``bp.diastolic``) and is put together
again here. Column names are matched without regard to case or order (``date`` or ``day``; ``unit``
optional). A value with no unit is in the metric's own unit (kg, h, km, mmol/L: what the export
writes). Commas or semicolons separate columns. Notes are not imported.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, tzinfo
from pathlib import Path

from bot.imports import opening
from bot.imports.records import DailyValue, FileRefused, Skipped
from bot.vocabulary.i18n import N_, _

_DATE = ("date", "day", "datum", "dag")
_METRIC = ("metric", "mått")
_VALUE = ("value", "värde")
_UNIT = ("unit", "enhet")


class PlainCsv:
    name = "CSV"

    def sniff(self, head: bytes, names: tuple[str, ...]) -> bool:
        if names:
            return False
        columns = _columns(head)
        return columns is not None and all(c is not None for c in columns[:3])

    def read(self, path: Path, zone: tzinfo) -> Iterator[DailyValue | Skipped]:
        lines = opening.open_text(path)
        header = next(lines, "")
        delimiter = ";" if header.count(";") > header.count(",") else ","
        fields = [f.strip().lower().lstrip("\ufeff") for f in next(csv.reader([header], delimiter=delimiter))]
        where = _positions(fields)
        if where is None or any(i is None for i in where[:3]):
            raise FileRefused(_("That CSV has no date, metric and value columns."))
        at_day, at_metric, at_value, at_unit = where
        active = fields.index("active") if "active" in fields else None
        parts: dict[tuple[str, date], dict[str, float]] = {}
        for number, row in enumerate(csv.reader(lines, delimiter=delimiter), 2):
            if not any(cell.strip() for cell in row):
                continue
            if active is not None and len(row) > active and row[active].strip() == "0":
                continue   # replaced by a later log: history, not a value
            try:
                day = date.fromisoformat(row[at_day].strip()[:10])   # type: ignore[index]
            except (ValueError, IndexError):
                yield Skipped(N_("no date I could read (write dates like 2026-11-20)"), f"line {number}")
                continue
            try:
                metric = row[at_metric].strip()   # type: ignore[index]
                numbers = tuple(float(p.strip().replace(",", ".")) for p in row[at_value].split("/"))   # type: ignore[index]
            except (ValueError, IndexError):
                yield Skipped(N_("a value that isn't a number"), f"line {number}")
                continue
            if not metric:
                yield Skipped(N_("no metric named"), f"line {number}")
                continue
            unit = row[at_unit].strip() if at_unit is not None and len(row) > at_unit else ""
            base, dot, part = metric.partition(".")
            if dot:   # one part of a pair, as the bot stores and exports it
                parts.setdefault((base, day), {})[part] = numbers[0]
                continue
            yield DailyValue(metric, day, numbers[0], unit, numbers if len(numbers) > 1 else ())
        for (base, day), found in sorted(parts.items()):
            yield _pair(base, day, found)


def _pair(base: str, day: date, found: dict[str, float]) -> DailyValue | Skipped:
    """A pair's parts in the order the bot exports them (systolic before diastolic for blood pressure;
    a custom pair's parts as named, in the order they came)."""
    order = ("systolic", "diastolic") if set(found) == {"systolic", "diastolic"} else tuple(found)
    if len(order) < 2:
        return Skipped(N_("one part of a pair without the other"), day.isoformat())
    values = tuple(found[p] for p in order)
    return DailyValue(base, day, values[0], "", values)


def _columns(head: bytes) -> tuple[int | None, ...] | None:
    first = head.split(b"\n", 1)[0]
    try:
        text = first.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        return None
    delimiter = ";" if text.count(";") > text.count(",") else ","
    fields = [f.strip().lower() for f in next(csv.reader([text], delimiter=delimiter), [])]
    return _positions(fields)


def _positions(fields: list[str]) -> tuple[int | None, int | None, int | None, int | None] | None:
    def find(names: tuple[str, ...]) -> int | None:
        return next((i for i, f in enumerate(fields) if f in names), None)
    return (find(_DATE), find(_METRIC), find(_VALUE), find(_UNIT)) if fields else None


READER = PlainCsv()
