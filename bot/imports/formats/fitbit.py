"""Fitbit: the account export (``MyFitbitData/<name>/...`` in a zip) or one of its JSON files alone.

Files read (one a month, each a JSON array under the JSON cap of :mod:`bot.imports.opening`,
checked whole and then read an entry at a time; a file that is not one JSON array is skipped whole):

* ``steps-YYYY-MM-DD.json``: ``[{"dateTime": "MM/DD/YY HH:MM:SS", "value": "N"}, ...]`` a minute each,
  summed per day;
* ``sleep-YYYY-MM-DD.json``: ``[{"logId", "dateOfSleep": "YYYY-MM-DD", "minutesAsleep": N, "mainSleep", ...}]``,
  asleep minutes summed per ``dateOfSleep`` (naps included; one log counted once however many files hold it);
* ``resting_heart_rate-YYYY-MM-DD.json``: ``[{"dateTime", "value": {"date", "value": N, "error"}}]``; a
  value of 0 is Fitbit's "no reading" and is passed over;
* ``weight-YYYY-MM-DD.json``: ``[{"logId", "weight", "bmi", "date": "MM/DD/YY", "time": "HH:MM:SS"}]``, the
  day's last. **The unit is not in the file**: it is the account's, from ``Profile.csv``'s
  ``weight_unit`` (``METRIC``: kg, ``POUND``: lb). Without a profile (a weight file sent alone) or
  with another unit, weights are skipped, never guessed.

Days: Fitbit writes the device's wall-clock time without an offset, so the day is the date written
(it is already the member's day where they were). A day met in two steps files (an overlapping
export) is taken from the first file only, so it is never counted twice.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from bot.imports import opening
from bot.imports.formats.table import rows
from bot.imports.records import DailyValue, FileRefused, Skipped
from bot.vocabulary.i18n import _, count

_FILE = re.compile(r"(?:^|/)(steps|sleep|resting_heart_rate|weight)-\d{4}-\d{2}-\d{2}\.json$")
_UNITS = {"metric": "kg", "kg": "kg", "pound": "lb", "lb": "lb", "lbs": "lb"}   # Profile.csv weight_unit


def _kind(name: str) -> str | None:
    match = _FILE.search(name)
    return match.group(1) if match else None


def _us_date(text: object) -> date | None:
    """``MM/DD/YY`` (what Fitbit writes), or the start of ``MM/DD/YY HH:MM:SS``."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text[:8], "%m/%d/%y").date()
    except ValueError:
        return None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _kind_of_content(entries: Iterator[Any]) -> str | None:
    """Which file a JSON array sent alone is, by its first entry's keys."""
    first = next((e for e in entries if isinstance(e, dict)), None)
    if first is None:
        return None
    if "dateOfSleep" in first:
        return "sleep"
    if "weight" in first and "logId" in first:
        return "weight"
    if "dateTime" in first and isinstance(first.get("value"), dict):
        return "resting_heart_rate"
    if "dateTime" in first and "value" in first:
        return "steps"
    return None


class _Account:
    """Running totals over every file of one export."""

    def __init__(self, weight_unit: str | None):
        self.weight_unit = weight_unit
        self.steps: dict[date, float] = defaultdict(float)
        self.steps_days_done: set[date] = set()     # days an earlier steps file gave
        self.sleep: dict[date, float] = defaultdict(float)
        self.sleep_logs: set[object] = set()
        self.rhr: dict[date, float] = {}
        self.weight: dict[date, tuple[str, float]] = {}   # day -> (time, weight)
        self.skipped: list[Skipped] = []

    def skip(self, reason: str, file: str, entry: int) -> None:
        self.skipped.append(Skipped(reason, _("{file}, entry {n}", file=file, n=count(entry))))

    def add(self, kind: str, entries: Iterator[Any], file: str) -> None:
        getattr(self, f"_{kind}")(entries, file)

    def _steps(self, entries: Iterator[Any], file: str) -> None:
        days_here: set[date] = set()
        for n, entry in enumerate(entries, 1):
            day = _us_date(entry.get("dateTime")) if isinstance(entry, dict) else None
            if day is None:
                self.skip(_("no date"), file, n)
                continue
            value = _number(entry.get("value"))
            if value is None:
                self.skip(_("not a number"), file, n)
                continue
            if day in self.steps_days_done:
                continue
            days_here.add(day)
            self.steps[day] += value
        self.steps_days_done |= days_here

    def _sleep(self, entries: Iterator[Any], file: str) -> None:
        for n, entry in enumerate(entries, 1):
            if not isinstance(entry, dict):
                self.skip(_("no date"), file, n)
                continue
            try:
                day = date.fromisoformat(str(entry.get("dateOfSleep")))
            except ValueError:
                self.skip(_("no date"), file, n)
                continue
            minutes = _number(entry.get("minutesAsleep"))
            if minutes is None:
                self.skip(_("not a number"), file, n)
                continue
            log = entry.get("logId")
            if log is not None:
                if log in self.sleep_logs:
                    continue
                self.sleep_logs.add(log)
            self.sleep[day] += minutes / 60

    def _resting_heart_rate(self, entries: Iterator[Any], file: str) -> None:
        for n, entry in enumerate(entries, 1):
            inner = entry.get("value") if isinstance(entry, dict) else None
            day = _us_date(entry.get("dateTime")) if isinstance(entry, dict) else None
            if day is None or not isinstance(inner, dict):
                self.skip(_("no date"), file, n)
                continue
            value = _number(inner.get("value"))
            if value is None:
                self.skip(_("not a number"), file, n)
            elif value > 0:
                self.rhr[day] = value

    def _weight(self, entries: Iterator[Any], file: str) -> None:
        for n, entry in enumerate(entries, 1):
            day = _us_date(entry.get("date")) if isinstance(entry, dict) else None
            if day is None:
                self.skip(_("no date"), file, n)
                continue
            value = _number(entry.get("weight"))
            if value is None:
                self.skip(_("not a number"), file, n)
            elif self.weight_unit is None:
                self.skip(_("weight without its unit (send the whole Fitbit export: its profile says)"), file, n)
            else:
                time = str(entry.get("time", ""))
                if day not in self.weight or self.weight[day][0] <= time:
                    self.weight[day] = (time, value)

    def values(self) -> Iterator[DailyValue]:
        for day, steps in sorted(self.steps.items()):
            yield DailyValue("steps", day, steps, "steps")
        for day, hours in sorted(self.sleep.items()):
            yield DailyValue("sleep", day, round(hours, 6), "h")
        for day, bpm in sorted(self.rhr.items()):
            yield DailyValue("rhr", day, bpm, "bpm")
        for day, (_time, weight) in sorted(self.weight.items()):
            assert self.weight_unit is not None
            yield DailyValue("weight", day, weight, self.weight_unit)


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\r\n]*")


