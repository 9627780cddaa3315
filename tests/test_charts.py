"""Charts: PNG output, honest trend-level pictures, robustness and thread safety."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import re
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from matplotlib.text import Text

from bot.charts import (EMPTY_TEXT, PIXEL_SIZE, ChartSeries, ChartSpec, _build_figure, _ChangeFormatter, _rolling,
                        render_png, render_png_async, to_relative)

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
START = date(2026, 10, 24)


def _points(values, start=START, skip=()):
    return tuple(((start + timedelta(days=i)).isoformat(), float(v)) for i, v in enumerate(values) if i not in skip)


RAW_STEPS = [8123, 9457, 6789, 10234, 7345, 8876, 5432, 9999, 11111, 7777, 8642, 9753, 6420, 8081,
             7311, 9187, 10422, 6903, 8555, 7204, 9648, 8317, 7766, 10090, 6151, 8888, 9321, 7432]
BASELINE, GOAL = 8250.0, 9000.0


def _public_spec(**kw) -> ChartSpec:
    return ChartSpec("Steps — last 30 days", "steps", "Europe/Berlin",
                     (ChartSeries("you", _points(RAW_STEPS, skip={3, 11, 12})),), goal=GOAL, **kw)


def _relative_spec(points=None, goal=GOAL) -> ChartSpec:
    rel = to_relative(points if points is not None else _points(RAW_STEPS, skip={3, 11, 12}), BASELINE)
    return ChartSpec("Steps — last 30 days (relative to own usual)", "steps", "Europe/Berlin",
                     (ChartSeries("alice", rel),), goal=None if goal is None else 100 * goal / BASELINE, relative=True)


def _group_spec(relative=True) -> ChartSpec:
    def series(label, values, baseline, skip=()):
        pts = _points(values, skip=skip)
        return ChartSeries(label, to_relative(pts, baseline) if relative else pts)
    return ChartSpec("Steps — week of Nov 16", "%" if relative else "steps", "Europe/Berlin",
                     (series("alice", RAW_STEPS, BASELINE), series("bob", [v * 0.7 for v in RAW_STEPS], 6000, {0, 5}),
                      series("cara", [v * 1.3 for v in reversed(RAW_STEPS)], 11000, {2, 9, 20})), relative=relative)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def _png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind = png[pos + 4:pos + 8]
        chunks.append((kind, png[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return chunks


def _drawn_texts(fig) -> list[Text]:
    fig.canvas.draw()    # tick labels exist only once the figure is laid out
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _title_of(fig) -> str:
    return next(t.get_text() for t in fig.texts if t.get_gid() == "title")


def _tick_texts(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


# -- PNG output --------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", [_public_spec(), _relative_spec(), _group_spec()], ids=["public", "relative", "group"])
def test_render_png_gives_a_chat_sized_png(spec):
    png = render_png(spec)
    assert png.startswith(PNG_SIGNATURE)
    assert _png_size(png) == PIXEL_SIZE
    w, h = PIXEL_SIZE
    assert 850 <= w <= 950 and 480 <= h <= 540


def test_same_spec_same_bytes_and_no_metadata():
    first, second = render_png(_public_spec()), render_png(_public_spec())
    assert first == second
    kinds = {kind for kind, _ in _png_chunks(first)}
    assert not kinds & {b"tEXt", b"iTXt", b"zTXt", b"tIME"}, kinds
    assert b"Matplotlib" not in first and b"matplotlib" not in first


def test_white_background():
    fig = _build_figure(_public_spec())
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    assert fig.axes[0].get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_never_imports_pyplot():
    code = ("import sys; from bot.charts import *; from tests.test_charts import _group_spec; "
            "render_png(_group_spec()); assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# -- what the picture says ---------------------------------------------------------------------------

CHANGE = re.compile(r"^(0|[+-]\d+(\.\d+)?)%$")


def _raw_forms(value: float) -> set[str]:
    return {f"{value:.0f}", f"{value:,.0f}", f"{value:.1f}", f"{value / 1000:.1f}k", f"{value / 1000:.0f}k"}


@pytest.mark.parametrize("spec", [_relative_spec(), _relative_spec(goal=None), _group_spec(),
                                  _relative_spec(points=_points([8200, 8260, 8240, 8300])),     # a tiny change
                                  _relative_spec(points=_points([20000, 30000, 41000, 25000]))],  # a huge one
                         ids=["single", "no-goal", "group", "flat", "huge"])
def test_relative_chart_shows_no_raw_value(spec):
    fig = _build_figure(spec)
    texts = _drawn_texts(fig)
    ax = fig.axes[0]
    yticks = _tick_texts(ax.yaxis)
    assert len(yticks) >= 3
    assert all(CHANGE.match(t) for t in yticks), yticks
    assert "0%" in yticks                                   # the usual is always in view
    everything = [t.get_text() for t in texts]
    assert any(t == "your usual" or t == "own usual" for t in everything)
    assert "steps" not in [t.strip() for t in everything]   # the unit is not drawn
    raw = set().union(*(_raw_forms(v) for v in [*RAW_STEPS, BASELINE, GOAL, 20000, 30000, 41000, 8200, 8300]))
    title = _title_of(fig)
    xticks = set(_tick_texts(ax.xaxis))
    for text in everything:
        for form in raw:
            assert form not in text.replace("\n", " "), (form, text)
        if text in xticks or text == title or text == ax.get_xlabel():
            continue
        # any other number on the picture is a change in percent
        for number in re.findall(r"[+-]?\d[\d,.]*%?", text):
            assert number.endswith("%"), (number, text)


def test_change_ticks_read_as_change_against_the_usual():
    f = _ChangeFormatter()
    assert f.format_ticks([80, 90, 100, 110, 120]) == ["-20%", "-10%", "0%", "+10%", "+20%"]
    assert f.format_ticks([95, 97.5, 100, 102.5]) == ["-5%", "-2.5%", "0%", "+2.5%"]
    assert f.format_ticks([100.0000001, 200]) == ["0%", "+100%"]


def test_relative_tiny_changes_are_not_blown_up():
    fig = _build_figure(_relative_spec(points=_points([8200, 8260, 8240, 8300])))
    lo, hi = fig.axes[0].get_ylim()
    assert hi - lo >= 20                     # at least +-10% visible around values within ~1%


def test_public_chart_labels():
    fig = _build_figure(_public_spec())
    texts = [t.get_text() for t in _drawn_texts(fig)]
    ax = fig.axes[0]
    assert "goal" in texts
    assert ax.get_ylabel() == "steps"
    assert ax.get_legend() is None                       # one series: no legend needed
    assert any("Days in Europe/Berlin" in t for t in texts)
    assert any("7-day average" in t for t in texts)
    yticks = _tick_texts(ax.yaxis)
    assert any("," in t for t in yticks), yticks          # 10,000 rather than 10000 or 1e4
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*", t) for t in yticks), yticks


def test_dates_are_compact_and_do_not_overlap():
    for days in (7, 14, 30, 90, 365):
        spec = ChartSpec(f"Steps — last {days} days", "steps", "UTC",
                         (ChartSeries("you", _points([5000 + (i * 37) % 3000 for i in range(days)])),))
        fig = _build_figure(spec)
        fig.canvas.draw()
        ax = fig.axes[0]
        labels = [t for t in ax.get_xticklabels() if t.get_text()]
        assert 3 <= len(labels) <= 9, (days, [t.get_text() for t in labels])
        for t in labels:
            assert re.fullmatch(r"[A-Z][a-z]{2}( \d{1,2})?( \d{4}|\n\d{4})?", t.get_text()), t.get_text()
        boxes = [t.get_window_extent() for t in labels]
        for a, b in zip(boxes, boxes[1:]):
            assert a.x1 < b.x0, (days, [t.get_text() for t in labels])


def test_fonts_are_readable_at_chat_size():
    for spec in (_public_spec(), _group_spec()):
        fig = _build_figure(spec)
        sizes = {t.get_text(): t.get_fontsize() for t in _drawn_texts(fig)}
        assert min(sizes.values()) >= 11, sizes


def test_series_get_distinct_colours_and_markers_and_a_legend():
    fig = _build_figure(_group_spec(relative=False))
    ax = fig.axes[0]
    dots = [line for line in ax.get_lines() if line.get_linestyle() in ("None", "none", "")]
    styles = {(line.get_markerfacecolor(), line.get_marker()) for line in dots}
    assert len(dots) == 3 and len(styles) == 3
    markers = {line.get_marker() for line in dots}
    assert len(markers) == 3                               # tells them apart in greyscale too
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["alice", "bob", "cara"]


def test_a_series_without_points_is_not_named():
    spec = ChartSpec("Steps — week of Nov 16", "%", "Europe/Berlin",
                     (ChartSeries("alice", _points([100, 105, 98])), ChartSeries("bob", ()),
                      ChartSeries("cara", _points([90, 95, 101]))), relative=True)
    fig = _build_figure(spec)
    texts = [t.get_text() for t in _drawn_texts(fig)]
    assert not any("bob" in t for t in texts)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["alice", "cara"]


def test_labels_are_drawn_literally():
    spec = ChartSpec("Mood $x^2$ \\frac{", "pts", "UTC",
                     (ChartSeries("$eve$", _points([3, 4])), ChartSeries("_dan", _points([2, 5]))))
    fig = _build_figure(spec)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["$eve$", "_dan"]
    assert render_png(spec).startswith(PNG_SIGNATURE)


# -- rolling average ---------------------------------------------------------------------------------

def test_rolling_average_is_over_calendar_days():
    pts = [(date(2026, 11, 1), 10.0), (date(2026, 11, 3), 20.0), (date(2026, 11, 4), 30.0),
           (date(2026, 11, 5), 40.0), (date(2026, 11, 12), 50.0), (date(2026, 11, 13), 60.0)]
    roll = dict(_rolling(pts, 3))
    assert min(roll) == date(2026, 11, 3)                  # first full 3-day window
    assert roll[date(2026, 11, 3)] == pytest.approx(15.0)  # Nov 1..3: 10 and 20 (Nov 2 missing)
    assert roll[date(2026, 11, 4)] == pytest.approx(25.0)  # Nov 2..4: 20, 30
    assert roll[date(2026, 11, 5)] == pytest.approx(30.0)
    assert roll[date(2026, 11, 7)] == pytest.approx(40.0)  # Nov 5..7: only 40
    assert math.isnan(roll[date(2026, 11, 9)])             # nothing logged Nov 7..9: a gap, not a guess
    assert roll[date(2026, 11, 13)] == pytest.approx(55.0)


def test_rolling_needs_a_window_and_two_values():
    pts = [(date(2026, 11, 1), 1.0), (date(2026, 11, 2), 2.0)]
    assert _rolling(pts, 7) == []
    assert _rolling(pts, 1) == []
    assert _rolling([], 7) == []


def test_rolling_line_is_drawn_thicker_than_the_dots():
    ax = _build_figure(_public_spec()).axes[0]
    lines = [line for line in ax.get_lines() if line.get_linestyle() not in ("None", "none", "")
             and len(line.get_xdata()) > 2]
    assert lines and max(line.get_linewidth() for line in lines) >= 2.5


# -- robustness --------------------------------------------------------------------------------------

@pytest.mark.parametrize("series", [(), (ChartSeries("you", ()),), (ChartSeries("a", ()), ChartSeries("b", ()))],
                         ids=["no-series", "empty-series", "two-empty"])
@pytest.mark.parametrize("relative", [False, True])
def test_empty_chart_says_so(series, relative):
    spec = ChartSpec("Weight — last 30 days", "kg", "Europe/Berlin", series, goal=80.0, relative=relative)
    png = render_png(spec)
    assert png.startswith(PNG_SIGNATURE) and _png_size(png) == PIXEL_SIZE
    texts = [t.get_text() for t in _drawn_texts(_build_figure(spec))]
    assert EMPTY_TEXT in texts
    assert not any("80" in t for t in texts)


@pytest.mark.parametrize("relative", [False, True])
def test_single_point_and_odd_values_render(relative):
    for points in ((("2026-11-20", 82.5),), (("2026-11-20", 82.5), ("2026-11-21", float("nan"))),
                   (("2026-11-20", 0.0), ("2026-11-20", 0.0)), [["2026-11-20", 5], ["2026-11-22", 5]]):
        spec = ChartSpec("Weight — last 30 days", "kg", "UTC", (ChartSeries("you", tuple(map(tuple, points))),),
                         relative=relative, goal=None)
        png = render_png(spec)
        assert png.startswith(PNG_SIGNATURE) and _png_size(png) == PIXEL_SIZE
    only_nan = ChartSpec("x", "kg", "UTC", (ChartSeries("you", (("2026-11-20", float("inf")),)),))
    assert EMPTY_TEXT in [t.get_text() for t in _drawn_texts(_build_figure(only_nan))]


def test_rolling_days_zero_or_one_draws_dots_only():
    for window in (0, 1):
        fig = _build_figure(_public_spec(rolling_days=window))
        texts = [t.get_text() for t in _drawn_texts(fig)]
        assert not any("average" in t for t in texts)


# -- data classes and to_relative --------------------------------------------------------------------

def test_specs_are_plain_json_friendly_data():
    spec = _group_spec()
    data = json.loads(json.dumps(dataclasses.asdict(spec)))
    again = ChartSpec(**{**data, "series": tuple(ChartSeries(s["label"], tuple(map(tuple, s["points"])))
                                                 for s in data["series"])})
    assert again == spec
    assert render_png(again) == render_png(spec)


def test_to_relative():
    assert to_relative((("2026-11-20", 8000.0), ("2026-11-21", 10000)), 8000) == (
        ("2026-11-20", 100.0), ("2026-11-21", 125.0))
    assert to_relative([["2026-11-20", 4]], 8.0) == (("2026-11-20", 50.0),)
    assert to_relative((), 5) == ()


@pytest.mark.parametrize("baseline", [0, 0.0, -1, -0.5, float("nan"), float("inf"), None, "abc"])
def test_to_relative_rejects_a_baseline_that_is_not_positive(baseline):
    with pytest.raises(ValueError):
        to_relative((("2026-11-20", 1.0),), baseline)


# -- threads and the event loop ----------------------------------------------------------------------

def test_concurrent_rendering_from_eight_threads():
    specs = [_public_spec(), _relative_spec(), _group_spec(), _group_spec(relative=False),
             ChartSpec("Empty", "kg", "UTC", ()), _relative_spec(goal=None),
             ChartSpec("One", "kg", "UTC", (ChartSeries("you", (("2026-11-20", 82.5),)),)), _public_spec(rolling_days=3)]
    expected = [render_png(s) for s in specs]
    jobs = specs * 3
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(render_png, jobs))
    assert results == expected * 3


def test_render_png_async_runs_off_the_loop():
    spec = _relative_spec()
    expected = render_png(spec)

    async def main():
        default = await render_png_async(spec)
        with ThreadPoolExecutor(max_workers=2) as pool:
            together = await asyncio.gather(*(render_png_async(spec, pool) for _ in range(4)))
        return default, together

    default, together = asyncio.run(main())
    assert default == expected
    assert together == [expected] * 4


def test_render_png_async_does_not_block_the_loop():
    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        task = asyncio.create_task(ticker())
        await render_png_async(_group_spec())
        task.cancel()
        return ticks

    assert asyncio.run(main()) > 3
