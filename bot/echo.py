"""Showing a member's own words back in chat: short, inert, never a mention or markup.

Every reply that quotes what someone typed goes through :func:`echo`, so that a line such as
``@everyone **x**`` can never ping or format anything, and at most ``ECHO`` characters come back.
"""

from __future__ import annotations

from typing import Iterable

from bot.i18n import _

MAX_INPUT = 40          # longer values or days are typos or abuse, never a quantity or a date
ECHO = 20               # at most this much of the member's text goes back into a reply
_UNSAFE_ECHO = set("`@<>*_~|[]()\\#:")   # markdown, mentions, links


def echo(text: str) -> str:
    """A short, inert copy of what the member typed, safe to show back in chat."""
    cleaned = "".join(c for c in str(text) if c.isprintable() and c not in _UNSAFE_ECHO).strip()
    return cleaned[:ECHO] + ("…" if len(cleaned) > ECHO else "")


def quoted(text: str) -> str:
    shown = echo(text)
    return f"`{shown}`" if shown else "that"


def or_list(items: Iterable[str], quote: bool = False) -> str:
    """ "a, b or c" in the current language."""
    items = [f"`{i}`" if quote else i for i in items]
    return items[0] if len(items) == 1 else _("{items} or {last}", items=", ".join(items[:-1]), last=items[-1])


def either(items: Iterable[str]) -> str:
    """ "a or b or c": alternatives to type, in the current language."""
    return _(" or ").join(items)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]
