"""A member's week at a glance: one small panel per metric, against their usual and their goal.

Each panel is a one-series :class:`ChartSpec` that the gate released on its own, so a panel says
exactly what the one-metric chart would say to the same audience: raw panels show values, relative
panels show change against the member's own usual in words and bars around the usual, never a number.
The panel's summary line is worded from the same data ("avg 7h 12m · usual 7h 30m · goal 8h" or
"above own usual · 5 of 7 days").
"""

from __future__ import annotations

import math
from datetime import timedelta

from matplotlib.figure import Figure

from bot.charts import axes as ax_
from bot.charts.chart import DPI, EDGE_PX, GRID, INK, MARKERS, MUTED, PALETTE, REFERENCE, _style_axes, line_labels, new_figure
from bot.charts.fonts import drawable
from bot.charts.layout import props
from bot.charts.spec import CardSpec, ChartSeries, ChartSpec, clean_points, period_days, within
from bot.vocabulary.i18n import N_, _, p_, weekday_abbr

CARD_WIDTH_PX = 896
PANEL_HEIGHT_PX = 168
HEADER_PX = 78
COLUMNS = 2
TITLE_PT, PANEL_PT, NOTE_PT, TICK_PT = 16, 12, 10.5, 10
EMPTY_CARD = N_("Nothing logged this week yet")
NEAR_USUAL = 5.0           # within +-5% of the usual reads as "about"


def card_size_px(panels: int) -> tuple[int, int]:
    rows = max(1, math.ceil(panels / COLUMNS))
    return CARD_WIDTH_PX, HEADER_PX + rows * PANEL_HEIGHT_PX + EDGE_PX


def relative_word(points: list[float]) -> str:
    mean = sum(points) / len(points)
    if mean >= 100 + NEAR_USUAL:
        return _("above own usual")
    if mean <= 100 - NEAR_USUAL:
        return _("below own usual")
    return _("about own usual")


def relative_short(points: list[float]) -> str:
    """:func:`relative_word` without "own usual", for a pair's panel that says it once."""
    mean = sum(points) / len(points)
    if mean >= 100 + NEAR_USUAL:
        return p_("vs own usual", "above")
    if mean <= 100 - NEAR_USUAL:
        return p_("vs own usual", "below")
    return p_("vs own usual", "about")


def panel_summary(panel: ChartSpec, values: list[float], parts: list[tuple[str, list[float]]] | None = None) -> str:
    """The panel's line under its name, at the panel's level: values for raw panels, words for
    relative ones. A pair's panel (``parts``: each part's label and values) speaks of each part:
    "systolic avg 128 · diastolic avg 82 mmHg" or "systolic about own usual · diastolic below own usual"."""
    if parts and len(parts) > 1:
        shown = [(label, vals) for label, vals in parts if vals]
        if not shown:
            return _("nothing logged")
        if panel.relative:
            words = " · ".join(f"{label} {relative_short(vals)}" for label, vals in shown)
            return _("{parts} own usual", parts=words)
        once = panel.unit[:1].isalpha() and panel.unit not in ax_.DURATION_UNITS
        show = lambda v: ax_.format_value(v, "" if once else panel.unit)   # noqa: E731
        words = " · ".join(f"{label} avg {show(sum(vals) / len(vals))}" for label, vals in shown)
        return words + (f" {panel.unit}" if once else "")
    if not values:
        return _("nothing logged")
    if panel.relative:
        return relative_word(values)
    once = panel.unit[:1].isalpha() and panel.unit not in ax_.DURATION_UNITS     # "steps", "kg": said once
    show = lambda v: ax_.format_value(v, "" if once else panel.unit)   # noqa: E731
    parts_ = [f"avg {show(sum(values) / len(values))}"]
    if panel.usual is not None:
        parts_.append(f"usual {show(panel.usual)}")
    if panel.goal is not None:
        parts_.append(f"goal {show(panel.goal)}")
    return " · ".join(parts_) + (f" {panel.unit}" if once else "")


