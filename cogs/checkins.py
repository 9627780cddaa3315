"""Weekly accountability check-ins: opt in per channel, weekly goals, and the weekly post.

The post is built as a Reply of Facts and GroupFigures; the gate decides per member what shows. A
member who opted in but logged nothing, paused or left has no line at all, and nothing counts them.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean

from apscheduler.triggers.cron import CronTrigger

from bot.clock import local_date, parse_timezone, zone
from bot.collector import collector_paused
from bot.commands import Invocation, Param, ParamType, Permission, command
from bot.errors import UserError
from bot.levels import Level
from bot.metrics import MetricDef, format_quantity, parse_quantity
from bot.progress import change_text, goal_percent, streak_in, summed, weekly_figure
from bot.reply import ChartLine, ChartPiece, Destination, Fact, GroupFigure, Line, Relative, Reply, Text
from bot.scheduler import Schedule
from bot.words import counted
from bot.services import Services
from storage.checkins import CheckinRepository, GoalRepository

log = logging.getLogger(__name__)
P = ParamType
STREAK_LOOKBACK = 28          # days of history read for streaks and baselines (shown as "28+" beyond)
MAX_CHART_SERIES = 12         # a group chart with more lines than this is unreadable; it is left out
MAX_CHARTS = 2
GOAL_PERIODS = ("day", "week")


@dataclass(frozen=True)
class Week:
    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(7)]

    def previous(self) -> "Week":
        return Week(self.first - timedelta(days=7), self.last - timedelta(days=7))

    def label(self) -> str:
        return f"{self.first.strftime('%b')} {self.first.day}–{self.last.strftime('%b')} {self.last.day}"


class Checkins:
    def __init__(self, services: Services, app):
        self.s = services
        self.app = app
        self.checkins = CheckinRepository(services.db)
        self.goals = GoalRepository(services.db)
        services.extra["checkins"] = self.checkins
        services.extra["goals"] = self.goals
        services.add_member_data(self.checkins)
        services.add_member_data(self.goals)
        services.scheduler.add_provider(self._schedules)

    # -- commands ------------------------------------------------------------------------------
    @command("checkin join", "Take part in this channel's weekly check-in (only what your privacy settings allow shows).",
             needs_channel=True)
    async def join(self, inv: Invocation) -> Reply:
        schedule = await self.checkins.schedule(inv.channel_id)
        if schedule is None:
            c = self.s.config.checkins
            await self.checkins.set_schedule(inv.channel_id, c.weekday, c.time, c.timezone, inv.now)
            await self.s.scheduler.refresh()
            schedule = await self.checkins.schedule(inv.channel_id)
        new = await self.checkins.join(inv.member_id, inv.channel_id, inv.now)
        shared = [m for m, ch, lv in await self.s.sharing.settings(inv.member_id) if lv > Level.PRIVATE and ch in (None, inv.channel_id)]
        lines = [("You joined" if new else "You're back in") +
                 f" this channel's weekly check-in ({schedule.weekday.title()}s at {schedule.time} {schedule.timezone})."]
        if not shared:
            lines.append("All your numbers are private, so the post won't show you until you `privacy set <metric> trend` "
                         "(or aggregate/public). You'll still get your own summary privately.")
        return Reply.text(*lines, private=True)

    @command("checkin leave", "Stop taking part in this channel's weekly check-in.", needs_channel=True)
    async def leave(self, inv: Invocation) -> Reply:
        if not await self.checkins.leave(inv.member_id, inv.channel_id):
            return Reply.text("You weren't in this channel's check-in.", private=True)
        edited, deleted = await self.app.take_back(inv.member_id, inv.channel_id, remove=True, kind="checkin")
        note = f" I removed you from {counted(edited + deleted, 'earlier check-in post')}." if edited or deleted else ""
        return Reply.text("You left this channel's check-in. Nobody is told." + note, private=True)

    @command("checkin pause", "Skip check-ins for a while without leaving (nobody is told).",
             Param("weeks", P.INT, "how many weeks (1–52, default 1)", required=False, minimum=1, maximum=52), needs_channel=True)
    async def pause(self, inv: Invocation, weeks: int = 1) -> Reply:
        if not 1 <= weeks <= 52:
            raise UserError("Pause for 1 to 52 weeks.")
        until = inv.now + timedelta(weeks=weeks)
        if not await self.checkins.pause(inv.member_id, inv.channel_id, until):
            return Reply.text("You aren't in this channel's check-in; `checkin join` to take part.", private=True)
        return Reply.text(f"Paused until {until.date().isoformat()}. Nobody is told; `checkin join` resumes early.", private=True)

    @command("goal", "Set a private goal for a metric, per day (or per week); others see at most about how close you are, if you share trends.",
             Param("metric", P.METRIC, "e.g. steps"),
             Param("value", P.TEXT, "the goal, e.g. 10000 (a day), 8h, or 70000 week for a week's total",
                   max_length=60))
    async def goal(self, inv: Invocation, metric: str, value: str) -> Reply:
        m = await self.s.catalogue.resolve(inv.community_id, metric)
        value, per = _goal_period(value)
        units = self.s.extra.get("units")
        system = await units.system(inv.member_id, m.key) if units else None
        if per == "week" and summed(m):
            amount = _parse_weekly_total(m, value)
        else:
            amount = parse_quantity(m, value, system)
        if amount <= 0:
            raise UserError("A goal must be more than zero.")
        weekly = amount * 7 if per == "day" and summed(m) else amount
        await self.goals.set(inv.member_id, m.key, weekly, inv.now, goal_value=amount, goal_period=per)
        shown = format_quantity(m, amount, system)
        if per == "day" and summed(m):
            kind = f"a day; {format_quantity(m, weekly, system)} a week in check-ins"
        elif per == "day":
            kind = "a day (check-ins compare your week's average with it)"
        else:
            kind = "a week in total" if summed(m) else "as a weekly average"
        other = f"`goal {m.key} {value} week`" if per == "day" else f"`goal {m.key} {value}`"
        return Reply.text(f"Your {m.name} goal: {shown} {kind}. Only you see it; where you share trends, posts say at most "
                          f"roughly how close you are (\"over half of goal\"). (For a {'weekly' if per == 'day' else 'daily'} "
                          f"goal instead: {other}.)", private=True)

    @command("mod schedule", "Set when this channel's weekly check-in is posted.",
             Param("channel", P.CHANNEL, "the channel, e.g. #walkers"),
             Param("weekday", P.WEEKDAY, "monday … sunday"),
             Param("time", P.TIME, "HH:MM"),
             Param("zone", P.TIMEZONE, "Area/City, e.g. Europe/Berlin"),
             permission=Permission.MODERATOR)
    async def schedule(self, inv: Invocation, channel: str, weekday: str, time: str, zone: str) -> Reply:
        tz = parse_timezone(zone)
        channel_id = await inv.channel_from(channel)
        await self.checkins.set_schedule(channel_id, weekday, time, tz, inv.now)
        await self.s.scheduler.refresh()
        name = (await self.s.community.channel_by_id(channel_id)).name
        return Reply.text(f"#{name}: weekly check-in on {weekday.title()}s at {time} ({tz}).", private=True)

    # -- scheduling ----------------------------------------------------------------------------
    async def _schedules(self) -> list[Schedule]:
        grace = timedelta(hours=self.s.config.checkins.grace_hours)
        out = []
        for sch in await self.checkins.schedules():
            hour, minute = (int(x) for x in sch.time.split(":"))
            trigger = CronTrigger(day_of_week=sch.weekday[:3], hour=hour, minute=minute, timezone=zone(sch.timezone))

            async def run(period: datetime, channel_id=sch.channel_id) -> None:
                await self.post_checkin(channel_id, period)

            out.append(Schedule(f"checkin:{sch.channel_id}", trigger, run, sch.created_at, grace))
        return out

    async def post_checkin(self, channel_id: int, period: datetime) -> None:
        channel = await self.s.community.channel_by_id(channel_id)
        sch = await self.checkins.schedule(channel_id)
        if channel is None or sch is None:
            return
        post, summaries = await self.build_checkin(channel.community_id, channel_id, sch.timezone, period)
        if post is not None:
            await self.app.publish(post, Destination.channel(channel.community_id, channel_id))
        for member_id, summary in summaries:
            await self.app.publish(summary, Destination.private_to(channel.community_id, member_id, channel_id))

    async def build_checkin(self, community_id: int, channel_id: int, tz: str, period: datetime,
                            with_summaries: bool = True) -> tuple[Reply | None, list[tuple[int, Reply]]]:
        """The weekly post for a channel and each member's private summary, built with a fixed number
        of queries however many members take part."""
        with collector_paused():   # thousands of members' rows and facts at once (see bot.collector)
            return await self._build_checkin(community_id, channel_id, tz, period, with_summaries)

    async def _build_checkin(self, community_id: int, channel_id: int, tz: str, period: datetime,
                             with_summaries: bool) -> tuple[Reply | None, list[tuple[int, Reply]]]:
        members = await self.checkins.active_members(channel_id, period)
        if not members:
            return None, []
        week = Week(local_date(period, tz) - timedelta(days=6), local_date(period, tz))
        metrics = await self.s.catalogue.metrics(community_id)
        by_key = {m.key: m for m in metrics}
        figures = await self.s.entries.checkin_week(channel_id, period, list(by_key), week.last, STREAK_LOOKBACK)
        goals = await self.goals.for_checkin(channel_id)
        names = await self.s.community.names_in_checkin(channel_id)
        channel = await self.s.community.channel_by_id(channel_id)

        return self._compose(week, tz, channel_id, channel.name, by_key, members, figures, goals, names, with_summaries)

    @staticmethod
    def _compose(week: Week, tz: str, channel_id: int, channel_name: str, by_key: dict[str, MetricDef],
                 members: list[int], figures: dict, goals: dict, names: dict[int, str], with_summaries: bool
                 ) -> tuple[Reply | None, list[tuple[int, Reply]]]:
        """The post and the summaries from what :meth:`build_checkin` read (no I/O)."""
        first, last = week.first.isoformat(), week.last.isoformat()   # days stay ISO strings: no date per point
        adds_up = {key: summed(metric) for key, metric in by_key.items()}
        member_lines, groups, summaries = [], {}, []
        chart_inputs: dict[str, list[tuple]] = {}   # turned into chart lines only for the charts drawn
        for member_id in sorted(members, key=lambda m: names[m].lower() if m in names else ""):
            name = names.get(member_id, "member")
            facts, private_lines = [], []
            for key, metric in by_key.items():
                f = figures.get((member_id, key))
                if f is None:   # nothing logged this week
                    continue
                this = [v for _, v in f.week]
                figure = weekly_figure(metric, this)
                before = (None if not f.prev_days else f.prev_sum if adds_up[key] else f.prev_sum / f.prev_days)
                change = change_text(before, figure)
                goal = goals.get((member_id, key))
                pct_goal = goal_percent(metric, figure, goal)
                days_logged = len(this)
                run = streak_in(f.logged, STREAK_LOOKBACK)
                streak = f"{run}{'+' if run >= STREAK_LOOKBACK else ''}-day streak" if run >= 3 else None
                exact = [change, f"{days_logged}/7 days", streak, (f"{pct_goal}% of goal" if pct_goal is not None else None)]
                exact_text = ", ".join(r for r in exact if r)
                # The trend variant is built by the gate from these inputs, in bands (PRIVACY.md).
                relative = [Relative("change", "vs last week", before, figure), Relative("count", f"{days_logged}/7 days")]
                if streak:
                    relative.append(Relative("count", streak))
                if pct_goal is not None:
                    relative.append(Relative("share", "goal", float(pct_goal)))
                raw = _format_weekly(metric, figure) + (" this week" if adds_up[key] else " average")
                shown = raw if raw.startswith(key) or raw.split(" ")[1:2] == [key] else f"{key} {raw}"
                facts.append(Fact.of(member_id, key, public=f"{shown} ({exact_text})", relative=tuple(relative),
                                     prefix=f"{key} "))
                groups.setdefault(key, []).append((member_id, figure))
                if with_summaries:
                    private_lines.append(f"{metric.name}: {raw} ({exact_text})")
                # The member's usual: their lookback's mean before this week (this week's without one).
                baseline = f.earlier_sum / f.earlier_days if f.earlier_days else fmean(this)
                chart_inputs.setdefault(key, []).append((member_id, name, f.week, baseline))
            if facts:
                member_lines.append(Line(tuple(facts), label=f"{name}: "))
                if with_summaries:
                    summaries.append((member_id, Reply.text(f"Your week in #{channel_name} ({week.label()}):", *private_lines,
                                                            private=True)))
        header = Line((Text(f"Weekly check-in for #{channel_name} — {week.label()}"),))
        period = f"{first}..{last}"
        group_parts = tuple(GroupFigure(key, "total" if summed(by_key[key]) else "average", tuple(contribs),
                                        f"{key} about {{value}} {_group_unit(by_key[key])} from {{count}} people",
                                        _value_spec(by_key[key]), period)
                            for key, contribs in groups.items())
        lines = [header]
        if group_parts:
            lines.append(Line(group_parts, label="Together: "))
        lines.extend(member_lines)
        # Every metric's chart goes to the gate, which keeps those with visible lines (at most
        # MAX_CHART_SERIES of them) and the MAX_CHARTS with the most: what appears depends only on
        # what this channel may see.
        charts = tuple(ChartPiece(key, f"{by_key[key].name.capitalize()} — week of {week.label()}", by_key[key].unit, tz,
                                  tuple(ChartLine(mid, name, tuple(pts), base)
                                        for mid, name, pts, base in inputs),
                                  period=(first, last), max_series=MAX_CHART_SERIES)
                       for key, inputs in chart_inputs.items())
        if len(lines) == 1:
            return None, summaries
        return Reply(tuple(lines), charts, private=False, kind="checkin", subject=f"checkin:{channel_id}:{period}",
                     requires_data=True, max_charts=MAX_CHARTS), summaries


_PERIOD_WORDS = {"day": "day", "daily": "day", "a day": "day", "per day": "day", "/day": "day", "week": "week",
                 "weekly": "week", "a week": "week", "per week": "week", "/week": "week", "a night": "day"}


def _goal_period(text: str) -> tuple[str, str]:
    """`10000`, `10000 a day` -> per day; `70000 week`, `70000 per week` -> per week."""
    words = text.split()
    for n in (2, 1):
        if len(words) > n and " ".join(words[-n:]).lower() in _PERIOD_WORDS:
            return " ".join(words[:-n]), _PERIOD_WORDS[" ".join(words[-n:]).lower()]
    return text, "day"


def _format_weekly(metric: MetricDef, value: float) -> str:
    return format_quantity(metric, value)


def _parse_weekly_total(metric: MetricDef, text: str) -> float:
    """Weekly totals exceed one day's range (70,000 steps a week), so check against 7 days' worth."""
    return parse_quantity(dataclasses.replace(metric, maximum=metric.maximum * 7), text)


def _group_unit(metric: MetricDef) -> str:
    word = "in total" if summed(metric) else "average"
    unit = "" if metric.key == "steps" else metric.unit
    return f"{unit} {word}".strip()


def _value_spec(metric: MetricDef) -> str:
    return ",.0f" if metric.key in ("steps",) or metric.unit in ("min", "bpm") else ",.1f"
