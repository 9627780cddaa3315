"""From a member's file to the values an import would store, for every format alike.

Three steps, so the rules live in one place whatever the format:

1. :func:`gather` (in a worker thread: a several-hundred-MB export never blocks the bot) finds the
   format by content (:mod:`bot.imports.detect`), streams the reader and keeps one value per metric and
   day (a later row of the same day wins, and is counted). Days in the future or further back than
   `log` reaches (:data:`bot.vocabulary.dates.MAX_DAYS_BACK`) are left out and counted: the bot keeps no
   more of a member's past than they could have typed.
2. :func:`convert` reads each value with the same unit code as `log` (``read_quantity`` and
   ``parse_pair``), so an imported 154 lb is exactly a typed `log weight 154 lb`; a value `log` would
   refuse (outside the metric's range, a unit it doesn't know) is skipped and counted with the reason,
   never guessed or clamped; a metric this community doesn't have is skipped by name.
3. :func:`compare` sets the result beside what the member already has here: added, replaced,
   unchanged (a re-import of the same file changes nothing).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo

from bot.imports import opening
from bot.imports.detect import MAX_FILE_BYTES, detect
from bot.imports.records import DailyValue, FileRefused, Skipped, Upload
from bot.vocabulary.dates import MAX_DAYS_BACK
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import _, count, n_, num
from bot.vocabulary.metrics import MetricDef, format_quantity, parse_pair, read_quantity
from bot.vocabulary.text import quoted

PROGRESS_EVERY = 3.0     # seconds between progress messages while a file is read


@dataclass
class Gathered:
    """What a file holds, before it is read against this community's metrics."""

    source: str                                            # the format's name, shown in the preview
    values: dict[tuple[str, date], DailyValue] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)   # reason -> how many rows
    too_old: int = 0
    future: int = 0
    repeated: int = 0                                       # a later row for a metric and day already read
    first: date | None = None                               # the first day kept (older ones: too_old)


@dataclass(frozen=True)
class Converted:
    """One metric's days as `log` would store them: (series key, day, value) rows."""

    metric: MetricDef
    rows: tuple[tuple[str, date, float], ...]
    days: tuple[date, ...]


@dataclass
class Plan:
    """What confirming would do, per metric, and what was left out."""

    source: str
    metrics: list[Converted]
    skipped: Counter[str]
    added: dict[str, int]          # metric key -> days that have no value here yet
    replaced: dict[str, int]       # metric key -> days whose value here differs
    unchanged: dict[str, int]      # metric key -> days that already hold exactly this
    too_old: int = 0
    future: int = 0
    repeated: int = 0
    first: date | None = None

    @property
    def rows(self) -> list[tuple[str, date, float]]:
        return [row for c in self.metrics for row in c.rows]

    def rows_for(self, keep_mine: bool, held: dict[tuple[str, date], float]) -> list[tuple[str, date, float]]:
        """The rows to store: all of them, or (``keep_mine``) only on days where the metric has no value
        here yet, so a member's own values stay (a pair's day is left whole when any part is here)."""
        if not keep_mine:
            return self.rows
        out: list[tuple[str, date, float]] = []
        for c in self.metrics:
            kept = {d for key, d in held if key in c.metric.series_keys()}
            out.extend(r for r in c.rows if r[1] not in kept)
        return out

    @property
    def days(self) -> list[date]:
        return sorted({d for c in self.metrics for d in c.days})

    @property
    def changes(self) -> int:
        return sum(self.added.values()) + sum(self.replaced.values())


def window(today: date, retention_days: int = 0) -> date:
    """The first day an import keeps: as far back as `log` reaches, or the community's retention if
    shorter (what the nightly retention would delete is not stored in the first place)."""
    days = min(MAX_DAYS_BACK, retention_days) if retention_days > 0 else MAX_DAYS_BACK
    return today - timedelta(days=days)


def gather(upload: Upload, zone: tzinfo, today: date, progress: Callable[[str], None] | None = None,
           first: date | None = None) -> Gathered:
    """Read the whole file (blocking: run it in a worker thread). Raises :class:`FileRefused` for a file
    refused as a whole; nothing is kept of it but the day values."""
    if upload.size > MAX_FILE_BYTES:
        raise FileRefused(_("That file is {size} MB; I read files up to {limit} MB. Export a shorter period "
                            "(most apps let you choose the dates) and send that.",
                            size=num(upload.size / 2**20, ".0f"), limit=num(MAX_FILE_BYTES / 2**20, ".0f")))
    reader = detect(upload.path)
    ticker = _Ticker(reader.name, progress)
    token = opening.BYTES_READ.set(ticker.read)
    try:
        return collect(reader.name, reader.read(upload.path, zone), today, first=first, ticker=ticker)
    finally:
        opening.BYTES_READ.reset(token)


def collect(source: str, items: Iterable[DailyValue | Skipped], today: date,
            progress: Callable[[str], None] | None = None, first: date | None = None,
            ticker: _Ticker | None = None) -> Gathered:
    """One value per metric and day from any source of day values: a file's reader, or one day a
    :class:`bot.imports.records.Connector` (the same rules, whatever the values came from)."""
    first = first or window(today)
    out = Gathered(source, first=first)
    ticker = ticker or _Ticker(source, progress)
    ticker.out = out
    for item in ticker.watch(items):
        if isinstance(item, Skipped):
            out.skipped[_(item.reason)] += 1
        elif item.day > today:
            out.future += 1
        elif item.day < first:
            out.too_old += 1
        else:
            key = (item.metric.lower(), item.day)
            if key in out.values:
                out.repeated += 1
            out.values[key] = item
    return out


