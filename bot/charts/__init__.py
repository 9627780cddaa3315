"""Progress charts as PNG bytes, drawn for reading at chat size.

- :mod:`bot.charts.spec` — what the renderer is given (``ChartSpec``, ``CardSpec``)
- :mod:`bot.charts.axes` — ranges and tick words that fit the numbers (12,500 · 7:30 · +10%)
- :mod:`bot.charts.fonts` — the font chain (Latin, emoji, CJK where installed) and the fallback glyph
- :mod:`bot.charts.layout` — margins measured from what goes in them; titles that wrap
- :mod:`bot.charts.chart` — one metric over days; :mod:`bot.charts.card` — a member's week
- :mod:`bot.charts.alt` — alt text from the same data; :mod:`bot.charts.render` — PNG bytes

Importing this package costs nothing: only the specs load here. matplotlib is imported when a chart is
really drawn or described (a worker process, or the first chart of a console session), so
`peerpulse --help` or a command that draws nothing never pays for it.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from importlib import import_module
from typing import TYPE_CHECKING

from bot.charts.spec import CardSpec, ChartSeries, ChartSpec, to_relative
from bot.charts.spec import rolling as _rolling  # noqa: F401 (tests use the renderer's rolling line)

if TYPE_CHECKING:   # typed for mypy; at run time __getattr__ loads it on first use
    from bot.charts.alt import alt_text

__all__ = ["CardSpec", "ChartSeries", "ChartSpec", "alt_text", "render_png", "render_png_async", "to_relative"]

# Names that need matplotlib, loaded on first use: name -> (module, attribute).
_LAZY = {
    "alt_text": ("bot.charts.alt", "alt_text"),
    "EMPTY_TEXT": ("bot.charts.chart", "EMPTY_TEXT"),
    "PIXEL_SIZE": ("bot.charts.chart", "PIXEL_SIZE"),
    "_build_figure": ("bot.charts.chart", "_build_figure"),
    "_ChangeFormatter": ("bot.charts.axes", "ChangeFormatter"),
}


def __getattr__(name: str):
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'bot.charts' has no attribute {name!r}")


def render_png(spec: ChartSpec | CardSpec) -> bytes:
    """The chart (896x504 px) or card as PNG bytes. Same spec, same bytes."""
    from bot.charts.render import render_png as draw  # matplotlib is imported here, when a chart is drawn
    return draw(spec)


async def render_png_async(spec: ChartSpec | CardSpec, executor: Executor | None = None) -> bytes:
    """:func:`render_png` off the event loop, in ``executor`` (None: the loop's default executor)."""
    return await asyncio.get_running_loop().run_in_executor(executor, render_png, spec)
