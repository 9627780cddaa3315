"""Alt text: what a chart shows, in words, from the same data the picture is drawn from.

It says no more than the picture: a raw chart's values as the bot writes them ("7h 30m", "8,412
steps"); a relative chart only as change against the member's own usual, in words and in the
picture's own percent steps (which the gate may have banded), never a raw value or a unit.
"""

from __future__ import annotations

import math

from bot.charts import axes as ax_
from bot.charts.card import days_logged, panel_summary
from bot.charts.spec import CardSpec, ChartSpec, clean_points, period_days, within

NEAR_USUAL = 5.0


def _period_words(spec_period, points) -> str:
    days = period_days(spec_period)
    if days is None:
        if not points:
            return ""
        days = (min(d for d, _ in points), max(d for d, _ in points))
    return ax_.period_label(*days)


def _change(v: float) -> str:
    change = v - 100.0
    if abs(change) < 0.5:
        return "at their usual"
    return f"{change:+.0f}% vs. their usual"


def _series_words(spec: ChartSpec, label: str, points) -> str:
    values = [v for _, v in points]
    n = len(values)
    logged = f"{n} day{'s' if n != 1 else ''} logged"
    if spec.relative:
        mean = sum(values) / n
        where = ("mostly above" if mean >= 100 + NEAR_USUAL else "mostly below" if mean <= 100 - NEAR_USUAL
                 else "mostly around")
        return (f"{label}: {logged}, {where} their usual; from {_change(min(values))} "
                f"to {_change(max(values))}, last day {_change(values[-1])}")
    fmt = lambda v: ax_.format_value(v, spec.unit)   # noqa: E731
    return (f"{label}: {logged}, from {fmt(min(values))} to {fmt(max(values))}, "
            f"average {fmt(sum(values) / n)}, last day {fmt(values[-1])}")


def alt_text(spec: ChartSpec | CardSpec) -> str:
    """One paragraph for screen readers and for chats that do not show images."""
    if isinstance(spec, CardSpec):
        return _card_alt(spec)
    days = period_days(spec.period)
    drawn = [(s.label, pts) for s in spec.series if (pts := within(clean_points(s.points), days))]
    all_points = [p for _, pts in drawn for p in pts]
    kind = "Chart (relative to own usual, no values)" if spec.relative else "Chart"
    head = f"{kind}: {spec.title}"
    when = _period_words(spec.period, all_points)
    if when:
        head += f", {when}, days in {spec.timezone}"
    if not drawn:
        return f"{head}. No entries yet."
    parts = [head + "."] + [_series_words(spec, label, pts) + "." for label, pts in drawn]
    if spec.goal is not None and math.isfinite(spec.goal):
        parts.append("Goal line at " + (_change(spec.goal).replace("their usual", "the usual") if spec.relative
                                        else ax_.format_value(spec.goal, spec.unit)) + ".")
    if not spec.relative and spec.usual is not None:
        parts.append(f"Usual {ax_.format_value(spec.usual, spec.unit)}.")
    return " ".join(parts)


def _card_alt(card: CardSpec) -> str:
    first, last = period_days(card.period)
    n_days = (last - first).days + 1
    head = f"Weekly card: {card.title}, {ax_.period_label(first, last)}, days in {card.timezone}."
    if not card.panels:
        return head + " Nothing logged this week yet."
    lines = []
    for panel in card.panels:
        values = [v for _, v in within(clean_points(panel.series[0].points if panel.series else ()), (first, last))]
        lines.append(f"{panel.title}: {panel_summary(panel, values)}, {days_logged(values, n_days)} logged.")
    return " ".join([head, *lines])
