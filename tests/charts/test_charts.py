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

from bot.charts import (
    EMPTY_TEXT,
    PIXEL_SIZE,
    ChartSeries,
    ChartSpec,
    _build_figure,
    _ChangeFormatter,
    _rolling,
    render_png,
    render_png_async,
    to_relative,
)

ROOT = Path(__file__).resolve().parents[2]
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


SYSTOLIC = [134, 131, 133, 130, 128, 127, 124, 129, 131, 126, 122, 125]
DIASTOLIC = [88, 86, 87, 85, 84, 83, 79, 84, 85, 82, 78, 81]


def _pair_spec(relative=True) -> ChartSpec:
    """Blood pressure: one line per part, each relative to its own usual at trend."""
    def part(label, values):
        pts = _points(values, skip={4})
        return ChartSeries(label, to_relative(pts, sum(values) / len(values)) if relative else pts)
    return ChartSpec("Blood pressure — last 14 days" + (" (relative to own usual)" if relative else ""),
                     "%" if relative else "mmHg", "Europe/Berlin",
                     (part("systolic", SYSTOLIC), part("diastolic", DIASTOLIC)), relative=relative)


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
    code = ("import sys; from bot.charts import *; from tests.charts.test_charts import _group_spec; "
            "render_png(_group_spec()); assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# -- what the picture says ---------------------------------------------------------------------------

CHANGE = re.compile(r"^(0|[+-]\d+(\.\d+)?)%$")


def _raw_forms(value: float) -> set[str]:
    return {f"{value:.0f}", f"{value:,.0f}", f"{value:.1f}", f"{value / 1000:.1f}k", f"{value / 1000:.0f}k"}


@pytest.mark.parametrize("spec", [_relative_spec(), _relative_spec(goal=None), _group_spec(),
                                  _relative_spec(points=_points([8200, 8260, 8240, 8300])),     # a tiny change
                                  _relative_spec(points=_points([20000, 30000, 41000, 25000])),   # a huge one
                                  _pair_spec()],                                                  # blood pressure
                         ids=["single", "no-goal", "group", "flat", "huge", "pair"])
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
    raw = set().union(*(_raw_forms(v) for v in [*RAW_STEPS, BASELINE, GOAL, 20000, 30000, 41000, 8200, 8300,
                                                 *SYSTOLIC, *DIASTOLIC]))
    assert "mmHg" not in " ".join(everything)
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
        for a, b in zip(boxes, boxes[1:], strict=False):
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


# -- axes that fit their numbers (issue 17) ----------------------------------------------------------

from bot.charts import CardSpec, alt_text, fonts  # noqa: E402
from bot.charts.axes import DurationFormatter, hours_minutes  # noqa: E402
from bot.charts.card import build_card  # noqa: E402


def _all_drawn_boxes(fig):
    """Every visible text and legend on the drawn figure, as pixel boxes."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    undrawn = set()      # tick labels of ticks outside the view limits keep stale positions and are not drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    undrawn.update({id(tick.label1), id(tick.label2)})
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and id(t) not in undrawn]
    for ax in fig.axes:
        if ax.get_legend() is not None:
            boxes.append(("legend", ax.get_legend().get_window_extent(renderer)))
    return boxes


def _inside_the_image(fig, margin=1.0):
    w, h = fig.canvas.get_width_height()
    for text, box in _all_drawn_boxes(fig):
        assert box.x0 >= margin and box.y0 >= margin and box.x1 <= w - margin and box.y1 <= h - margin, (text, box.bounds)


@pytest.mark.parametrize("digits", [4, 5, 6])
@pytest.mark.parametrize("relative", [False, True])
def test_nothing_is_drawn_at_or_beyond_the_edges(digits, relative):
    base = 10 ** (digits - 1)
    values = [base * (1.1 + (i * 37 % 9) / 10) for i in range(20)]
    pts = _points(values)
    if relative:
        pts = to_relative(pts, base * 1.3)
    spec = ChartSpec("Steps of everyone in the walking club's long winter challenge, all of November and December",
                     "steps", "America/Argentina/Buenos_Aires",
                     (ChartSeries("Bartholomew Featherstonehaugh-Smythe", pts), ChartSeries("李小龍", pts[:10])),
                     goal=(values[0] * 1.4 if not relative else 120.0), usual=None if relative else values[3],
                     relative=relative)
    fig = _build_figure(spec)
    _inside_the_image(fig)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    label = ax.yaxis.label.get_window_extent(renderer)
    widest = max(t.get_window_extent(renderer).x1 for t in ax.get_yticklabels() if t.get_text())
    assert label.x1 <= min(t.get_window_extent(renderer).x0 for t in ax.get_yticklabels() if t.get_text())
    assert widest <= ax.get_window_extent(renderer).x0
    title = next(t for t in fig.texts if t.get_gid() == "title")
    assert "\n" in title.get_text()                       # the long title wrapped instead of being cut
    assert title.get_window_extent(renderer).y0 > ax.get_legend().get_window_extent(renderer).y1 - 1


def test_six_digit_ticks_have_thousands_separators():
    spec = ChartSpec("Steps", "steps", "UTC", (ChartSeries("you", _points([98000, 187654, 199999, 120500])),))
    fig = _build_figure(spec)
    fig.canvas.draw()
    ticks = _tick_texts(fig.axes[0].yaxis)
    assert "100,000" in ticks and all(re.fullmatch(r"\d{1,3}(,\d{3})*", t) for t in ticks), ticks


def test_durations_tick_as_hours_and_minutes_with_the_unit_in_the_label():
    spec = ChartSpec("Sleep — last 14 days", "h", "UTC",
                     (ChartSeries("you", _points([7.2, 7.4, 7.3, 7.5, 7.25, 7.45, 7.35])),), goal=7.5)
    fig = _build_figure(spec)
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = _tick_texts(ax.yaxis)
    assert ticks and all(re.fullmatch(r"\d{1,2}:[0-5][05]", t) for t in ticks), ticks   # whole 5 minutes
    assert "h:mm" in ax.get_ylabel()
    assert hours_minutes(7.5) == "7:30" and hours_minutes(7.2) == "7:12" and hours_minutes(10) == "10:00"
    assert DurationFormatter().format_ticks([6.25, 23.99]) == ["6:15", "23:59"]


def _drawn_days(fig) -> tuple[date, date]:
    """The first and last whole day inside the x range."""
    from matplotlib.dates import num2date
    lo, hi = fig.axes[0].get_xlim()
    return num2date(lo + 0.5).date(), num2date(hi - 0.5).date()


@pytest.mark.parametrize("first,last", [("2026-11-02", "2026-11-08"), ("2026-11-07", "2026-11-20"),
                                        ("2026-11-14", "2026-11-20"), ("2026-10-22", "2026-11-20")])
def test_the_drawn_x_range_is_exactly_the_period(first, last):
    # data starts before the period and is sparse inside it: the axis still shows exactly the period
    pts = _points([100 + i for i in range(40)], start=date(2026, 10, 20), skip=set(range(0, 40, 3)))
    spec = ChartSpec("Steps", "steps", "UTC", (ChartSeries("you", pts),), period=(first, last))
    fig = _build_figure(spec)
    assert _drawn_days(fig) == (date.fromisoformat(first), date.fromisoformat(last))
    lo, hi = fig.axes[0].get_xlim()
    xs = [x for line in fig.axes[0].get_lines() for x in line.get_xdata()]
    assert xs and all(lo < x < hi for x in xs)               # nothing from outside the period is drawn
    if (date.fromisoformat(last) - date.fromisoformat(first)).days == 6:
        fig.canvas.draw()
        assert len(_tick_texts(fig.axes[0].xaxis)) == 7


def test_without_a_period_the_axis_never_runs_past_the_last_day():
    spec = ChartSpec("Steps", "steps", "UTC", (ChartSeries("you", (("2026-11-18", 5.0), ("2026-11-20", 6.0))),))
    first, last = _drawn_days(_build_figure(spec))
    assert last == date(2026, 11, 20) and (last - first).days == 6


def test_a_trend_chart_of_someone_else_does_not_say_your_usual():
    shared = [t.get_text() for t in _drawn_texts(_build_figure(_relative_spec()))]
    assert "own usual" in shared and "your usual" not in shared
    own = ChartSpec("Steps", "%", "UTC", (ChartSeries("you", _points([90, 110, 100])),), relative=True)
    assert "your usual" in [t.get_text() for t in _drawn_texts(_build_figure(own))]


# -- fonts ---------------------------------------------------------------------------------------------

def test_a_character_no_font_has_becomes_one_fallback_glyph():
    with fonts.only(("DejaVu Sans",)):
        assert fonts.drawable("张伟 Zhang") == f"{fonts.FALLBACK_GLYPH} Zhang"      # a run -> one glyph
        assert fonts.drawable("María 😀") == "María 😀"                             # DejaVu has this emoji
        assert fonts.drawable("👩\u200d👩\u200d👧") == fonts.FALLBACK_GLYPH          # joiners dropped, not boxed
        assert fonts.drawable("a\x07b\u2028c") == "ab c"          # control characters are not drawn
        spec = ChartSpec("Mood — 李小龍", "/10", "UTC", (ChartSeries("さくら", _points([5, 6])),
                                                        ChartSeries("bob", _points([6, 7]))))
        fig = _build_figure(spec)
        texts = [t.get_text() for t in _drawn_texts(fig)]
        assert f"Mood — {fonts.FALLBACK_GLYPH}" in texts
        assert fonts.FALLBACK_GLYPH in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_the_font_chain_starts_with_latin_and_only_names_installed_families():
    from matplotlib import font_manager
    chain = fonts.chain()
    assert chain[0] == "DejaVu Sans"
    installed = {f.name for f in font_manager.fontManager.ttflist}
    assert set(chain) <= installed and list(chain) == [c for c in fonts.CANDIDATES if c in chain]


# -- alt text ------------------------------------------------------------------------------------------

def test_alt_text_of_a_raw_chart_names_title_period_series_and_values_as_the_bot_writes_them():
    spec = ChartSpec("Sleep — last 7 days", "h", "Europe/Berlin",
                     (ChartSeries("you", (("2026-11-24", 7.5), ("2026-11-26", 6.25))),), goal=8.0,
                     period=("2026-11-24", "2026-11-30"))
    text = alt_text(spec)
    for part in ("Sleep — last 7 days", "Nov 24 – Nov 30, 2026", "Europe/Berlin", "you", "2 days logged",
                 "6h 15m", "7h 30m", "Goal line at 8h"):
        assert part in text, (part, text)


def test_alt_text_of_a_relative_chart_has_only_relative_wording():
    for spec in (_relative_spec(), _group_spec()):
        text = alt_text(spec)
        assert "relative to own usual" in text
        assert "steps" not in text.replace("Steps", "")
        raw = set().union(*(_raw_forms(v) for v in [*RAW_STEPS, BASELINE, GOAL]))
        assert not any(form in text for form in raw if len(form) >= 3), text
        after_the_period = text.split("Europe/Berlin.", 1)[1]
        for number in re.findall(r"[+-]?\d[\d,.]*%?", after_the_period):
            assert number.endswith("%") or re.fullmatch(r"\d{1,2}", number), (number, text)   # % or days logged


def test_alt_text_of_an_empty_chart_says_so():
    assert "No entries yet" in alt_text(ChartSpec("Weight", "kg", "UTC", ()))


# -- the weekly card -----------------------------------------------------------------------------------

WEEK = ("2026-11-02", "2026-11-08")


def _card(relative_weight=True) -> CardSpec:
    week = lambda values, skip=(): _points(values, start=date(2026, 11, 2), skip=skip)   # noqa: E731
    weight = (ChartSpec("Weight (relative to own usual)", "%", "UTC", (ChartSeries("alice", week([101, 99, 98])),),
                        relative=True, period=WEEK) if relative_weight else
              ChartSpec("Weight", "kg", "UTC", (ChartSeries("alice", week([82.5, 82.1, 81.9])),), usual=82.4,
                        period=WEEK))
    return CardSpec("alice's week", "UTC", WEEK, (
        ChartSpec("Steps", "steps", "UTC", (ChartSeries("alice", week([8123, 9457, 6789, 10234, 7345], {2})),),
                  goal=9000, usual=8250, period=WEEK),
        ChartSpec("Sleep", "h", "UTC", (ChartSeries("alice", week([7.5, 6.25, 8])),), goal=8, usual=7.4, period=WEEK),
        weight))


def test_card_shows_every_panel_against_usual_and_goal():
    fig = build_card(_card())
    texts = [t.get_text() for t in _drawn_texts(fig)]
    assert {"Steps", "Sleep", "Weight (relative to own usual)"} <= set(texts)
    assert "avg 8,790 · usual 8,250 · goal 9,000 steps" in texts
    assert "4/7 days" in texts and "3/7 days" in texts
    assert texts.count("usual") == 3 and texts.count("goal") == 2
    assert "below own usual" in texts or "about own usual" in texts
    _inside_the_image(fig)
    png = render_png(_card())
    assert png.startswith(PNG_SIGNATURE) and png == render_png(_card())


def test_a_relative_card_panel_shows_no_raw_value():
    fig = build_card(_card())
    weight_axes = fig.axes[2]
    assert all(CHANGE.match(t) for t in _tick_texts(weight_axes.yaxis))
    texts = [t.get_text() for t in _drawn_texts(fig)]
    assert not any("kg" in t or "82" in t for t in texts)
    alt = alt_text(_card())
    assert "Weight (relative to own usual): " in alt and "kg" not in alt


def test_an_empty_card_says_so():
    card = CardSpec("alice's week", "UTC", WEEK, ())
    assert "Nothing logged this week yet" in [t.get_text() for t in _drawn_texts(build_card(card))]
    assert render_png(card).startswith(PNG_SIGNATURE)


def test_a_glyph_missing_from_the_first_font_is_taken_from_the_next_one_in_the_chain():
    # STIXGeneral ships with matplotlib and has the watch symbol DejaVu Sans lacks: a stand-in for a
    # CJK or emoji font on a machine that has one
    name = "Bob ⌚"
    spec = ChartSpec(f"Steps — {name}", "steps", "UTC", (ChartSeries(name, _points([5, 6])), ChartSeries("ann", _points([4, 7]))))
    with fonts.only(("DejaVu Sans",)):
        assert fonts.drawable(name) == f"Bob {fonts.FALLBACK_GLYPH}"
        latin_only = render_png(spec)
    with fonts.only(("DejaVu Sans", "STIXGeneral")):
        assert fonts.drawable(name) == name
        chained = render_png(spec)
        assert fonts.drawable(name, bold=True) == f"Bob {fonts.FALLBACK_GLYPH}"     # STIX's bold lacks it
        fig = _build_figure(spec)
        assert _title_of(fig) == f"Steps — Bob {fonts.FALLBACK_GLYPH}"
        assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [name, "ann"]
    assert chained != latin_only


def test_a_pair_is_two_labelled_lines_in_one_chart_and_its_alt_text_names_both():
    for relative in (False, True):
        spec = _pair_spec(relative)
        fig = _build_figure(spec)
        texts = [t.get_text() for t in _drawn_texts(fig)]
        assert "systolic" in texts and "diastolic" in texts                  # the legend
        assert len({tuple(line.get_xydata()[0]) for line in fig.axes[0].get_lines() if len(line.get_xydata())}) >= 2
        alt = alt_text(spec)
        assert "systolic: 11 days logged" in alt and "diastolic: 11 days logged" in alt
        assert ("mmHg" in alt) is not relative
        if relative:
            raw = {str(v) for v in [*SYSTOLIC, *DIASTOLIC]}
            assert not raw & set(re.findall(r"\d+", alt.split("Europe/Berlin.", 1)[1]))


def test_a_card_panel_of_a_pair_draws_both_parts_and_at_trend_no_value():
    week = lambda values: _points(values, start=date(2026, 11, 2))   # noqa: E731
    raw = ChartSpec("Blood pressure", "mmHg", "UTC",
                    (ChartSeries("systolic", week([128, 126, 131])), ChartSeries("diastolic", week([84, 80, 85]))),
                    period=WEEK)
    relative = ChartSpec("Blood pressure (relative to own usual)", "%", "UTC",
                         (ChartSeries("systolic", to_relative(week([128, 126, 131]), 120)),
                          ChartSeries("diastolic", to_relative(week([84, 80, 85]), 83))), relative=True, period=WEEK)
    card = CardSpec("alice's week", "UTC", WEEK, (raw, relative))
    fig = build_card(card)
    texts = [t.get_text() for t in _drawn_texts(fig)]
    assert "systolic avg 128 · diastolic avg 83 mmHg" in texts
    assert "systolic above · diastolic about own usual" in texts
    assert texts.count("systolic") == 2 and texts.count("diastolic") == 2    # each panel's legend
    assert all(CHANGE.match(t) for t in _tick_texts(fig.axes[1].yaxis))
    alone = [t.get_text() for t in _drawn_texts(build_card(CardSpec("alice's week", "UTC", WEEK, (relative,))))]
    assert not any(v in t for t in alone for v in ("128", "126", "131", "84", "80", "85", "mmHg")), alone
    _inside_the_image(fig)
    alt = alt_text(card)
    assert "Blood pressure (relative to own usual): systolic above · diastolic about own usual, 3 of 7 days logged." in alt
