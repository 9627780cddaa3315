"""Buttons that survive a restart: each custom id carries everything its press acts on.

    pp1:<action>:<member's user id>:<number>:<command>:<arguments>

``action`` is ``ok`` (confirm), ``no`` (cancel) or ``pg`` (show a page); ``number`` is the prompt's
expiry (Unix seconds) for ok/no and the page for pg; ``command`` is the spec's name with dots for
spaces; ``arguments`` are URL-encoded. Nothing is kept in memory between the prompt and the press,
so a press after a restart is answered like any other, and a press after the expiry gets a clear
answer. Custom ids are at most 100 characters (Discord's limit); a command whose arguments would not
fit gets no button (:func:`encode` returns None) and the adapter says what to type instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import discord

PREFIX = "pp1"
MAX_CUSTOM_ID = 100
CONFIRM, CANCEL, PAGE = "ok", "no", "pg"


@dataclass(frozen=True)
class ButtonRef:
    action: str
    user_id: int
    number: int
    command: str
    arguments: dict[str, str] = field(default_factory=dict)


def encode(ref: ButtonRef) -> str | None:
    args = urlencode(sorted((k, str(v)) for k, v in ref.arguments.items()))
    custom_id = ":".join([PREFIX, ref.action, str(ref.user_id), str(ref.number), ref.command.replace(" ", "."), args])
    return custom_id if len(custom_id) <= MAX_CUSTOM_ID else None


def decode(custom_id: str) -> ButtonRef | None:
    parts = (custom_id or "").split(":", 5)
    if len(parts) != 6 or parts[0] != PREFIX or parts[1] not in (CONFIRM, CANCEL, PAGE):
        return None
    try:
        user_id, number = int(parts[2]), int(parts[3])
    except ValueError:
        return None
    return ButtonRef(parts[1], user_id, number, parts[4].replace(".", " "), dict(parse_qsl(parts[5])))


def buttons(*items: tuple[str, str | None, discord.ButtonStyle, bool]) -> discord.ui.View:
    """A row of buttons (label, custom id, style, disabled). The view is stopped before it is sent, so
    discord.py keeps no callbacks for it: every press arrives in ``on_interaction`` and is answered
    from its custom id alone."""
    view = discord.ui.View(timeout=None)
    for label, custom_id, style, disabled in items:
        view.add_item(discord.ui.Button(label=label, custom_id=custom_id, style=style, disabled=disabled or custom_id is None))
    view.stop()
    return view


def disabled_copy(message: discord.Message | None) -> discord.ui.View:
    """The buttons of ``message`` as they were, all disabled (a used or expired prompt)."""
    items: list[tuple[str, str | None, discord.ButtonStyle, bool]] = []
    for row in (message.components if message is not None else []):
        for child in getattr(row, "children", []):
            if isinstance(child, discord.components.Button):
                items.append((child.label or "", child.custom_id, child.style, True))
    return buttons(*items)


