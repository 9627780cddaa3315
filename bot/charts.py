"""Progress charts as PNG bytes, drawn for reading at chat size.

Only matplotlib's object-oriented API is used (a ``Figure`` on its own ``FigureCanvasAgg``); the
global-state plotting module is never imported. Every artist is built per call, nothing touches
``rcParams``, and fonts, colours and sizes are passed explicitly, so the output depends only on the
spec. Matplotlib does not promise thread safety even for separate figures, so the drawing itself is
serialised by a module lock: callers may use :func:`render_png` from any number of threads (the async
wrapper runs it in an executor), they just queue for the short (~0.1 s) draw.

Trend-level charts (``relative=True``) hold values as % of the member's own baseline (100 = usual).
Nothing in such a picture shows a raw value: the y axis is labelled as change against the usual
("+10%", "0%", "-5%"), the goal and the usual are labelled by words only, and the unit is not drawn.

Series without points are left out of the picture altogether (not even a legend entry): a chart
never names someone who did not log.
"""

from __future__ import annotations

import asyncio
import io
import math
import threading
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, Sequence


__all__ = ["ChartSeries", "ChartSpec", "render_png", "render_png_async", "to_relative"]


@dataclass(frozen=True)
class ChartSeries:
    label: str                                   # e.g. "alice" or "you"
    points: tuple[tuple[str, float], ...]        # (ISO date, value) sorted by date; missing days are absent


@dataclass(frozen=True)
class ChartSpec:
    title: str                                   # e.g. "Steps — last 30 days"
    unit: str                                    # y axis unit label; ignored when relative
    timezone: str                                # shown in the footer: "Days in Europe/Berlin"
    series: tuple[ChartSeries, ...]              # one or more lines
    goal: float | None = None                    # dashed goal line, same unit as the values
    relative: bool = False                       # values are % of the member's own baseline (100 = usual)
    rolling_days: int = 7                        # trailing calendar-day window of the thicker line


# -- look ------------------------------------------------------------------------------------------

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 112          # 896 x 504 px
PIXEL_SIZE = (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))

# Okabe-Ito, in an order that keeps the first few far apart; yellow is left out (unreadable on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", (0, (6, 2)), (0, (1.5, 1.5)), (0, (6, 2, 1.5, 2)))   # solid, dashed, dotted, dash-dot
INK, MUTED, GRID, REFERENCE = "#222222", "#555555", "#E6E6E6", "#6E6E6E"

TITLE_PT, LABEL_PT, TICK_PT, NOTE_PT = 15, 12, 12, 11
EMPTY_TEXT = "No entries yet"
TITLE_WRAP = 56            # characters per title line
LABEL_CHARS = 20           # legend names are cut to this

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_UTC = timezone.utc
_RENDER_LOCK = threading.Lock()


# -- data helpers ----------------------------------------------------------------------------------

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


def _clean_points(points: Iterable[Sequence]) -> list[tuple[date, float]]:
    """Parse ISO dates, drop values that cannot be drawn (None, NaN, inf), sort by day."""
    out = []
    for day, value in points:
        if value is None:
            continue
        v = float(value)
        if not math.isfinite(v):
            continue
        d = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
        if isinstance(d, datetime):
            d = d.date()
        out.append((d, v))
    out.sort(key=lambda p: p[0])
    return out


def _rolling(points: list[tuple[date, float]], window: int) -> list[tuple[date, float]]:
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


def _short(label: str) -> str:
    label = str(label)
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def render_png(spec: ChartSpec) -> bytes:
    """The chart as PNG bytes, 896x504 px. Same spec, same bytes (no timestamp or version in the file)."""
    from bot.chart_drawing import _build_figure   # matplotlib is imported here, when a chart is drawn

    with _RENDER_LOCK:
        fig = _build_figure(spec)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, facecolor="white",
                    metadata={"Software": None})
        return buf.getvalue()


async def render_png_async(spec: ChartSpec, executor: Executor | None = None) -> bytes:
    """:func:`render_png` off the event loop, in ``executor`` (None: the loop's default executor)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, render_png, spec)
