"""What the renderer is given: plain, frozen, JSON-friendly data (the gate builds it, tests read it).

Equal specs give equal PNG bytes, so a spec is also the identity of a picture: the take-back compares
specs to know whether an image changed without drawing it again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import overload


@dataclass(frozen=True)
class ChartSeries:
    label: str                                   # e.g. "alice" or "you"
    points: tuple[tuple[str, float], ...]        # (ISO date, value) sorted by date; missing days are absent


@dataclass(frozen=True)
class ChartSpec:
    title: str                                   # e.g. "Steps — last 30 days"
    unit: str                                    # y axis unit ("steps", "h", "kg"); ignored when relative
    timezone: str                                # shown in the footer: "Days in Europe/Berlin"
    series: tuple[ChartSeries, ...]              # one or more lines
    goal: float | None = None                    # dashed goal line, same unit as the values
    relative: bool = False                       # values are % of the member's own baseline (100 = usual)
    rolling_days: int = 7                        # trailing calendar-day window of the thicker line
    period: tuple[str, str] | None = None        # first and last ISO day drawn, exactly; None: the data's days
    usual: float | None = None                   # a raw chart's "usual" line (one member); relative: always 100
    locale: str = "en"                           # the language of its words and numbers (bot.vocabulary.i18n)


@dataclass(frozen=True)
class CardSpec:
    """One member's week at a glance: one small panel per metric, each a one-series ChartSpec the
    gate released on its own (a panel it withheld is simply not in ``panels``)."""

    title: str                                   # e.g. "alice's week"
    timezone: str
    period: tuple[str, str]                      # the week's first and last ISO day
    panels: tuple[ChartSpec, ...]
    locale: str = "en"


def to_relative(points: Iterable[Sequence], baseline: float) -> tuple[tuple[str, float], ...]:
    """Raw points as % of ``baseline`` (100 * value / baseline). A baseline that is not a positive
    finite number raises ``ValueError``."""
    try:
        b = float(baseline)
    except (TypeError, ValueError):
        raise ValueError(f"baseline must be a positive number, not {baseline!r}") from None
    if not math.isfinite(b) or b <= 0:
        raise ValueError(f"baseline must be a positive number, not {baseline!r}")
    return tuple((str(day), 100.0 * float(value) / b) for day, value in points)


def as_day(day) -> date:
    if isinstance(day, datetime):
        return day.date()
    return day if isinstance(day, date) else date.fromisoformat(str(day)[:10])


@overload
def period_days(period: tuple[str, str]) -> tuple[date, date]: ...
@overload
def period_days(period: tuple[str, str] | None) -> tuple[date, date] | None: ...
def period_days(period: tuple[str, str] | None) -> tuple[date, date] | None:
    """The period as two dates, first <= last (a reversed pair is put in order)."""
    if period is None:
        return None
    first, last = as_day(period[0]), as_day(period[1])
    return (first, last) if first <= last else (last, first)


def clean_points(points: Iterable[Sequence]) -> list[tuple[date, float]]:
    """Parse ISO dates, drop values that cannot be drawn (None, NaN, inf), sort by day."""
    out = []
    for day, value in points:
        if value is None:
            continue
        v = float(value)
        if not math.isfinite(v):
            continue
        out.append((as_day(day), v))
    out.sort(key=lambda p: p[0])
    return out


def within(points: list[tuple[date, float]], days: tuple[date, date] | None) -> list[tuple[date, float]]:
    if days is None:
        return points
    return [p for p in points if days[0] <= p[0] <= days[1]]


def rolling(points: list[tuple[date, float]], window: int) -> list[tuple[date, float]]:
    """Trailing calendar-day average: for every day from the first full window on, the mean of the
    values logged in the ``window`` days ending that day. Days whose window holds no value give NaN
    (a break in the line rather than an invented value)."""
    if window < 2 or not points:
        return []
    by_day: dict[date, list[float]] = {}
    for d, v in points:
        by_day.setdefault(d, []).append(v)
    first, last = points[0][0], points[-1][0]
    out = []
    day = first + timedelta(days=window - 1)
    while day <= last:
        vals = [v for k in range(window) for v in by_day.get(day - timedelta(days=k), ())]
        out.append((day, sum(vals) / len(vals) if vals else math.nan))
        day += timedelta(days=1)
    return out if sum(1 for _, v in out if not math.isnan(v)) >= 2 else []
