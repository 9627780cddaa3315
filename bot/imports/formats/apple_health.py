"""Apple Health: the ``export.zip`` the Health app writes (``apple_health_export/export.xml`` inside) or
that ``export.xml`` alone.

Real exports are several hundred MB, so the XML is streamed through expat: nothing but running
per-day totals is kept, never the records. A DOCTYPE may declare elements and attributes (Apple's
own does) but an entity declaration (the "billion laughs" expansion) or an external entity or DTD
refuses the whole file.

What is read (other record types are not metrics we read, and are passed over silently):

* steps (``HKQuantityTypeIdentifierStepCount``) and distance (``...DistanceWalkingRunning``): daily sums;
* weight (``...BodyMass``): the day's last reading, in the record's unit;
* resting heart rate (``...RestingHeartRate``): the mean of the day's readings from the day's
  highest-priority source;
* sleep (``HKCategoryTypeIdentifierSleepAnalysis``): only the asleep values (``Asleep``,
  ``AsleepUnspecified``, ``AsleepCore``, ``AsleepDeep``, ``AsleepREM``; never ``InBed`` or ``Awake``);
  the union of every source's asleep intervals (two sources saying the same hour count it once);
  intervals less than :data:`NIGHT_GAP` apart are one night, counted on the day it ends;
* blood pressure (``...BloodPressureSystolic`` / ``...Diastolic``): the two halves of a reading paired by
  source and start time (as Apple's ``HKCorrelationTypeIdentifierBloodPressure`` groups them); the day's
  last complete reading;
* exercise minutes: ``ActivitySummary``'s ``appleExerciseTime`` (the watch's green ring, one a day, its
  ``dateComponents`` the day).

Days are the member's: every timestamp carries its own offset and is converted to ``zone``.

**Overlapping sources** (the rule for steps and distance). An iPhone and an Apple Watch both count
the same walk; Apple's Health app shows one of them per interval, the watch by default. Here time is
cut into :data:`SLICE_SECONDS` slices (UTC; every zone's offset is a multiple of 15 minutes, so a slice
falls in one local day). Each sample is spread over the slices it covers in proportion to the time
it covers in each. In each slice the samples of one source only count: the highest-priority source
with a sample touching that slice. Priority: a source whose name or device says "Watch", then one
that says "iPhone"/"Phone", then every other source (apps, manual entries); ties by source name.
A sample longer than :data:`MAX_SAMPLE_SECONDS` is skipped (no device counts a week in one sample).

Memory is bounded by what a real export holds, not by the file's size: at most :data:`MAX_SOURCE_DAYS`
days of slices over all sources (12 years of a watch, a phone and three apps is under 50,000), at most
:data:`MAX_SLEEP_INTERVALS` asleep intervals and :data:`MAX_PRESSURE_READINGS` blood pressure halves;
past them the file is refused (export a shorter period), and dates outside 1900-2199 are skipped.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, tzinfo
from pathlib import Path
from xml.parsers import expat

from bot.imports import opening
from bot.imports.records import DailyValue, FileRefused, Skipped
from bot.vocabulary.i18n import _, count

SLICE_SECONDS = 900
_SLICES_PER_DAY = 86_400 // SLICE_SECONDS
MAX_SAMPLE_SECONDS = 7 * 86_400
NIGHT_GAP = 3 * 3600   # asleep intervals closer than this are one night
MAX_SOURCE_DAYS = 100_000         # (source, UTC day) cells of steps and distance together: 768 bytes each
MAX_SLEEP_INTERVALS = 500_000
MAX_PRESSURE_READINGS = 200_000

_STEPS = "HKQuantityTypeIdentifierStepCount"
_DISTANCE = "HKQuantityTypeIdentifierDistanceWalkingRunning"
_WEIGHT = "HKQuantityTypeIdentifierBodyMass"
_RHR = "HKQuantityTypeIdentifierRestingHeartRate"
_SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
_SYSTOLIC = "HKQuantityTypeIdentifierBloodPressureSystolic"
_DIASTOLIC = "HKQuantityTypeIdentifierBloodPressureDiastolic"
_ASLEEP = frozenset("HKCategoryValueSleepAnalysis" + v for v in (
    "Asleep", "AsleepUnspecified", "AsleepCore", "AsleepDeep", "AsleepREM"))
_NOT_ASLEEP = frozenset(("HKCategoryValueSleepAnalysisInBed", "HKCategoryValueSleepAnalysisAwake"))

_DISTANCE_UNITS = {"km": 1.0, "mi": 1.609344, "m": 0.001}        # to km
_WEIGHT_UNITS = {"kg": ("kg", 1.0), "lb": ("lb", 1.0), "g": ("kg", 0.001), "st": ("lb", 14.0)}


def export_member(names: tuple[str, ...]) -> str | None:
    """The zip member holding the export: ``.../export.xml`` (any case), the shallowest one."""
    found = [n for n in names if n.rsplit("/", 1)[-1].lower() == "export.xml"]
    return min(found, key=lambda n: (n.count("/"), n)) if found else None


def _priority(source: str, device: str) -> int:
    if "Watch" in source or "Watch" in device:
        return 0
    if "Phone" in source or "Phone" in device:   # "iPhone", "Alice's iPhone", model:iPhone
        return 1
    return 2


def _timestamp(text: str | None) -> float | None:
    """``2024-03-01 07:30:00 +0100`` -> seconds since the epoch; None when it is not that, or not in 1900-2199."""
    if not text or len(text) < 25 or text[19] != " " or not "1900" <= text[:4] <= "2199":
        return None
    try:
        return datetime.fromisoformat(text[:19] + text[20:]).timestamp()
    except ValueError:
        return None


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else math.nan
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _too_much() -> FileRefused:
    return FileRefused(_("That export holds more than I can read at once: export a shorter period and send that."))


class _Cells:
    """The (source, day) cells of every metric's slices together, counted against :data:`MAX_SOURCE_DAYS`."""

    def __init__(self) -> None:
        self.used = 0

    def new(self) -> array[float]:
        self.used += 1
        if self.used > MAX_SOURCE_DAYS:
            raise _too_much()
        return array("d", [math.nan]) * _SLICES_PER_DAY


