"""Drawing a chart with matplotlib (see bot.charts for the spec and the rules a picture follows).

Kept apart from bot.charts so that importing the spec costs nothing: matplotlib is imported only
when a chart is really drawn (a worker process, or the first chart of a console session), and
`peerpulse --help` or a command that draws nothing never pays for it.
"""

from __future__ import annotations

import math
import textwrap
from datetime import date, datetime

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import MO, DayLocator, MonthLocator, WeekdayLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import Formatter, MaxNLocator
from matplotlib.transforms import blended_transform_factory

from bot.charts import (WIDTH_IN, HEIGHT_IN, DPI, PALETTE, MARKERS, LINESTYLES, INK, MUTED, GRID, REFERENCE, TITLE_PT, LABEL_PT, TICK_PT, NOTE_PT, EMPTY_TEXT, TITLE_WRAP, _MONTHS, _UTC, _clean_points, _rolling, _short, ChartSpec)

def _x(d: date) -> float:
    return float(date2num(datetime(d.year, d.month, d.day)))


# -- tick formatting -------------------------------------------------------------------------------

class _DayFormatter(Formatter):
    """Compact, locale-independent day labels: "Nov 20"; month ticks as "Nov"; the year only where it
    changes ("Jan 4\\n2027", "Jan 2027")."""

    def __call__(self, x, pos=None):
        return self.format_ticks([x])[0]

    def format_ticks(self, values):
        days = [num2date(v, tz=_UTC).date() for v in values]
        if not days:
            return []
        monthly = len(days) > 1 and all(d.day == 1 for d in days) and (days[-1] - days[0]).days > 45
        labels, prev_year = [], None
        for i, d in enumerate(days):
            text = _MONTHS[d.month - 1] if monthly else f"{_MONTHS[d.month - 1]} {d.day}"
            if monthly and (i == 0 or d.year != prev_year):
                text += f" {d.year}"
            elif not monthly and prev_year is not None and d.year != prev_year:
                text += f"\n{d.year}"
            labels.append(text)
            prev_year = d.year
        return labels


class _ValueFormatter(Formatter):
    """Plain numbers with thousands separators and only as many decimals as the tick step needs."""

    def __call__(self, x, pos=None):
        return self.format_ticks([x])[0]

    def format_ticks(self, values):
        decimals = _decimals(values)
        return [_number(v, decimals) for v in values]


class _ChangeFormatter(Formatter):
    """Ticks of a relative chart (100 = own usual) as change: "+10%", "0%", "-5%"."""

    def __call__(self, x, pos=None):
        return self.format_ticks([x])[0]

    def format_ticks(self, values):
        decimals = _decimals(values)
        out = []
        for v in values:
            change = round(v - 100.0, decimals)
            if change == 0:
                out.append("0%")
            else:
                digits = _number(abs(change), decimals)
                if "." in digits:
                    digits = digits.rstrip("0").rstrip(".")     # "-5%", "-2.5%" rather than "-5.0%"
                out.append(("+" if change > 0 else "-") + digits + "%")
        return out


def _day_locator(span_days: float):
    """Few, regular, non-overlapping day ticks: every day or two for a week or two, Mondays for a few
    weeks, first of the month beyond that."""
    if span_days <= 8.5:
        return DayLocator(tz=_UTC)
    if span_days <= 16:
        return DayLocator(interval=2, tz=_UTC)
    if span_days <= 22:
        return DayLocator(interval=3, tz=_UTC)
    if span_days <= 63:
        return WeekdayLocator(byweekday=MO, tz=_UTC)
    if span_days <= 120:
        return WeekdayLocator(byweekday=MO, interval=2, tz=_UTC)
    return MonthLocator(interval=1 if span_days <= 220 else 2, tz=_UTC)


