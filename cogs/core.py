"""Help (generated from the command specs) and the confirm/cancel step of destructive commands."""

from __future__ import annotations

from bot.cog import Cog
from bot.commands import Invocation, Param, ParamType, command, help_lines
from bot.vocabulary.i18n import N_, _
from bot.vocabulary.reply import Reply


class Core(Cog):
    @command("help", "What I can do, or how to use one command.",
             Param("command", ParamType.TEXT, "a command name, e.g. log or privacy set", required=False), lists=True)
    async def help(self, inv: Invocation, command: str | None = None) -> Reply:
        return Reply.text(*help_lines(self.app.registry, command), private=True)

    @command("confirm", "Go ahead with the command I asked you to confirm.",
             Param("choice", ParamType.WORD, "how to go ahead, where I offered a choice (e.g. keep)", required=False),
             button=N_("Yes, go ahead"))
    async def confirm(self, inv: Invocation, choice: str | None = None):
        return await self.app.confirm(inv, choice)

    @command("cancel", "Cancel the command waiting for your confirmation.", button=N_("Cancel"))
    async def cancel(self, inv: Invocation) -> Reply:
        done = self.app.cancel(inv.member_id)
        for cog in self.app.cogs:
            cog.cancelled(inv.member_id)
        return Reply.text(_("Cancelled; nothing changed.") if done else _("Nothing was waiting for confirmation."), private=True)
