"""How a weekly card is released: each panel exactly as the gate releases that chart alone.

The gate calls :func:`release_card` with its own per-chart release, so every metric's series is
decided by the same rules as a one-metric chart (levels, channel caps, relative and banded series,
goal only if shared). Panels the audience may not see are left out; the picture itself says nothing
about them (no empty panel, no "not shared"), and a card with no panel left is not shown at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from bot.charts import CardSpec, ChartSpec
from bot.vocabulary import i18n
from bot.vocabulary.reply import CardPiece, ChartPiece

Shown = TypeVar("Shown")


def release_card(card: CardPiece, release_chart: Callable[[ChartPiece], tuple[ChartSpec | None, list[Shown]]]
                 ) -> tuple[CardSpec | None, list[Shown]]:
    """The card's spec from the panels ``release_chart`` lets through, and what they disclose."""
    panels: list[ChartSpec] = []
    shown: list[Shown] = []
    for piece in card.panels:
        spec, disclosed = release_chart(piece)
        if spec is None:
            continue
        panels.append(replace(spec, period=card.period))
        shown.extend(disclosed)
    if not panels:
        return None, []
    return CardSpec(card.title, card.timezone, card.period, tuple(panels), i18n.current()), shown
