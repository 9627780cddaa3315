"""Relative facts about a member's own numbers: weekly figures, change, streaks, % of goal.

These are the `trend`-level facts: they describe a member against themselves, so they can be shared
without the raw values (a streak or "+12% vs last week" instead of a weight).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from statistics import fmean

from bot.vocabulary.i18n import _
from bot.vocabulary.metrics import MetricDef, part_label
from bot.vocabulary.reply import Relative

_TOTALLED = {"steps", "exercise", "water"}
_NO_GOAL_PERCENT = {"weight", "rhr", "bp", "glucose", "cholesterol", "waist"}   # "% of goal" misleads for body measures


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
        return _("same as last week")
    return _("{value}{abs}% vs last week", value='↑' if pct > 0 else '↓', abs=abs(pct))


def pair_change_text(metric: MetricDef, before: Sequence[float | None], after: Sequence[float]) -> str | None:
    """A pair's exact change per part, for `public` and its owner: ``systolic ↓3%, diastolic the same vs
    last week``; None when no part has an earlier week."""
    words = []
    for part, b, a in zip(metric.parts, before, after, strict=True):
        if b is None or b <= 0:
            continue
        pct = round(100.0 * (a - b) / b)
        words.append(_("{part} the same", part=part_label(part)) if pct == 0
                     else f"{part_label(part)} {'↑' if pct > 0 else '↓'}{abs(pct)}%")
    return _("{parts} vs last week", parts=", ".join(words)) if words else None


def pair_relatives(metric: MetricDef, before: Sequence[float | None], after: Sequence[float]) -> tuple[Relative, ...]:
    """The trend inputs of a pair: one ``part`` relative each, which the gate writes in bands."""
    return tuple(Relative("part", part.name, b, a) for part, b, a in zip(metric.parts, before, after, strict=True))


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


def days_back(last_day: date, count: int) -> list[str]:
    """ISO dates last_day, last_day-1, ... (computed once for a whole check-in)."""
    return [(last_day - timedelta(days=i)).isoformat() for i in range(count + 1)]


def streak_of(points: list[tuple[str, float]], back: list[str]) -> int:
    """The same as :func:`streak` for ISO-dated points sorted by day, walking back from the end;
    ``back`` is :func:`days_back` of the last day and the cap."""
    cap = len(back) - 1
    i = 0 if points and points[-1][0] == back[0] else 1   # today not logged yet is not a break
    n = 0
    for day, _day in reversed(points):
        if day == back[0] and i == 1:
            continue
        if i >= len(back) or day != back[i]:
            break
        n += 1
        i += 1
        if n >= cap:
            break
    return n
def streak_in(logged: int, cap: int) -> int:
    """The same as :func:`streak` for a bit mask of logged days (bit ``i``: the day ``i`` days before
    the last day), as the database hands a check-in its members' days: consecutive set bits from
    bit 0, or from bit 1 when the last day isn't logged yet (today is not a break), at most ``cap``."""
    run = logged >> (0 if logged & 1 else 1)
    return min(cap, (run ^ (run + 1)).bit_length() - 1)   # the trailing ones: +1 carries through exactly them
