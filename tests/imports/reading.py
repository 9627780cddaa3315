"""What every reader test checks of a reader's output: one value per metric and day, and the skips."""

from __future__ import annotations

from datetime import date, tzinfo
from pathlib import Path

from bot.imports.records import DailyValue, Reader, Skipped


def read_all(reader: Reader, path: Path, zone: tzinfo) -> tuple[dict[tuple[str, date], DailyValue], list[Skipped]]:
    values: dict[tuple[str, date], DailyValue] = {}
    skipped: list[Skipped] = []
    for item in reader.read(path, zone):
        if isinstance(item, Skipped):
            skipped.append(item)
        else:
            assert (item.metric, item.day) not in values, "one value per metric and day"
            values[item.metric, item.day] = item
    return values, skipped
