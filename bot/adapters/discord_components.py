"""Buttons that survive a restart: each custom id carries everything its press acts on.

    pp1:<action>:<member's user id>:<number>:<command>:<arguments>

``action`` is ``ok`` (confirm), ``no`` (cancel) or ``pg`` (show a page); ``number`` is the prompt's
expiry (Unix seconds) for ok/no and the page for pg; ``command`` is the spec's name with dots for
spaces; ``arguments`` are URL-encoded. Nothing is kept in memory between the prompt and the press,
so a press after a restart is answered like any other, and a press after the expiry gets a clear
answer. Only the member the prompt was for can press it, and the command then runs through the
runtime like a typed one (permissions checked again). Custom ids are at most 100 characters
(Discord's limit); when arguments would not fit, :func:`encode` returns None: a list is then sent
whole, and a prompt asks for a shorter name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import discord

from bot.commands import CommandSpec
from bot.runtime import CONFIRM_WINDOW

CONFIRM_SECONDS = int(CONFIRM_WINDOW.total_seconds())    # as long as `confirm` waits on the console and Matrix
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


class Prompts:
    """Asks before destructive commands and answers every press of a peerpulse button, from the
    custom id alone: confirm and cancel (once: a prompt is claimed in the database when answered) and
    Previous/Next of a paged list (re-run, so the page is always today's)."""

    def __init__(self, adapter, state):   # the DiscordAdapter, its PlatformState
        self.adapter = adapter
        self.state = state

    def _labels(self) -> tuple[str, str]:
        confirm, cancel = self.adapter.app.registry.get("confirm"), self.adapter.app.registry.get("cancel")
        return ((confirm.button if confirm and confirm.button else "Yes, go ahead"),
                (cancel.button if cancel and cancel.button else "Cancel"))

    async def ask(self, interaction: discord.Interaction, spec: CommandSpec, args: dict[str, Any]) -> None:
        """A destructive command asks first, with buttons that carry the command and its arguments."""
        expires = int(self.adapter.app.services.clock.now().timestamp()) + CONFIRM_SECONDS
        kept = {k: str(v) for k, v in args.items() if v is not None}
        ok = encode(ButtonRef(CONFIRM, interaction.user.id, expires, spec.name, kept))
        no = encode(ButtonRef(CANCEL, interaction.user.id, expires, spec.name, {}))
        if ok is None or no is None:
            await interaction.response.send_message("That is too long for me to ask about with buttons; please use a "
                                                    "shorter name.", ephemeral=True)
            return
        yes_label, cancel_label = self._labels()
        view = buttons((yes_label, ok, discord.ButtonStyle.danger, False), (cancel_label, no, discord.ButtonStyle.secondary, False))
        await interaction.response.send_message(f"{self.adapter.render(spec.confirm)} Press **{yes_label}** within "
                                                f"{CONFIRM_SECONDS // 60} minutes, or **{cancel_label}**.",
                                                view=view, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    async def press(self, interaction: discord.Interaction) -> None:
        data: Mapping[str, Any] = interaction.data or {}
        ref = decode(data.get("custom_id", ""))
        if ref is None:
            await interaction.response.send_message("That button is from an older version of me; please run the "
                                                    "command again.", ephemeral=True)
            return
        if ref.user_id != interaction.user.id:
            await interaction.response.send_message("These buttons answer someone else's request; they do nothing for you.",
                                                    ephemeral=True)
            return
        spec = self.adapter.app.registry.get(ref.command)
        if spec is None:
            await interaction.response.edit_message(view=disabled_copy(interaction.message))
            await interaction.followup.send("That command no longer exists; nothing changed.", ephemeral=True)
            return
        slash = self.adapter.render(f"`{ref.command}`")
        if ref.action == PAGE:
            inbound = self.adapter.inbound(interaction, spec.name, dict(ref.arguments))
            if inbound is not None:
                await self.adapter.run_command(interaction, inbound, spec, page=ref.number)
            return
        now = self.adapter.app.services.clock.now()
        if now.timestamp() > ref.number:
            await interaction.response.edit_message(
                content=f"This question expired after {CONFIRM_SECONDS // 60} minutes; nothing changed. "
                        f"Run {slash} again if you still want it.", view=disabled_copy(interaction.message))
            return
        message_id = interaction.message.id if interaction.message else interaction.id
        if not await self.state.claim_event(f"discord:prompt:{message_id}", now):
            await interaction.response.edit_message(view=disabled_copy(interaction.message))
            await interaction.followup.send("You already answered this question; nothing more happened.", ephemeral=True)
            return
        if ref.action == CANCEL:
            await interaction.response.edit_message(content="Cancelled; nothing changed.", view=disabled_copy(interaction.message))
            return
        inbound = self.adapter.inbound(interaction, spec.name, dict(ref.arguments))
        if inbound is None:
            return
        inbound.confirmed = True
        question = interaction.message.content if interaction.message else ""
        await interaction.response.edit_message(content=f"{question}\nConfirmed; working on it.",
                                                view=disabled_copy(interaction.message))
        await self.adapter.run_command(interaction, inbound, spec)