def part_values(panel: ChartSpec, first, last) -> list[tuple[str, list[float]]]:
    """Each series' label and its values within the card's week (a pair's panel has one per part)."""
    return [(s.label, [v for _, v in within(clean_points(s.points), (first, last))]) for s in panel.series]


def days_logged(values: list[float], days_in_period: int, short: bool = False) -> str:
    return _("{logged}/{days_in_period} days", logged=len(values), days_in_period=days_in_period) if short else _("{logged} of {days_in_period} days", logged=len(values), days_in_period=days_in_period)


def build_card(card: CardSpec) -> Figure:
    width_px, height_px = card_size_px(len(card.panels))
    fig, m = new_figure(width_px / DPI, height_px / DPI)
    first, last = period_days(card.period)
    title_prop = props(TITLE_PT, bold=True)
    title = m.wrap(drawable(card.title, bold=True), title_prop, width_px - 2 * EDGE_PX, max_lines=1)
    fig.text(EDGE_PX / width_px, 1 - EDGE_PX / height_px, title, ha="left", va="top", color=INK,
             fontproperties=title_prop, parse_math=False, gid="title")
    fig.text(EDGE_PX / width_px, 1 - (EDGE_PX + m.height(title, title_prop) + 4) / height_px,
             _("{period_label} · days in {timezone}", period_label=ax_.period_label(first, last), timezone=card.timezone), ha="left", va="top", color=MUTED,
             fontproperties=props(NOTE_PT), parse_math=False)
    if not card.panels:
        fig.text(0.5, (height_px - HEADER_PX) / 2 / height_px, _(EMPTY_CARD), ha="center", va="center", color=MUTED,
                 fontproperties=props(PANEL_PT), parse_math=False)
        return fig
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    column_px = (width_px - EDGE_PX) / COLUMNS
    for i, panel in enumerate(card.panels):
        row, col = divmod(i, COLUMNS)
        x0 = EDGE_PX + col * column_px
        y_top = HEADER_PX + row * PANEL_HEIGHT_PX
        _panel(fig, m, panel, days, (x0, y_top, column_px - EDGE_PX, PANEL_HEIGHT_PX - 8), PALETTE[i % len(PALETTE)],
               (width_px, height_px))
    return fig