def _skip_space(text: str, at: int) -> int:
    match = _SPACE.match(text, at)
    assert match is not None   # [ \t\r\n]* matches everywhere, if only the empty string
    return match.end()


def _items(text: str) -> Iterator[Any]:
    """A JSON array's entries one at a time (``raw_decode`` from where the last ended), so only one
    entry is ever a Python object: a month of minutes as a list of dicts would be ten times the text.
    ValueError when the text is not one JSON array."""
    at = _skip_space(text, 0)
    if text[at:at + 1] != "[":
        raise ValueError("not a JSON array")
    at = _skip_space(text, at + 1)
    if text[at:at + 1] == "]":
        at += 1
    else:
        while True:
            try:
                entry, at = _DECODER.raw_decode(text, at)
            except RecursionError:   # entries nested a million deep
                raise ValueError("too deep") from None
            yield entry
            at = _skip_space(text, at)
            if text[at:at + 1] == ",":
                at = _skip_space(text, at + 1)
            elif text[at:at + 1] == "]":
                at += 1
                break
            else:
                raise ValueError("not a JSON array")
    if _skip_space(text, at) != len(text):
        raise ValueError("text after the array")


def _entries(text: str) -> Iterator[Any] | None:
    """The file's entries when the whole file is one JSON array (checked in a first pass, so a file
    broken half-way adds nothing: half a month of minutes is not a day's steps); else None."""
    try:
        for _entry in _items(text):
            pass
    except ValueError:   # json.JSONDecodeError is one
        return None
    return _items(text)


def _profile_unit(archive: opening.Archive) -> str | None:
    profile = next((n for n in archive.names if n.rsplit("/", 1)[-1].lower() == "profile.csv"), None)
    if profile is None:
        return None
    for _line, row in rows(archive.text(profile)):
        return _UNITS.get(row.get("weight_unit", "").strip().lower())
    return None


class Fitbit:
    name = "Fitbit"

    def sniff(self, head: bytes, names: tuple[str, ...]) -> bool:
        if names:
            return any(_kind(n) for n in names)
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        return start.startswith(b"[") and any(key in head for key in (
            b'"dateOfSleep"', b'"logId"', b'"dateTime"'))

    def read(self, path: Path, zone: tzinfo) -> Iterator[DailyValue | Skipped]:
        if not opening.is_zip(path):
            text = opening.read_json_text(path)
            entries = _entries(text)
            kind = _kind_of_content(entries) if entries is not None else None
            if entries is None or kind is None:
                raise FileRefused(_("That JSON file is not one I read from a Fitbit export."))
            account = _Account(None)
            account.add(kind, _items(text), _("the file"))
            yield from account.skipped
            yield from account.values()
            return
        with opening.open_zip(path) as archive:
            files = sorted((n for n in archive.names if _kind(n)), key=lambda n: n.rsplit("/", 1)[-1])
            if not files:
                raise FileRefused(_("That zip has no Fitbit steps, sleep, heart rate or weight files in it."))
            account = _Account(_profile_unit(archive))
            for member in files:
                short = member.rsplit("/", 1)[-1]
                entries = _entries(archive.json_text(member))
                if entries is None:
                    yield Skipped(_("a file that is not a JSON list"), short)
                    continue
                kind = _kind(member)
                assert kind is not None
                account.add(kind, entries, short)
                yield from account.skipped
                account.skipped.clear()
        yield from account.values()


READER = Fitbit()
