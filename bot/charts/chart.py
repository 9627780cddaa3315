"""One chart: a metric over days, for one member or several.

Trend-level charts (``relative=True``) hold values as % of the member's own baseline (100 = usual).
Nothing in such a picture shows a raw value: the y axis is labelled as change against the usual
("+10%", "0%", "-5%"), the goal and the usual are labelled by words only, and the unit is not drawn.

Series without points are left out of the picture altogether (not even a legend entry): a chart
never names someone who did not log. With a ``period`` the x axis is exactly those days, however
many were logged; points outside it are not drawn.
"""

from __future__ import annotations

import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory
from matplotlib.typing import LineStyleType

from bot.charts import axes as ax_
from bot.charts.fonts import drawable
from bot.charts.layout import Measure, props
from bot.charts.spec import ChartSpec, clean_points, period_days, rolling, within
from bot.vocabulary.i18n import N_, _

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 112          # 896 x 504 px
PIXEL_SIZE = (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))

# Okabe-Ito, in an order that keeps the first few far apart; yellow is left out (unreadable on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES: tuple[LineStyleType, ...] = ("-", (0, (6, 2)), (0, (1.5, 1.5)), (0, (6, 2, 1.5, 2)))   # solid, dashed, dotted, dash-dot
INK, MUTED, GRID, REFERENCE = "#222222", "#555555", "#E6E6E6", "#6E6E6E"

TITLE_PT, LABEL_PT, TICK_PT, NOTE_PT = 15, 12, 12, 11
EMPTY_TEXT = N_("No entries yet")
LABEL_CHARS = 20           # legend names are cut to this
EDGE_PX = 12               # nothing is drawn closer than this to the image's edges
TICK_LEN_PT, TICK_PAD_PT, LABEL_PAD_PT = 3.0, 3.5, 4.0


def _short(label: str) -> str:
    label = drawable(label)
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def usual_word(labels: list[str]) -> str:
    """Whose usual the reference line is: "your usual" only on the member's own chart ("you")."""
    return _("your usual") if labels == ["you"] else _("own usual")


def _style_axes(ax) -> None:
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#BBBBBB")
    ax.grid(True, axis="y", color=GRID, linewidth=0.9)
    ax.grid(True, axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=TICK_PT, colors=MUTED, labelcolor=INK, length=TICK_LEN_PT, pad=TICK_PAD_PT)


def line_labels(ax, lines: list[tuple[float, str]], y_lo: float, y_hi: float, axes_height_px: float) -> None:
    """Words for horizontal reference lines, in the right margin next to each line's end (outside the
    data). Two labels closer than a text height are pushed apart."""
    near = (y_hi - y_lo) * NOTE_PT * DPI / 72 * 1.1 / max(axes_height_px, 1.0)
    lines = sorted(lines)
    offsets = [0.0] * len(lines)
    if len(lines) == 2 and lines[1][0] - lines[0][0] < near:
        offsets = [-6.0, 6.0]
    for (y, text), dy in zip(lines, offsets, strict=False):
        t = ax.annotate(text, xy=(1.0, y), xycoords=blended_transform_factory(ax.transAxes, ax.transData),
                        xytext=(5, dy), textcoords="offset points", ha="left", va="center",
                        fontproperties=props(NOTE_PT), color=MUTED, annotation_clip=False, parse_math=False)
        t.set_gid("reference-label")


