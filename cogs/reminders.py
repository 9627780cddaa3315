"""Opt-in private nudges, only on days the member has not logged. Never in a channel."""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.cog import Cog
from bot.commands import Invocation, Param, ParamType, command
from bot.scheduler import Schedule
from bot.vocabulary import i18n
from bot.vocabulary.clock import local_date, zone
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import _
from bot.vocabulary.reply import Destination, Reply

GRACE = timedelta(hours=1)   # a nudge that is more than an hour late is no help: it is skipped


class Reminders(Cog):

    @command("remind", "A private daily nudge at a time of your choosing, only on days you haven't logged.",
             Param("state", ParamType.CHOICE, "on or off", choices=("on", "off")),
             Param("time", ParamType.TIME, "HH:MM in your time zone (with `on`)", required=False))
    async def remind(self, inv: Invocation, state: str, time: str | None = None) -> Reply:
        if state == "off":
            await self.s.reminders.set(inv.member_id, None, inv.now)
            await self.s.scheduler.refresh()
            return Reply.text(_("Reminders are off."), private=True)
        if time is None:
            raise UserError(_("Tell me when, e.g. `remind on 20:00`."))
        await self.s.reminders.set(inv.member_id, time, inv.now)
        await self.s.scheduler.refresh()
        member = await self.s.community.member_by_id(inv.member_id)
        assert member is not None  # the invoking member: the runtime made their row before this runs
        return Reply.text(_("I'll nudge you privately at {time} ({timezone}) on days you haven't "
                            "logged. `remind off` stops it.", time=time, timezone=member.timezone), private=True)

    def member_data(self):
        return (self.s.reminders,)

    async def schedules(self) -> list[Schedule]:
        out = []
        for member_id, time, tz, created in await self.s.reminders.all():
            hour, minute = (int(x) for x in time.split(":"))

            async def run(period: datetime, member_id=member_id) -> None:
                await self.nudge(member_id, period)

            out.append(Schedule(f"remind:{member_id}", CronTrigger(hour=hour, minute=minute, timezone=zone(tz)), run, created, GRACE))
        return out

    async def nudge(self, member_id: int, period: datetime) -> None:
        member = await self.s.community.member_by_id(member_id)
        if member is None:
            return
        today = local_date(period, member.timezone)
        if await self.s.entries.history(member_id, None, limit=1) and today in await self.s.entries.logged_days(member_id):
            return
        own = Destination.private_to(member.community_id, member_id)
        with i18n.using(await self.app.locale_for(own)):
            nudge = Reply.text(_("A gentle nudge: nothing logged today yet. `log <metric> <value>` when you're ready "
                                 "— or `remind off` to stop these."), private=True)
        await self.app.publish(nudge, own)
