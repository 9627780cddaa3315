"""What a format reader hands the import pipeline: daily values and the rows it could not read.

Readers never store and never guess. A value is what the file says for one day in the member's time
zone, in a unit the metric's own unit code converts (:func:`bot.vocabulary.metrics.read_quantity`), so an
imported 154 lb is read exactly as a typed `log weight 154 lb` would be. Ranges, rounding and what is
"the same value already here" are decided by the pipeline, once, for every format.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class DailyValue:
    """One metric's value for one day. ``parts`` holds a paired metric's parts in the metric's order
    (blood pressure: systolic, diastolic) and ``value`` is then the first part."""

    metric: str              # a catalogue key: steps, sleep, rhr, weight, distance, bp, ...
    day: date
    value: float
    unit: str                # as a member would type it after the number: "kg", "lb", "km", "h", "mmHg"
    parts: tuple[float, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """A row (or record) the reader could not read: shown in the preview as counted, with a reason."""

    reason: str              # short, for the preview ("no date", "unknown unit 'stone'", "not a number")
    where: str = ""          # a line or record number, never the row's content (it may hold values)


class FileRefused(Exception):
    """The file as a whole is refused (too big, a zip bomb, entity expansion, wrong encoding, not a
    format we read): nothing of it is stored. ``reason`` is shown to the member as is."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Reader(Protocol):
    """A format module's face (``bot.imports.formats.<name>``)."""

    name: str                # shown in the preview: "Apple Health", "Google Fit", ...

    def sniff(self, head: bytes, names: tuple[str, ...]) -> bool:
        """True when the file's first bytes (and, for a zip, its member names) are this format's."""

    def read(self, path: Path, zone: tzinfo) -> Iterator[DailyValue | Skipped]:
        """Every day's values, streamed: a several-hundred-MB export is never held in memory."""


@dataclass(frozen=True)
class Upload:
    """A file a member handed the bot privately, as the adapter saved it: a temporary file the adapter
    deletes as soon as the command has answered (the file itself is never kept, only what is stored from
    it). ``name`` is what the member called it (shown back, never trusted for the format)."""

    path: Path
    name: str
    size: int


class Connector(Protocol):
    """Where members outgrow files: a future connector to a service's API (Fitbit's Web API, Google
    Health Connect, ...), authorised by the member through OAuth, would hand the same day values to the
    same pipeline (:func:`bot.imports.pipeline.collect`, then ``convert``, ``compare`` and the preview,
    confirm and undo of `import`). None is built: the bot calls no service on the internet. See
    docs/import.md for how one would plug in."""

    name: str                # shown in the preview, as a format's name is: "Fitbit (connected)"

    def daily_values(self, since: date, zone: tzinfo) -> Iterator[DailyValue | Skipped]:
        """The member's values from ``since`` on, as days in ``zone``: the connector's only job."""