class _Slices:
    """One metric's samples per source, spread over :data:`SLICE_SECONDS` slices (see the module
    docstring), then summed per local day taking one source per slice."""

    def __init__(self, cells: _Cells) -> None:
        self.cells = cells
        # (priority, source name) -> UTC day number -> that day's slices (NaN: no sample touched it)
        self.sources: dict[tuple[int, str], dict[int, array[float]]] = defaultdict(dict)

    def _add(self, days: dict[int, array[float]], index: int, amount: float) -> None:
        day, slot = divmod(index, _SLICES_PER_DAY)
        slices = days.get(day)
        if slices is None:
            slices = days[day] = self.cells.new()
        old = slices[slot]
        slices[slot] = amount if old != old else old + amount   # old != old: NaN, nothing here yet

    def add(self, source: tuple[int, str], start: float, end: float, value: float) -> None:
        days = self.sources[source]
        first = int(start // SLICE_SECONDS)
        last = math.ceil(end / SLICE_SECONDS) - 1   # the slice holding the sample's last instant
        if last <= first:
            self._add(days, first, value)
            return
        span = end - start
        for index in range(first, last + 1):
            covered = min(end, (index + 1) * SLICE_SECONDS) - max(start, index * SLICE_SECONDS)
            self._add(days, index, value * covered / span)

    def daily(self, zone: tzinfo) -> dict[date, float]:
        ranked = sorted(self.sources.items())
        totals: dict[date, float] = defaultdict(float)
        for day in sorted({d for _source, days in ranked for d in days}):
            columns = [days[day] for _source, days in ranked if day in days]
            for slot in range(_SLICES_PER_DAY):
                for slices in columns:
                    amount = slices[slot]
                    if amount == amount:   # not NaN: this source touched the slice and wins it
                        moment = datetime.fromtimestamp((day * _SLICES_PER_DAY + slot) * SLICE_SECONDS, zone)
                        totals[moment.date()] += amount
                        break
        return totals


class _Export:
    """The state of one reading: expat calls :meth:`start` per element; skipped records queue up in
    :attr:`skipped` and are handed out between chunks."""

    def __init__(self, zone: tzinfo):
        self.zone = zone
        self.number = 0
        self.root_seen = False
        self.skipped: list[Skipped] = []
        cells = _Cells()
        self.steps = _Slices(cells)
        self.distance = _Slices(cells)
        self.distance_units: dict[str, int] = defaultdict(int)
        self.weight: dict[date, tuple[float, float, str]] = {}          # day -> (time, value, unit)
        self.rhr: dict[date, dict[tuple[int, str], list[float]]] = defaultdict(dict)   # -> [sum, count]
        self.sleep: list[tuple[float, float]] = []
        self.pressure: dict[tuple[str, str], list[float]] = {}         # (source, start) -> [time, sys, dia]
        self.summaries = 0
        self.exercise: dict[date, float] = {}

    def skip(self, reason: str) -> None:
        self.skipped.append(Skipped(reason, _("record {n}", n=count(self.number))))

    def day(self, moment: float) -> date:
        return datetime.fromtimestamp(moment, self.zone).date()

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if not self.root_seen:
            if name != "HealthData":
                raise FileRefused(_("That file is not an Apple Health export."))
            self.root_seen = True
        if name == "ActivitySummary":
            self.activity_summary(attrs)
        if name != "Record":
            return
        self.number += 1
        kind = attrs.get("type")
        if kind not in _READ:
            return
        start, end = _timestamp(attrs.get("startDate")), _timestamp(attrs.get("endDate"))
        if start is None or end is None or end < start:
            self.skip(_("no date"))
            return
        _READ[kind](self, attrs, start, end)

    def activity_summary(self, attrs: dict[str, str]) -> None:
        self.summaries += 1
        if "appleExerciseTime" not in attrs:
            return
        where = _("activity summary {n}", n=count(self.summaries))
        try:
            day = date.fromisoformat(attrs.get("dateComponents", ""))
        except ValueError:
            self.skipped.append(Skipped(_("no date"), where))
            return
        minutes = _number(attrs["appleExerciseTime"])
        if minutes is None:
            self.skipped.append(Skipped(_("not a number"), where))
        else:
            self.exercise[day] = minutes

    def _quantity(self, attrs: dict[str, str]) -> float | None:
        value = _number(attrs.get("value"))
        if value is None:
            self.skip(_("not a number"))
        return value

    def _source(self, attrs: dict[str, str]) -> tuple[int, str]:
        source = attrs.get("sourceName", "")
        return _priority(source, attrs.get("device", "")), source

    def _unknown_unit(self, attrs: dict[str, str]) -> None:
        self.skip(_("unknown unit {unit}", unit=repr(attrs.get("unit", ""))[:14]))

    def _summed(self, slices: _Slices, attrs: dict[str, str], start: float, end: float, value: float) -> None:
        if end - start > MAX_SAMPLE_SECONDS:
            self.skip(_("a sample longer than a week"))
            return
        slices.add(self._source(attrs), start, end, value)

    def steps_record(self, attrs: dict[str, str], start: float, end: float) -> None:
        if attrs.get("unit", "count") != "count":
            self._unknown_unit(attrs)
        elif (value := self._quantity(attrs)) is not None:
            self._summed(self.steps, attrs, start, end, value)

    def distance_record(self, attrs: dict[str, str], start: float, end: float) -> None:
        unit = attrs.get("unit", "")
        if unit not in _DISTANCE_UNITS:
            self._unknown_unit(attrs)
        elif (value := self._quantity(attrs)) is not None:
            self.distance_units[unit] += 1
            self._summed(self.distance, attrs, start, end, value * _DISTANCE_UNITS[unit])

    def weight_record(self, attrs: dict[str, str], start: float, end: float) -> None:
        unit = _WEIGHT_UNITS.get(attrs.get("unit", ""))
        if unit is None:
            self._unknown_unit(attrs)
        elif (value := self._quantity(attrs)) is not None:
            day = self.day(start)
            if day not in self.weight or self.weight[day][0] <= start:
                self.weight[day] = (start, value * unit[1], unit[0])

    def rhr_record(self, attrs: dict[str, str], start: float, end: float) -> None:
        if attrs.get("unit") != "count/min":
            self._unknown_unit(attrs)
        elif (value := self._quantity(attrs)) is not None:
            running = self.rhr[self.day(start)].setdefault(self._source(attrs), [0.0, 0.0])
            running[0] += value
            running[1] += 1

    def sleep_record(self, attrs: dict[str, str], start: float, end: float) -> None:
        value = attrs.get("value")
        if value in _ASLEEP:
            if end - start > MAX_SAMPLE_SECONDS:
                self.skip(_("a sample longer than a week"))
            elif end > start:
                if len(self.sleep) >= MAX_SLEEP_INTERVALS:
                    raise _too_much()
                self.sleep.append((start, end))
        elif value not in _NOT_ASLEEP:
            self.skip(_("unknown sleep value"))

    def pressure_record(self, attrs: dict[str, str], start: float, end: float) -> None:
        if attrs.get("unit") != "mmHg":
            self._unknown_unit(attrs)
        elif (value := self._quantity(attrs)) is not None:
            if len(self.pressure) >= MAX_PRESSURE_READINGS:
                raise _too_much()
            reading = self.pressure.setdefault((attrs.get("sourceName", ""), attrs.get("startDate", "")),
                                               [start, math.nan, math.nan])
            reading[1 if attrs["type"] == _SYSTOLIC else 2] = value

    def values(self) -> Iterator[DailyValue | Skipped]:
        for day, steps in sorted(self.steps.daily(self.zone).items()):
            yield DailyValue("steps", day, round(steps, 3), "steps")
        miles = self.distance_units["mi"] > self.distance_units["km"] + self.distance_units["m"]
        for day, km in sorted(self.distance.daily(self.zone).items()):
            yield DailyValue("distance", day, round(km / _DISTANCE_UNITS["mi"] if miles else km, 6), "mi" if miles else "km")
        for day, (_time, value, unit) in sorted(self.weight.items()):
            yield DailyValue("weight", day, value, unit)
        for day, by_source in sorted(self.rhr.items()):
            total, readings = by_source[min(by_source)]
            yield DailyValue("rhr", day, total / readings, "bpm")
        for day, minutes in sorted(self.exercise.items()):
            yield DailyValue("exercise", day, minutes, "min")
        yield from self._nights()
        yield from self._pressures()

    def _nights(self) -> Iterator[DailyValue]:
        hours: dict[date, float] = defaultdict(float)
        self.sleep.sort()
        merged: list[list[float]] = []   # the union of the asleep intervals
        for start, end in self.sleep:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        asleep, last_end = 0.0, None
        for start, end in merged:
            if last_end is not None and start - last_end >= NIGHT_GAP:
                hours[self.day(last_end)] += asleep / 3600
                asleep = 0.0
            asleep += end - start
            last_end = end
        if last_end is not None:
            hours[self.day(last_end)] += asleep / 3600
        for day, value in sorted(hours.items()):
            yield DailyValue("sleep", day, round(value, 4), "h")

    def _pressures(self) -> Iterator[DailyValue | Skipped]:
        last: dict[date, tuple[float, float, float]] = {}
        halves = 0
        for moment, systolic, diastolic in self.pressure.values():
            if math.isnan(systolic) or math.isnan(diastolic):
                halves += 1
                continue
            day = self.day(moment)
            if day not in last or last[day][0] <= moment:
                last[day] = (moment, systolic, diastolic)
        for _n in range(halves):
            yield Skipped(_("a blood pressure reading without its other number"))
        for day, (_moment, systolic, diastolic) in sorted(last.items()):
            yield DailyValue("bp", day, systolic, "mmHg", (systolic, diastolic))


_READ = {_STEPS: _Export.steps_record, _DISTANCE: _Export.distance_record, _WEIGHT: _Export.weight_record,
         _RHR: _Export.rhr_record, _SLEEP: _Export.sleep_record, _SYSTOLIC: _Export.pressure_record,
         _DIASTOLIC: _Export.pressure_record}


def _refuse_entities(*_args: object) -> None:
    raise FileRefused(_("That XML file declares entities (it could expand without end): I don't read it."))


def _refuse_external(*_args: object) -> int:
    raise FileRefused(_("That XML file refers to outside files: I don't read it."))


def _doctype(_name: str, system_id: str | None, public_id: str | None, _internal: int) -> None:
    if system_id or public_id:
        _refuse_external()


def parse(pieces: Iterator[bytes], zone: tzinfo) -> Iterator[DailyValue | Skipped]:
    """The export's values from its bytes, in pieces: skipped records as they are met, then every
    day's values once the whole file has been read (a day's sum needs all of it)."""
    export = _Export(zone)
    parser = expat.ParserCreate("UTF-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse_entities
    parser.UnparsedEntityDeclHandler = _refuse_entities
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartDoctypeDeclHandler = _doctype
    parser.StartElementHandler = export.start
    try:
        for data in pieces:
            parser.Parse(data, False)
            if export.skipped:
                yield from export.skipped
                export.skipped.clear()
        parser.Parse(b"", True)
    except expat.ExpatError:
        raise FileRefused(_("That file is not a complete Apple Health export: the XML is damaged or cut off.")) from None
    yield from export.skipped
    if not export.root_seen:
        raise FileRefused(_("That file is not an Apple Health export."))
    yield from export.values()


class AppleHealth:
    name = "Apple Health"  # i18n: a product name

    def sniff(self, head: bytes, names: tuple[str, ...]) -> bool:
        if names:
            return export_member(names) is not None
        return b"<HealthData" in head or b"<!DOCTYPE HealthData" in head

    def read(self, path: Path, zone: tzinfo) -> Iterator[DailyValue | Skipped]:
        member = None
        if opening.is_zip(path):
            member = export_member(opening.member_names(path))
            if member is None:
                raise FileRefused(_("That zip has no export.xml from Apple Health in it."))
        yield from parse(opening.line_guarded(opening.as_utf8(opening.chunks(path, member))), zone)


READER = AppleHealth()
