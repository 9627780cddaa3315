"""Personal progress charts: private by default; `share` posts one through the gate."""

from __future__ import annotations

from datetime import timedelta
from statistics import fmean

from bot.clock import local_date
from bot.commands import Invocation, Param, ParamType, command
from bot.errors import UserError
from bot.levels import Level
from bot.metrics import chart_unit
from bot.progress import summed
from bot.reply import ChartLine, ChartPiece, Destination, Fact, Line, Reply, Text
from bot.services import Services


class Charts:
    def __init__(self, services: Services, app):
        self.s = services
        self.app = app

    @command("chart", "A chart of one metric: private to you, or `share` it in this channel (as your settings allow).",
             Param("metric", ParamType.METRIC, "e.g. steps"),
             Param("days", ParamType.INT, "how many days back (7–365, default 30)", required=False),
             Param("share", ParamType.CHOICE, "post it in this channel", required=False, choices=("share",)),
             slow=True)
    async def chart(self, inv: Invocation, metric: str, days: int = 30, share: str | None = None):
        if not 7 <= days <= 365:
            raise UserError("Charts cover 7 to 365 days, e.g. `chart steps 30`.")
        m = await self.s.catalogue.resolve(inv.community_id, metric)
        member = await self.s.community.member_by_id(inv.member_id)
        last = local_date(inv.now, member.timezone)
        points = await self.s.entries.series(inv.member_id, m.key, last - timedelta(days=days - 1), last)
        if not points:
            return Reply.text(f"No {m.name} entries in the last {days} days yet.", private=True)
        goal = (await self.s.extra["goals"].for_members([inv.member_id])).get((inv.member_id, m.key)) if "goals" in self.s.extra else None
        daily_goal = (goal / 7 if summed(m) else goal) if goal else None
        # A private chart is in the member's own units; a shared one in the community's (metric).
        units = self.s.extra.get("units")
        system = await units.system(inv.member_id, m.key) if units and share is None else None
        label, own = chart_unit(m, system)
        values = [own(v) for _, v in points]
        earlier = values[:-7] if len(values) > 7 else values
        line = ChartLine(inv.member_id, member.display_name if share else "you",
                         tuple((d.isoformat(), own(v)) for d, v in points), fmean(earlier),
                         own(daily_goal) if daily_goal else None)
        piece = ChartPiece(m.key, f"{m.name.capitalize()} — last {days} days", label, member.timezone, (line,))
        if share is None:
            return Reply(lines=(Line((Text(f"Your {m.name}, last {days} days (only you see this):"),)),),
                         charts=(piece,), private=True, kind="chart")
        if inv.channel_id is None:
            raise UserError("Use `chart ... share` in the channel you want to share it in.")
        level = (await self.s.levels.effective_levels(Destination.channel(inv.community_id, inv.channel_id),
                                                      {(inv.member_id, m.key)}))[(inv.member_id, m.key)]
        if level < Level.TREND:
            why = ("your setting for it here is " + (await self.s.sharing.level(inv.member_id, m.key, inv.channel_id)).word)
            return Reply.text(f"I didn't share it: charts need `trend` or `public` for {m.key} in this channel ({why}, "
                              "or the channel's rule is stricter). Your numbers stay yours; "
                              f"`privacy set {m.key} trend` would share a chart relative to your own usual, without numbers.",
                              private=True)
        what = "with your numbers" if level is Level.PUBLIC else "relative to your own usual, without numbers"
        caption = f"{member.display_name}'s {m.name}, last {days} days"
        caption_line = Line((Fact.of(inv.member_id, m.key, public=caption, trend=caption + " (relative to their own usual)"),))
        return [Reply(lines=(caption_line,), charts=(piece,), private=False, kind="chart"),
                Reply.text(f"Shared your {m.name} chart here, {what}. Tightening your settings later takes it back.", private=True)]