class _Ticker:
    """Progress every :data:`PROGRESS_EVERY` seconds while a file is read, in the reading thread: how
    much of it (told by :data:`bot.imports.opening.BYTES_READ` for each piece, so a reader that yields
    its days only at the end still shows it moving) and how many values so far."""

    def __init__(self, source: str, progress: Callable[[str], None] | None):
        self.source, self.progress = source, progress
        self.out: Gathered | None = None
        self.bytes = 0
        self.last = time.monotonic()

    def read(self, n: int) -> None:
        self.bytes += n
        self.tick()

    def watch(self, items: Iterable[DailyValue | Skipped]) -> Iterable[DailyValue | Skipped]:
        for item in items:
            self.tick()
            yield item

    def tick(self) -> None:
        if self.progress is None or time.monotonic() - self.last < PROGRESS_EVERY:
            return
        self.last = time.monotonic()
        if self.bytes:
            self.progress(_("Reading your {source} file: {mb} MB so far…", source=self.source,
                            mb=num(self.bytes / 2**20, ".0f")))
        else:
            self.progress(_("Reading your {source} file: {days} values found so far…", source=self.source,
                            days=count(len(self.out.values) if self.out else 0)))


def convert(gathered: Gathered, metrics: Iterable[MetricDef], resolve: Callable[[str], MetricDef | None]) -> Plan:
    """Read every value as `log` would; what `log` would refuse is counted, with the reason."""
    skipped = Counter(gathered.skipped)
    by_metric: dict[str, list[tuple[str, date, float]]] = {}
    defs: dict[str, MetricDef] = {}
    unknown: Counter[str] = Counter()
    for (name, day), item in sorted(gathered.values.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        metric = resolve(name)
        if metric is None:
            unknown[name] += 1
            continue
        try:
            rows = _stored(metric, item, day)
        except UserError as exc:
            skipped[_refusal(exc)] += 1
            continue
        defs[metric.key] = metric
        by_metric.setdefault(metric.key, []).extend(rows)
    for name, times in unknown.items():
        skipped[_("{name}: not a metric this community has", name=_clip(name))] += times
    converted = [Converted(defs[key], tuple(rows), tuple(sorted({d for _k, d, _v in rows})))
                 for key, rows in sorted(by_metric.items())]
    return Plan(gathered.source, converted, skipped, {}, {}, {}, gathered.too_old, gathered.future, gathered.repeated,
                gathered.first)


def compare(plan: Plan, held: dict[tuple[str, date], float]) -> Plan:
    """Count, per metric, the days the import would add, replace, or leave as they are. A pair counts a
    day once (a day is replaced when any part differs)."""
    for c in plan.metrics:
        seen: dict[date, set[str]] = {}
        for key, day, value in c.rows:
            before = held.get((key, day))
            seen.setdefault(day, set()).add("added" if before is None else "unchanged" if before == value else "replaced")
        states = {day: "replaced" if "replaced" in s else "added" if "added" in s else "unchanged"
                  for day, s in seen.items()}
        counts = Counter(states.values())
        plan.added[c.metric.key] = counts["added"]
        plan.replaced[c.metric.key] = counts["replaced"]
        plan.unchanged[c.metric.key] = counts["unchanged"]
    return plan


def _stored(metric: MetricDef, item: DailyValue, day: date) -> list[tuple[str, date, float]]:
    """One day's value as the rows `log` would store: one, or one per part of a pair."""
    if metric.paired:
        parts = item.parts or (item.value,)
        if len(parts) != len(metric.parts):
            raise UserError(_("{name} needs {count} numbers", name=metric.label, count=len(metric.parts)))
        text = "/".join(_number_text(p, whole=not metric.custom) for p in parts)
        reading = parse_pair(metric, text)
        return [(key, day, value) for key, value in zip(metric.series_keys(), reading.values, strict=True)]
    text = f"{_number_text(item.value, whole=metric.key == 'steps')} {item.unit}".strip()
    return [(metric.key, day, round(read_quantity(metric, text).value, 6))]


def _number_text(value: float, whole: bool) -> str:
    """A number as `log` reads it: no thousands marks, a point for decimals, whole where the metric is."""
    if whole:
        return str(int(round(value)))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _refusal(exc: UserError) -> str:
    """The reason `log` gave, as a preview line counts it (the first sentence: the value itself is the
    member's own, and is shown to them only)."""
    return exc.message.split(": try ")[0].rstrip(".")


def _clip(name: str) -> str:
    return quoted(name)


def describe(plan: Plan, metric: MetricDef, rows: tuple[tuple[str, date, float], ...], system: str | None) -> str:
    """One metric's line in the preview: days, first and last, and what it would do here."""
    days = sorted({d for _k, d, _v in rows})
    line = n_("{name}: {n} day ({first} to {last})", "{name}: {n} days ({first} to {last})", len(days),
              name=metric.label, first=days[0].isoformat(), last=days[-1].isoformat())
    parts = []
    if plan.added.get(metric.key):
        parts.append(_("{n} new", n=count(plan.added[metric.key])))
    if plan.replaced.get(metric.key):
        parts.append(_("{n} would replace a value you have here", n=count(plan.replaced[metric.key])))
    if plan.unchanged.get(metric.key):
        parts.append(_("{n} already here", n=count(plan.unchanged[metric.key])))
    if not metric.paired and rows:
        parts.append(_("latest {value}", value=format_quantity(metric, rows[-1][2], system)))
    return line + (": " + ", ".join(parts) if parts else "")