def _decimals(values) -> int:
    vals = sorted(float(v) for v in values)
    steps = [b - a for a, b in zip(vals, vals[1:]) if b - a > 1e-12]
    step = min(steps) if steps else 1.0
    for decimals in range(0, 4):
        if abs(step * 10**decimals - round(step * 10**decimals)) < 1e-6 * max(1.0, step * 10**decimals):
            return decimals
    return 3


def _number(v: float, decimals: int) -> str:
    text = f"{v:,.{decimals}f}"
    return "0" if text.strip("-0.,") == "" else text


# -- figure ----------------------------------------------------------------------------------------

def _style_axes(ax) -> None:
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#BBBBBB")
    ax.grid(True, axis="y", color=GRID, linewidth=0.9)
    ax.grid(True, axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=TICK_PT, colors=MUTED, labelcolor=INK, length=3)


def _line_labels(ax, lines: list[tuple[float, str]], y_lo: float, y_hi: float) -> None:
    """Words for horizontal reference lines, in the right margin next to each line's end (outside the
    data). Two labels closer than a text height are pushed apart."""
    near = 0.07 * (y_hi - y_lo)
    lines = sorted(lines)
    offsets = [0.0] * len(lines)
    if len(lines) == 2 and lines[1][0] - lines[0][0] < near:
        offsets = [-5.0, 5.0]
    for (y, text), dy in zip(lines, offsets):
        t = ax.annotate(text, xy=(1.0, y), xycoords=blended_transform_factory(ax.transAxes, ax.transData),
                        xytext=(5, dy), textcoords="offset points", ha="left", va="center",
                        fontsize=NOTE_PT, color=MUTED, annotation_clip=False, parse_math=False)
        t.set_gid("reference-label")