def _panel(fig, m, panel: ChartSpec, days, box, colour, size) -> None:
    """One metric in ``box`` = (left, top, width, height) in pixels from the top-left corner. A pair's
    panel (several series) draws one labelled line per part."""
    width_px, height_px = size
    left, top, width, height = box
    series = panel.series or (ChartSeries("", ()),)
    by_days = [{d: v for d, v in within(clean_points(s.points), (days[0], days[-1]))} for s in series]
    by_day = by_days[0]
    values = [by_day[d] for d in days if d in by_day]
    every_value = [b[d] for b in by_days for d in days if d in b]
    head_prop, note_prop, tick_prop = props(PANEL_PT, bold=True), props(NOTE_PT), props(TICK_PT)
    logged = days_logged(values, len(days), short=True)
    # a pair's parts are named in a legend on the heading's line, right-aligned (never over the data)
    legend_px = (sum(m.width(drawable(s.label), tick_prop) + m.px(TICK_PT * 2.8) for s in series) + m.px(4)
                 if len(series) > 1 else 0)
    heading = m.wrap(drawable(panel.title, bold=True), head_prop, width - legend_px, max_lines=1)
    fig.text(left / width_px, 1 - top / height_px, heading, ha="left", va="top", color=INK,
             fontproperties=head_prop, parse_math=False)
    second_line = 1 - (top + m.height("X", head_prop) + 2) / height_px
    parts = [(s.label, [b[d] for d in days if d in b]) for s, b in zip(series, by_days, strict=True)]
    summary = m.wrap(panel_summary(panel, values, parts), note_prop, width - m.width(logged, note_prop) - 12, max_lines=1)
    fig.text(left / width_px, second_line, summary, ha="left", va="top", color=MUTED, fontproperties=note_prop,
             parse_math=False)
    fig.text((left + width) / width_px, second_line, logged, ha="right", va="top", color=MUTED,
             fontproperties=note_prop, parse_math=False)

    goal = panel.goal if panel.goal is not None and math.isfinite(panel.goal) else None
    usual = 100.0 if panel.relative else panel.usual
    y_lo, y_hi = ax_.y_range(every_value or [usual or 0.0], panel.relative,
                             [v for v in (goal, usual) if v is not None] + ([] if panel.relative else [0.0]))
    locator, formatter = ax_.y_locator(panel.unit, panel.relative, y_lo, y_hi, nbins=3), ax_.y_formatter(panel.unit, panel.relative)
    ticks = ax_.tick_labels(locator, formatter, y_lo, y_hi)
    tick_room = max((m.width(t, tick_prop) for t in ticks), default=0) + m.px(6)
    ref_room = max((m.width(w, note_prop) for w, v in (("usual", usual), ("goal", goal)) if v is not None), default=0) + m.px(4)
    axes_top = top + m.height("X", head_prop) + m.height("X", note_prop) + 8
    axes_bottom = top + height - m.height("Mon", tick_prop) - m.px(4)
    rect = ((left + tick_room) / width_px, 1 - axes_bottom / height_px,
            (width - tick_room - ref_room) / width_px, (axes_bottom - axes_top) / height_px)
    ax = fig.add_axes(rect)
    _style_axes(ax)
    ax.grid(False, axis="x")
    ax.tick_params(labelsize=TICK_PT)
    xs = [i for i, d in enumerate(days) if d in by_day]
    if len(series) > 1:
        for j, (s, b) in enumerate(zip(series, by_days, strict=True)):
            own = [i for i, d in enumerate(days) if d in b]
            ax.plot(own, [b[days[i]] for i in own], color=PALETTE[j % len(PALETTE)], linewidth=2.2,
                    marker=MARKERS[j % len(MARKERS)], markersize=5, zorder=3, label=drawable(s.label))
        legend = fig.legend(*ax.get_legend_handles_labels(), loc="upper right", prop=props(TICK_PT), frameon=False,
                            ncols=len(series), handlelength=1.6, borderaxespad=0, borderpad=0, columnspacing=1.0,
                            bbox_to_anchor=((left + width) / width_px, 1 - (top - 2) / height_px))
        for text in legend.get_texts():
            text.set_parse_math(False)
    elif panel.relative:
        ax.bar(xs, [by_day[days[i]] - 100.0 for i in xs], bottom=100.0, width=0.62, color=colour, zorder=3)
    elif y_lo <= 0:
        ax.bar(xs, [by_day[days[i]] for i in xs], width=0.62, color=colour, zorder=3)
    else:
        ax.plot(xs, [by_day[days[i]] for i in xs], color=colour, linewidth=2.2, marker="o", markersize=5, zorder=3)
    ax.set_xlim(-0.5, len(days) - 0.5)
    ax.set_xticks(range(len(days)), [weekday_abbr(d.weekday()) if len(days) <= 7 else str(d.day) for d in days])
    ax.set_ylim(y_lo, y_hi)
    ax.yaxis.set_major_locator(locator)
    ax.yaxis.set_major_formatter(formatter)
    references = []
    for value, word, style, tone in ((usual, "usual", "-", REFERENCE), (goal, "goal", (0, (4, 3)), INK)):
        if value is not None:
            ax.axhline(value, color=tone, linewidth=1.2, linestyle=style, zorder=4)
            references.append((value, word))
    line_labels(ax, references, y_lo, y_hi, axes_height_px=axes_bottom - axes_top)
    ax.spines["left"].set_color(GRID)
