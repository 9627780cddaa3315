"""Measuring words before drawing, so margins fit what is in them.

The figure has a fixed pixel size. Instead of matplotlib's constrained layout (which draws the whole
figure an extra time), each margin is computed from the measured size of what goes in it: the widest
y tick label, the y label, the reference-line words, the title's wrapped lines, the legend rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from matplotlib.font_manager import FontProperties

from bot.charts import fonts

if TYPE_CHECKING:   # the renderer is made with the figure's canvas (bot.charts.chart)
    from matplotlib.backends.backend_agg import RendererAgg

LINE_SPACING = 1.2


def props(size_pt: float, bold: bool = False) -> FontProperties:
    return FontProperties(family=list(fonts.chain()), size=size_pt, weight="bold" if bold else "normal")


@dataclass
class Measure:
    """Text sizes in pixels on one figure's renderer."""

    renderer: RendererAgg
    dpi: float

    def px(self, points: float) -> float:
        return points * self.dpi / 72.0

    def width(self, text: str, prop: FontProperties) -> float:
        return max((self.renderer.get_text_width_height_descent(line, prop, ismath=False)[0]
                    for line in str(text).split("\n") if line), default=0.0)

    def height(self, text: str, prop: FontProperties) -> float:
        lines = str(text).count("\n") + 1
        return self.px(prop.get_size_in_points()) * (1 + LINE_SPACING * (lines - 1)) + self.px(prop.get_size_in_points()) * 0.3

    def wrap(self, text: str, prop: FontProperties, width_px: float, max_lines: int = 3) -> str:
        """Greedy word wrap to ``width_px``; a word wider than a line is broken; more than
        ``max_lines`` lines end with an ellipsis."""
        lines: list[str] = []
        current = ""
        for word in str(text).split():
            candidate = f"{current} {word}" if current else word
            if self.width(candidate, prop) <= width_px:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = word
            while self.width(current, prop) > width_px and len(current) > 1:
                cut = len(current) - 1
                while cut > 1 and self.width(current[:cut], prop) > width_px:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        if current:
            lines.append(current)
        if len(lines) > max_lines:
            last = lines[max_lines - 1]
            while last and self.width(last + "…", prop) > width_px:
                last = last[:-1].rstrip()
            lines = lines[:max_lines - 1] + [last + "…"]
        return "\n".join(lines) or ""
