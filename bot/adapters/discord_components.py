"""Buttons that survive a restart: each custom id carries everything its press acts on.

    pp1:<action>:<member's user id>:<number>:<command>:<arguments>

``action`` is ``ok`` (confirm), ``no`` (cancel), ``pg`` (show a page) or ``do`` (run a command offered
with a message, e.g. accepting a partner's invite in a direct message); ``number`` is the prompt's
expiry (Unix seconds) for ok/no, the page for pg, and the community (guild id) for do; ``command`` is the spec's name with dots for
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
from bot.vocabulary.i18n import _

CONFIRM_SECONDS = int(CONFIRM_WINDOW.total_seconds())    # as long as `confirm` waits on the console and Matrix
PREFIX = "pp1"
MAX_CUSTOM_ID = 100
CONFIRM, CANCEL, PAGE, RUN = "ok", "no", "pg", "do"


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
    if len(parts) != 6 or parts[0] != PREFIX or parts[1] not in (CONFIRM, CANCEL, PAGE, RUN):
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


STYLES = {"primary": discord.ButtonStyle.primary, "secondary": discord.ButtonStyle.secondary,
          "danger": discord.ButtonStyle.danger}


def offered(reply_buttons, user_id: int, community: str) -> discord.ui.View | None:
    """The buttons a message offers (bot.reply.Button), for the member it is sent to; None when
    there are none or one would not fit a custom id (the message's words name the command anyway)."""
    items = []
    for b in reply_buttons:
        custom_id = encode(ButtonRef(RUN, user_id, int(community), b.command, dict(b.arguments)))
        if custom_id is None:
            return None
        items.append((b.label, custom_id, STYLES.get(b.style, discord.ButtonStyle.secondary), False))
    return buttons(*items) if items else None


class Prompts:
    """Asks before destructive commands and answers every press of a peerpulse button, from the
    custom id alone: confirm and cancel (once: a prompt is claimed in the database when answered) and
    Previous/Next of a paged list (re-run, so the page is always today's)."""

    def __init__(self, adapter, state):   # the DiscordAdapter, its PlatformState
        self.adapter = adapter
        self.state = state

    def _labels(self) -> tuple[str, str]:
        confirm, cancel = self.adapter.app.registry.get("confirm"), self.adapter.app.registry.get("cancel")
        return ((_(confirm.button) if confirm and confirm.button else _("Yes, go ahead")),
                (_(cancel.button) if cancel and cancel.button else _("Cancel")))

    async def ask(self, interaction: discord.Interaction, spec: CommandSpec, args: dict[str, Any]) -> None:
        """A destructive command asks first, with buttons that carry the command and its arguments."""
        expires = int(self.adapter.app.services.clock.now().timestamp()) + CONFIRM_SECONDS
        kept = {k: str(v) for k, v in args.items() if v is not None}
        ok = encode(ButtonRef(CONFIRM, interaction.user.id, expires, spec.name, kept))
        no = encode(ButtonRef(CANCEL, interaction.user.id, expires, spec.name, {}))
        if ok is None or no is None:
            await interaction.response.send_message(_("That is too long for me to ask about with "
                                                      "buttons; please use a shorter name."), ephemeral=True)
            return
        yes_label, cancel_label = self._labels()
        view = buttons((yes_label, ok, discord.ButtonStyle.danger, False), (cancel_label, no, discord.ButtonStyle.secondary, False))
        await interaction.response.send_message(_("{render} Press **{yes_label}** within {value} "
                                                  "minutes, or **{cancel_label}**.", render=self.adapter.render(_(spec.confirm or "")), yes_label=yes_label, value=CONFIRM_SECONDS // 60, cancel_label=cancel_label),
                                                view=view, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    async def press(self, interaction: discord.Interaction) -> None:
        data: Mapping[str, Any] = interaction.data or {}
        ref = decode(data.get("custom_id", ""))
        if ref is None:
            await interaction.response.send_message(_("That button is from an older version of me; "
                                                      "please run the command again."), ephemeral=True)
            return
        if ref.user_id != interaction.user.id:
            await interaction.response.send_message(_("These buttons answer someone else's "
                                                      "request; they do nothing for you."),
                                                    ephemeral=True)
            return
        spec = self.adapter.app.registry.get(ref.command)
        if spec is None:
            await interaction.response.edit_message(view=disabled_copy(interaction.message))
            await interaction.followup.send(_("That command no longer exists; nothing changed."), ephemeral=True)
            return
        slash = self.adapter.render(f"`{ref.command}`")
        if ref.action == RUN:
            await self._run(interaction, ref, spec)
            return
        if ref.action == PAGE:
            inbound = self.adapter.inbound(interaction, spec.name, dict(ref.arguments))
            if inbound is not None:
                await self.adapter.run_command(interaction, inbound, spec, page=ref.number)
            return
        now = self.adapter.app.services.clock.now()
        if now.timestamp() > ref.number:
            await interaction.response.edit_message(
                content=_("This question expired after {value} minutes; nothing changed. Run "
                          "{slash} again if you still want it.", value=CONFIRM_SECONDS // 60, slash=slash), view=disabled_copy(interaction.message))
            return
        message_id = interaction.message.id if interaction.message else interaction.id
        if not await self.state.claim_event(f"discord:prompt:{message_id}", now):
            await interaction.response.edit_message(view=disabled_copy(interaction.message))
            await interaction.followup.send(_("You already answered this question; nothing more "
                                              "happened."), ephemeral=True)
            return
        if ref.action == CANCEL:
            await interaction.response.edit_message(content=_("Cancelled; nothing changed."), view=disabled_copy(interaction.message))
            return
        inbound = self.adapter.inbound(interaction, spec.name, dict(ref.arguments))
        if inbound is None:
            return
        inbound.confirmed = True
        question = interaction.message.content if interaction.message else ""
        await interaction.response.edit_message(content=_("{question}\nConfirmed; working on it.", question=question),
                                                view=disabled_copy(interaction.message))
        await self.adapter.run_command(interaction, inbound, spec)

    async def _run(self, interaction: discord.Interaction, ref: ButtonRef, spec: CommandSpec) -> None:
        """A button offered with a message (in a DM, or an ephemeral answer in a guild channel such as an
        import's preview; the community comes from the custom id either way): the buttons are disabled
        and the command runs as if typed, answered privately. Pressed again (or a second button), the
        command runs again and answers for itself ("no invite waiting", "nothing waiting")."""
        from bot.adapters.base import Inbound
        user = interaction.user
        inbound = Inbound(platform=self.adapter.platform, community_external_id=str(ref.number), community_name="",
                          channel_external_id=None, channel_name="", member_external_id=str(user.id),
                          member_name=getattr(user, "display_name", user.name), is_moderator=False,
                          command=spec.name, arguments=dict(ref.arguments))
        await interaction.response.edit_message(view=disabled_copy(interaction.message))
        await self.adapter.run_command(interaction, inbound, spec)