def _build_figure(spec: ChartSpec) -> Figure:
    """The chart as an unrendered Figure (tests read its Text artists). Never raises for empty or
    one-point series."""
    # Fixed margins instead of constrained layout: the size never changes, and constrained layout
    # draws the figure an extra time to measure it (half the render time).
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    _style_axes(ax)
    title = textwrap.fill(str(spec.title), TITLE_WRAP) if len(str(spec.title)) > TITLE_WRAP else str(spec.title)
    title_kw = dict(loc="left", fontsize=TITLE_PT, color=INK, fontweight="bold", parse_math=False)

    drawn = [(s.label, pts) for s in spec.series if (pts := _clean_points(s.points))]
    footer = f"Days in {spec.timezone}"
    if not drawn:
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.grid(False)
        ax.text(0.5, 0.5, EMPTY_TEXT, transform=ax.transAxes, ha="center", va="center",
                fontsize=TITLE_PT, color=MUTED, parse_math=False)
        ax.set_xlabel(footer, fontsize=NOTE_PT, color=MUTED, loc="left", parse_math=False)
        ax.set_title(title, pad=10, **title_kw)
        return fig

    window = int(spec.rolling_days or 0)
    ys: list[float] = []
    handles, labels = [], []
    any_rolling = False
    for i, (label, pts) in enumerate(drawn):
        colour, marker = PALETTE[i % len(PALETTE)], MARKERS[i % len(MARKERS)]
        style = LINESTYLES[i % len(LINESTYLES)] if len(drawn) > 1 else "-"
        ax.plot([_x(d) for d, _ in pts], [v for _, v in pts], linestyle="none", marker=marker, markersize=5.5,
                markerfacecolor=colour, markeredgecolor="white", markeredgewidth=0.6, alpha=0.75, zorder=3)
        ys.extend(v for _, v in pts)
        roll = _rolling(pts, window)
        if roll:
            any_rolling = True
            ax.plot([_x(d) for d, _ in roll], [v for _, v in roll], color=colour, linewidth=2.8,
                    linestyle=style, solid_capstyle="round", zorder=4)
            ys.extend(v for _, v in roll if not math.isnan(v))
        handles.append(Line2D([], [], color=colour, linewidth=2.8 if roll else 0, linestyle=style, marker=marker,
                              markersize=6.5, markerfacecolor=colour, markeredgecolor="white"))
        labels.append(label)

    # x: the days covered, at least a week wide so one point does not fill the picture
    first = min(p[0][0] for _, p in drawn)
    last = max(p[-1][0] for _, p in drawn)
    lo, hi = _x(first) - 0.6, _x(last) + 0.6
    if hi - lo < 7:
        mid = (lo + hi) / 2
        lo, hi = mid - 3.5, mid + 3.5
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(_day_locator(hi - lo))
    ax.xaxis.set_major_formatter(_DayFormatter())

    # y: the data, the goal and (relative) the usual, never exaggerating a tiny change
    extra = [spec.goal] if spec.goal is not None and math.isfinite(spec.goal) else []
    if spec.relative:
        extra.append(100.0)
    y_lo, y_hi = min(ys + extra), max(ys + extra)
    if spec.relative:
        min_span = 20.0                                   # +-10% around the data at least
    else:
        min_span = max(abs(y_hi), abs(y_lo)) * 0.1 or 1.0
        if y_lo >= 0 and y_lo <= 0.5 * y_hi:
            y_lo = 0.0                                    # magnitudes like steps: keep the zero in view
    if y_hi - y_lo < min_span:
        mid = (y_hi + y_lo) / 2
        y_lo, y_hi = mid - min_span / 2, mid + min_span / 2
        if not spec.relative and min(ys + extra) >= 0 and y_lo < 0:
            y_lo, y_hi = 0.0, y_hi - y_lo
    pad = (y_hi - y_lo) * 0.08
    ax.set_ylim(y_lo - (pad if y_lo != 0 else 0), y_hi + pad)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))

    references: list[tuple[float, str]] = []
    if spec.relative:
        ax.yaxis.set_major_formatter(_ChangeFormatter())
        ax.set_ylabel("vs. own usual", fontsize=LABEL_PT, color=MUTED, parse_math=False)
        ax.axhline(100.0, color=REFERENCE, linewidth=1.3, zorder=2)
        references.append((100.0, "your usual" if len(drawn) == 1 else "own usual"))
    else:
        ax.yaxis.set_major_formatter(_ValueFormatter())
        ax.set_ylabel(spec.unit, fontsize=LABEL_PT, color=MUTED, parse_math=False)
    if spec.goal is not None and math.isfinite(spec.goal):
        ax.axhline(spec.goal, color=INK, linewidth=1.3, linestyle=(0, (4, 3)), zorder=2)
        references.append((spec.goal, "goal"))
    _line_labels(ax, references, *ax.get_ylim())

    many = len(drawn) > 1
    how = ("markers: daily" if many else "dots: daily") + (
        (f" · lines: {window}-day averages" if many else f" · line: {window}-day average") if any_rolling else "")
    ax.set_xlabel(f"{footer}  ·  {how}", fontsize=NOTE_PT, color=MUTED, loc="left", parse_math=False)

    pad = 10.0
    if many:
        names = [_short(label) for label in labels]
        renderer = fig.canvas.get_renderer()
        room = fig.bbox.width - 1.2 * DPI          # the y axis and the right-margin labels take about that
        for ncol in range(min(len(names), 6), 0, -1):
            legend = ax.legend(handles, names, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=ncol,
                               fontsize=NOTE_PT, frameon=False, handlelength=3.0, columnspacing=1.4,
                               borderaxespad=0.2, borderpad=0.2)
            if legend.get_window_extent(renderer).width <= room:
                break
        rows = math.ceil(len(names) / ncol)
        for t in legend.get_texts():
            t.set_parse_math(False)
        pad += 19.5 * rows
    ax.set_title(title, pad=pad, **title_kw)
    height_px = HEIGHT_IN * DPI
    title_lines = title.count("\n") + 1
    top_px = pad + title_lines * TITLE_PT * DPI / 72 * 1.25 + 8
    fig.subplots_adjust(left=0.105, right=0.855, bottom=0.15, top=1 - top_px / height_px)
    return fig
