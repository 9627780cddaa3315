"""What the CSV formats share: rows read through the opening guards, numbers read strictly.

Exports write a missing figure as an empty cell or ``--``: that is no value for that day (not a
row to skip). Anything else that is not a number is a skipped cell, never a guessed value.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator

from bot.imports.records import FileRefused
from bot.vocabulary.i18n import _

NO_VALUE = frozenset(("", "--", "-", "n/a", "null"))
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")


def header(line: str) -> list[str]:
    """A header line's column names, as :func:`rows` keys them: stripped, lower case."""
    return [name.strip().lower() for name in next(csv.reader([line]), [])]


def rows(lines: Iterator[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row of the lines (:func:`bot.imports.opening.open_text`, ``Archive.text``) as
    ``(line number, {column name in lower case: cell})``, cells stripped."""
    reader = csv.reader(lines)
    try:
        names = [name.strip().lower() for name in next(reader, [])]
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            yield reader.line_num, {name: cell.strip() for name, cell in zip(names, cells, strict=False)}
    except csv.Error:
        raise FileRefused(_("That CSV file is damaged (a quote that never closes?): I can't read it.")) from None


class NotANumber(ValueError):
    """A cell that holds something other than a number or nothing."""


def number(cell: str | None, thousands: bool = False) -> float | None:
    """A cell's number; None for no value. ``thousands``: ``6,512`` is 6512 (Garmin writes counts so)."""
    if cell is None or cell.strip().lower() in NO_VALUE:
        return None
    text = cell.strip()
    if thousands and _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        raise NotANumber(text) from None
    if not math.isfinite(value):
        raise NotANumber(text)
    return value
