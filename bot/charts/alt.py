"""Alt text: what a chart shows, in words, from the same data the picture is drawn from.

It says no more than the picture: a raw chart's values as the bot writes them ("7h 30m", "8,412
steps"); a relative chart only as change against the member's own usual, in words and in the
picture's own percent steps (which the gate may have banded), never a raw value or a unit.
"""

from __future__ import annotations

import math

from bot.charts import axes as ax_
from bot.charts.card import days_logged, panel_summary, part_values
from bot.charts.spec import CardSpec, ChartSpec, clean_points, period_days, within
from bot.vocabulary.i18n import _, n_, num

NEAR_USUAL = 5.0


def _period_words(spec_period, points) -> str:
    days = period_days(spec_period)
    if days is None:
        if not points:
            return ""
        days = (min(d for d, _ in points), max(d for d, _ in points))
    return ax_.period_label(*days)


def _change(v: float, theirs: bool = True) -> str:
    """A relative chart's value as a change against the usual (a person's own, or the goal's)."""
    change = v - 100.0
    if abs(change) < 0.5:
        return _("at their usual") if theirs else _("at the usual")
    if theirs:
        return _("{change}% vs. their usual", change=num(change, '+.0f'))
    return _("{change}% vs. the usual", change=num(change, '+.0f'))


def _series_words(spec: ChartSpec, label: str, points) -> str:
    values = [v for _, v in points]
    n = len(values)
    logged = n_("{n} day logged", "{n} days logged", n)
    if spec.relative:
        mean = sum(values) / n
        where = (_("mostly above") if mean >= 100 + NEAR_USUAL else _("mostly below") if mean <= 100 - NEAR_USUAL
                 else _("mostly around"))
        return (_("{label}: {logged}, {where} their usual; from {change} to {change2}, last day "
                  "{change3}", label=label, logged=logged, where=where, change=_change(min(values)), change2=_change(max(values)), change3=_change(values[-1])))
    fmt = lambda v: ax_.format_value(v, spec.unit)   # noqa: E731
    return (_("{label}: {logged}, from {fmt} to {fmt2}, average {fmt3}, last day {fmt4}", label=label, logged=logged, fmt=fmt(min(values)), fmt2=fmt(max(values)), fmt3=fmt(sum(values) / n), fmt4=fmt(values[-1])))


def alt_text(spec: ChartSpec | CardSpec) -> str:
    """One paragraph for screen readers and for chats that do not show images."""
    if isinstance(spec, CardSpec):
        return _card_alt(spec)
    days = period_days(spec.period)
    drawn = [(s.label, pts) for s in spec.series if (pts := within(clean_points(s.points), days))]
    all_points = [p for _, pts in drawn for p in pts]
    kind = _("Chart (relative to own usual, no values)") if spec.relative else _("Chart")
    head = f"{kind}: {spec.title}"
    when = _period_words(spec.period, all_points)
    if when:
        head += _(", {when}, days in {timezone}", when=when, timezone=spec.timezone)
    if not drawn:
        return _("{head}. No entries yet.", head=head)
    parts = [head + "."] + [_series_words(spec, label, pts) + "." for label, pts in drawn]
    if spec.goal is not None and math.isfinite(spec.goal):
        parts.append(_("Goal line at ") + (_change(spec.goal, theirs=False) if spec.relative
                                        else ax_.format_value(spec.goal, spec.unit)) + ".")
    if not spec.relative and spec.usual is not None:
        parts.append(_("Usual {value}.", value=ax_.format_value(spec.usual, spec.unit)))
    return " ".join(parts)


def _card_alt(card: CardSpec) -> str:
    first, last = period_days(card.period)
    n_days = (last - first).days + 1
    head = _("Weekly card: {title}, {period_label}, days in {timezone}.", title=card.title, period_label=ax_.period_label(first, last), timezone=card.timezone)
    if not card.panels:
        return head + _(" Nothing logged this week yet.")
    lines = []
    for panel in card.panels:
        parts = part_values(panel, first, last)
        values = parts[0][1] if parts else []
        lines.append(_("{title}: {panel_summary}, {days_logged} logged.", title=panel.title, panel_summary=panel_summary(panel, values, parts), days_logged=days_logged(values, n_days)))
    return " ".join([head, *lines])
