"""Progress charts as PNG bytes, drawn for reading at chat size.

- :mod:`bot.charts.spec` — what the renderer is given (``ChartSpec``, ``CardSpec``)
- :mod:`bot.charts.axes` — ranges and tick words that fit the numbers (12,500 · 7:30 · +10%)
- :mod:`bot.charts.fonts` — the font chain (Latin, emoji, CJK where installed) and the fallback glyph
- :mod:`bot.charts.layout` — margins measured from what goes in them; titles that wrap
- :mod:`bot.charts.chart` — one metric over days; :mod:`bot.charts.card` — a member's week
- :mod:`bot.charts.alt` — alt text from the same data; :mod:`bot.charts.render` — PNG bytes
"""

from bot.charts.spec import CardSpec, ChartSeries, ChartSpec, to_relative
from bot.charts.chart import EMPTY_TEXT, PIXEL_SIZE, _build_figure
from bot.charts.axes import ChangeFormatter as _ChangeFormatter
from bot.charts.spec import rolling as _rolling
from bot.charts.render import render_png, render_png_async
from bot.charts.alt import alt_text

__all__ = ["CardSpec", "ChartSeries", "ChartSpec", "alt_text", "render_png", "render_png_async", "to_relative"]
