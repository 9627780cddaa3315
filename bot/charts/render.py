"""Charts and cards as PNG bytes, drawn off the event loop.

Only matplotlib's object-oriented API is used (a ``Figure`` on its own ``FigureCanvasAgg``); the
global-state plotting module is never imported. Every artist is built per call, nothing touches
``rcParams``, and fonts, colours and sizes are passed explicitly, so the output depends only on the
spec. The PNG carries no metadata (no software name, no timestamp), so equal specs give equal bytes.
Matplotlib does not promise thread safety even for separate figures, so the drawing itself is
serialised by a module lock: callers may use :func:`render_png` from any number of threads.
"""

from __future__ import annotations

import asyncio
import io
import threading
from concurrent.futures import Executor

from bot.charts.card import build_card
from bot.charts.chart import DPI, _build_figure
from bot.charts.spec import CardSpec, ChartSpec
from bot.vocabulary import i18n

_RENDER_LOCK = threading.Lock()


def build(spec: ChartSpec | CardSpec):
    return build_card(spec) if isinstance(spec, CardSpec) else _build_figure(spec)


def render_png(spec: ChartSpec | CardSpec) -> bytes:
    """The chart (896x504 px) or card (896 px wide) as PNG bytes. Same spec, same bytes."""
    with _RENDER_LOCK, i18n.using(spec.locale):   # a worker process has no context of its own: the spec says
        fig = build(spec)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
        return buf.getvalue()


async def render_png_async(spec: ChartSpec | CardSpec, executor: Executor | None = None) -> bytes:
    """:func:`render_png` off the event loop, in ``executor`` (None: the loop's default executor)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, render_png, spec)