def new_figure(width_in: float, height_in: float) -> tuple[Figure, Measure]:
    fig = Figure(figsize=(width_in, height_in), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    return fig, Measure(canvas.get_renderer(), DPI)


def _build_figure(spec: ChartSpec) -> Figure:
    """The chart as an unrendered Figure (tests read its Text artists). Never raises for empty or
    one-point series."""
    fig, m = new_figure(WIDTH_IN, HEIGHT_IN)
    width_px, height_px = PIXEL_SIZE
    ax = fig.add_subplot()
    _style_axes(ax)
    title_prop = props(TITLE_PT, bold=True)
    title = m.wrap(drawable(spec.title, bold=True), title_prop, width_px - 2 * EDGE_PX)
    fig.text(EDGE_PX / width_px, 1 - EDGE_PX / height_px, title, ha="left", va="top", color=INK,
             fontproperties=title_prop, parse_math=False, gid="title")
    title_px = m.height(title, title_prop)
    footer = _("Days in {timezone}", timezone=spec.timezone)
    days = period_days(spec.period)

    drawn = [(s.label, pts) for s in spec.series if within(pts := clean_points(s.points), days)]
    if not drawn:
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.grid(False)
        ax.text(0.5, 0.5, _(EMPTY_TEXT), transform=ax.transAxes, ha="center", va="center",
                fontproperties=props(TITLE_PT), color=MUTED, parse_math=False)
        ax.set_xlabel(footer, fontproperties=props(NOTE_PT), color=MUTED, loc="left", parse_math=False)
        top = EDGE_PX + title_px + 10
        fig.subplots_adjust(left=EDGE_PX / width_px, right=1 - EDGE_PX / width_px,
                            bottom=(EDGE_PX + m.px(NOTE_PT) * 2) / height_px, top=1 - top / height_px)
        return fig

    window = int(spec.rolling_days or 0)
    ys: list[float] = []
    handles, labels = [], []
    any_rolling = False
    for i, (label, all_pts) in enumerate(drawn):
        pts = within(all_pts, days)
        colour, marker = PALETTE[i % len(PALETTE)], MARKERS[i % len(MARKERS)]
        style: LineStyleType = LINESTYLES[i % len(LINESTYLES)] if len(drawn) > 1 else "-"
        ax.plot([ax_.x_of(d) for d, _ in pts], [v for _, v in pts], linestyle="none", marker=marker, markersize=5.5,
                markerfacecolor=colour, markeredgecolor="white", markeredgewidth=0.6, alpha=0.75, zorder=3)
        ys.extend(v for _, v in pts)
        roll = within(rolling(all_pts, window), days)     # earlier days still count toward the first averages
        if sum(1 for _, v in roll if not math.isnan(v)) < 2:
            roll = []
        if roll:
            any_rolling = True
            ax.plot([ax_.x_of(d) for d, _ in roll], [v for _, v in roll], color=colour, linewidth=2.8,
                    linestyle=style, solid_capstyle="round", zorder=4)
            ys.extend(v for _, v in roll if not math.isnan(v))
        handles.append(Line2D([], [], color=colour, linewidth=2.8 if roll else 0, linestyle=style, marker=marker,
                              markersize=6.5, markerfacecolor=colour, markeredgecolor="white"))
        labels.append(label)

    # x: exactly the period; without one, the days logged (at least a week, never past the last day)
    if days is not None:
        lo, hi = ax_.x_of(days[0]) - 0.5, ax_.x_of(days[1]) + 0.5
    else:
        first = min(p[0][0] for _, p in drawn)
        last = max(p[-1][0] for _, p in drawn)
        hi = ax_.x_of(last) + 0.5
        lo = min(ax_.x_of(first) - 0.5, hi - 7)
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(ax_.day_locator(hi - lo))
    ax.xaxis.set_major_formatter(ax_.DayFormatter())

    # y: the data, the goal, the usual
    goal = spec.goal if spec.goal is not None and math.isfinite(spec.goal) else None
    usual = 100.0 if spec.relative else (spec.usual if spec.usual is not None and math.isfinite(spec.usual) else None)
    y_lo, y_hi = ax_.y_range(ys, spec.relative, [v for v in (goal, usual) if v is not None])
    ax.set_ylim(y_lo, y_hi)
    y_locator, y_formatter = ax_.y_locator(spec.unit, spec.relative, y_lo, y_hi), ax_.y_formatter(spec.unit, spec.relative)
    ax.yaxis.set_major_locator(y_locator)
    ax.yaxis.set_major_formatter(y_formatter)
    label_prop = props(LABEL_PT)
    ylabel = _("vs. own usual") if spec.relative else drawable(ax_.unit_label(spec.unit))
    ax.set_ylabel(ylabel, fontproperties=label_prop, color=MUTED, parse_math=False, labelpad=LABEL_PAD_PT)

    references: list[tuple[float, str]] = []
    if usual is not None:
        ax.axhline(usual, color=REFERENCE, linewidth=1.3, zorder=2)
        references.append((usual, usual_word(labels)))
    if goal is not None:
        ax.axhline(goal, color=INK, linewidth=1.3, linestyle=(0, (4, 3)), zorder=2)
        references.append((goal, "goal"))
    line_labels(ax, references, y_lo, y_hi, axes_height_px=0.7 * PIXEL_SIZE[1])

    many = len(drawn) > 1
    how = (_("markers: daily") if many else _("dots: daily")) + (
        (_(" · lines: {window}-day averages", window=window) if many else _(" · line: {window}-day average", window=window)) if any_rolling else "")
    note_prop = props(NOTE_PT)
    ax.set_xlabel(f"{footer}  ·  {how}", fontproperties=note_prop, color=MUTED, loc="left", parse_math=False,
                  labelpad=LABEL_PAD_PT)

    # margins from what goes in them
    tick_prop = props(TICK_PT)
    y_ticks = ax_.tick_labels(y_locator, y_formatter, y_lo, y_hi)
    x_ticks = ax_.tick_labels(ax.xaxis.get_major_locator(), ax.xaxis.get_major_formatter(), lo, hi)
    tick_room = m.px(TICK_LEN_PT + TICK_PAD_PT)
    left = (EDGE_PX + m.height(ylabel, label_prop) + m.px(LABEL_PAD_PT) + tick_room
            + max((m.width(t, tick_prop) for t in y_ticks), default=0))
    half_x_tick = max((m.width(t, tick_prop) for t in x_ticks), default=0) / 2
    left = max(left, EDGE_PX + half_x_tick)
    right = EDGE_PX + max([half_x_tick] + [m.px(5) + m.width(text, note_prop) for _, text in references])
    x_tick_px = max((m.height(t, tick_prop) for t in x_ticks), default=m.height("0", tick_prop))
    bottom = EDGE_PX + m.height(footer, note_prop) + m.px(LABEL_PAD_PT) + x_tick_px + tick_room
    top = EDGE_PX + title_px + m.height("0", tick_prop) / 2 + 6

    axes_width = width_px - left - right
    if many:
        names = [_short(label) for label in labels]
        for ncol in range(min(len(names), 6), 0, -1):
            legend = ax.legend(handles, names, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=ncol,
                               prop=note_prop, frameon=False, handlelength=3.0, columnspacing=1.4,
                               borderaxespad=0.2, borderpad=0.2)
            if legend.get_window_extent(m.renderer).width <= axes_width:
                break
        for t in legend.get_texts():
            t.set_parse_math(False)
        top += legend.get_window_extent(m.renderer).height + 4
    fig.subplots_adjust(left=left / width_px, right=1 - right / width_px, bottom=bottom / height_px,
                        top=1 - top / height_px)
    return fig
