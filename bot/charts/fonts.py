"""Which fonts draw a chart's words, and what stands in for a character none of them has.

Member names come from chat: emoji, Chinese, Japanese, Korean, anything. Matplotlib draws a string
with a list of font families, taking each glyph from the first family that has it; we hand it the
families of :data:`CANDIDATES` that this machine has, in that order (Latin first, so ordinary text
keeps one look). A character that no family in the chain has would come out as an empty box (or
nothing), so :func:`drawable` replaces it with :data:`FALLBACK_GLYPH` first: the reader sees that
something is there, and the picture stays the same whatever matplotlib does with missing glyphs.

Colour emoji fonts (bitmap CBDT/sbix, e.g. Noto Color Emoji) are left out on purpose: FreeType
cannot scale them for Agg. Debian packages that widen the chain are named in the README.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

# Order matters: the first family that has a glyph draws it.
CANDIDATES: tuple[str, ...] = (
    "DejaVu Sans",            # ships with matplotlib: Latin, Greek, Cyrillic, many symbols, some emoji
    "Noto Sans",              # fonts-noto-core
    "Noto Sans CJK JP",       # fonts-noto-cjk (Japanese forms first; covers Chinese and Korean too)
    "Noto Sans CJK SC",
    "WenQuanYi Zen Hei",      # fonts-wqy-zenhei
    "Droid Sans Fallback",    # fonts-droid-fallback
    "Noto Sans Symbols2",     # fonts-noto-core
    "Noto Emoji",             # monochrome emoji (outline font)
    "Symbola",                # fonts-symbola: monochrome emoji and symbols
)

FALLBACK_GLYPH = "\ufffd"     # the replacement character; DejaVu Sans has it

# Joiners and modifiers that only shape their neighbours: dropped when nothing draws them, so a
# "family" emoji falls back to one glyph per person, not to a row of boxes.
_INVISIBLE = {0x200C, 0x200D, 0x20E3, *range(0xFE00, 0xFE10), *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)}

_override = threading.local()


class _WeightSubstitution(logging.Filter):
    """Fallback families often come in one weight only (CJK fonts have no bold); matplotlib then
    logs a warning per glyph run. Using the nearest weight is what we want, so those lines go."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("findfont: Failed to find font weight")


logging.getLogger("matplotlib.font_manager").addFilter(_WeightSubstitution())


@lru_cache(maxsize=1)
def _installed_chain() -> tuple[str, ...]:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(name for name in CANDIDATES if name in names) or ("DejaVu Sans",)


def chain() -> tuple[str, ...]:
    """The font families charts use here, most preferred first."""
    return getattr(_override, "families", None) or _installed_chain()


@contextmanager
def only(families: tuple[str, ...]) -> Iterator[None]:
    """Draw with exactly these families in this thread (reference images must not depend on which
    fonts the machine happens to have)."""
    previous = getattr(_override, "families", None)
    _override.families = tuple(families)
    try:
        yield
    finally:
        _override.families = previous


@cache
def _coverage(families: tuple[str, ...], bold: bool = False) -> frozenset[int]:
    """The code points the chain draws in one weight (a family's bold is often another file)."""
    covered: set[int] = set()
    weight = "bold" if bold else "normal"
    for name in families:
        path = font_manager.findfont(font_manager.FontProperties(family=name, weight=weight), fallback_to_default=False)
        covered.update(FT2Font(path).get_charmap())
    return frozenset(covered)


def drawable(text: str, bold: bool = False) -> str:
    """``text`` with every character the chain cannot draw replaced by one fallback glyph (a run of
    them by one glyph), and shaping marks nothing draws dropped."""
    covered = _coverage(chain(), bold)
    glyph = FALLBACK_GLYPH if ord(FALLBACK_GLYPH) in covered else "?"
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", str(text)):
        code = ord(ch)
        if code in _INVISIBLE:
            if code in covered and out and out[-1] != glyph:
                out.append(ch)           # shapes a neighbour that is drawn; next to a fallback it is dropped
        elif ch in "\n ":
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(" " if ch in "\t\r\x0b\x0c\u2028\u2029" else "")
        elif code in covered:
            out.append(ch)
        elif not out or out[-1] != glyph:
            out.append(glyph)
    return "".join(out)
