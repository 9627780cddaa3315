"""Relative facts about a member's own numbers: weekly figures, change, streaks, % of goal.

These are the `trend`-level facts: they describe a member against themselves, so they can be shared
without the raw values (a streak or "+12% vs last week" instead of a weight).
"""

from __future__ import annotations

from datetime import date, timedelta
from statistics import fmean
from typing import Iterable

from bot.metrics import MetricDef

_TOTALLED = {"steps", "exercise", "water"}
_NO_GOAL_PERCENT = {"weight", "rhr"}   # "% of goal" misleads for body measures


def summed(metric: MetricDef) -> bool:
    """Weekly figures are totals for things that add up, averages for states (sleep, weight, mood)."""
    return metric.key in _TOTALLED or metric.adds or metric.custom   # adds: logs that add up (distance)


def weekly_figure(metric: MetricDef, values: Iterable[float]) -> float | None:
    values = list(values)
    if not values:
        return None
    return sum(values) if summed(metric) else fmean(values)


def change_text(before: float | None, after: float | None) -> str | None:
    if before is None or after is None or before <= 0:
        return None
    pct = round(100.0 * (after - before) / before)
    if pct == 0:
        return "same as last week"
    return f"{'↑' if pct > 0 else '↓'}{abs(pct)}% vs last week"


def goal_percent(metric: MetricDef, figure: float | None, goal: float | None) -> int | None:
    if figure is None or not goal or goal <= 0 or metric.key in _NO_GOAL_PERCENT:
        return None
    return round(100.0 * figure / goal)


def streak(days: set[date], last_day: date, cap: int) -> int:
    """Consecutive logged days ending on ``last_day`` (or the day before, so today isn't a break yet)."""
    day = last_day if last_day in days else last_day - timedelta(days=1)
    n = 0
    while day in days and n < cap:
        n += 1
        day -= timedelta(days=1)
    return n


def streak_in(logged: int, cap: int) -> int:
    """The same as :func:`streak` for a bit mask of logged days (bit ``i``: the day ``i`` days before
    the last day), as the database hands a check-in its members' days: consecutive set bits from
    bit 0, or from bit 1 when the last day isn't logged yet (today is not a break), at most ``cap``."""
    run = logged >> (0 if logged & 1 else 1)
    return min(cap, (run ^ (run + 1)).bit_length() - 1)   # the trailing ones: +1 carries through exactly them
