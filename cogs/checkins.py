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
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from bot.cog import Cog
from bot.collector import collector_paused
from bot.commands import Invocation, Param, ParamType, Permission, command
from bot.milestones import goal_direction, progress_direction
from bot.progress import change_text, goal_percent, pair_change_text, pair_relatives, streak_in, summed, weekly_figure
from bot.scheduler import Schedule
from bot.vocabulary import i18n
from bot.vocabulary.clock import local_date, parse_timezone, zone
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import N_, _, n_, p_
from bot.vocabulary.levels import Level
from bot.vocabulary.metrics import MetricDef, format_pair, format_quantity, pair_examples, parse_pair, parse_quantity
from bot.vocabulary.reply import ChartLine, ChartPiece, Destination, Fact, GroupFigure, Line, Relative, Reply, Text

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

    def previous(self) -> Week:
        return Week(self.first - timedelta(days=7), self.last - timedelta(days=7))

    def label(self) -> str:
        return f"{i18n.day(self.first)}–{i18n.day(self.last)}"   # "Nov 2–Nov 8" / "2 nov.–8 nov."


class Checkins(Cog):
    command_groups = {"checkin": N_("Weekly accountability check-ins in this channel")}


    # -- commands ------------------------------------------------------------------------------
    @command("checkin join", "Take part in this channel's weekly check-in (only what your privacy settings allow shows).",
             needs_channel=True)
    async def join(self, inv: Invocation) -> Reply:
        assert inv.channel_id is not None  # needs_channel: the runtime answers a DM before this runs
        schedule = await self.s.checkins.schedule(inv.channel_id)
        if schedule is None:
            c = self.s.config.checkins
            await self.s.checkins.set_schedule(inv.channel_id, c.weekday, c.time, c.timezone, inv.now)
            await self.s.scheduler.refresh()
            schedule = await self.s.checkins.schedule(inv.channel_id)
        assert schedule is not None  # set just above when the channel had none
        new = await self.s.checkins.join(inv.member_id, inv.channel_id, inv.now)
        shared = [m for m, ch, lv in await self.s.sharing.settings(inv.member_id) if lv > Level.PRIVATE and ch in (None, inv.channel_id)]
        when = _("{weekdays} at {time} {timezone}", weekdays=every(schedule.weekday), time=schedule.time,
                 timezone=schedule.timezone)
        lines = [_("You joined this channel's weekly check-in ({when}).", when=when) if new
                 else _("You're back in this channel's weekly check-in ({when}).", when=when)]
        if not shared:
            lines.append(_("All your numbers are private, so the post won't show you until you "
                           "`privacy set <metric> trend` (or aggregate/public). You'll still get "
                           "your own summary privately."))
        return Reply.text(*lines, private=True)

    @command("checkin leave", "Stop taking part in this channel's weekly check-in.", needs_channel=True)
    async def leave(self, inv: Invocation) -> Reply:
        assert inv.channel_id is not None  # needs_channel: the runtime answers a DM before this runs
        if not await self.s.checkins.leave(inv.member_id, inv.channel_id):
            return Reply.text(_("You weren't in this channel's check-in."), private=True)
        edited, deleted = await self.app.take_back(inv.member_id, inv.channel_id, remove=True, kind="checkin")
        note = n_(" I removed you from {n} earlier check-in post.", " I removed you from {n} earlier check-in posts.",
                  edited + deleted) if edited or deleted else ""
        return Reply.text(_("You left this channel's check-in. Nobody is told.") + note, private=True)

    @command("checkin pause", "Skip check-ins for a while without leaving (nobody is told).",
             Param("weeks", P.INT, "how many weeks (1–52, default 1)", required=False, minimum=1, maximum=52), needs_channel=True)
    async def pause(self, inv: Invocation, weeks: int = 1) -> Reply:
        assert inv.channel_id is not None  # needs_channel: the runtime answers a DM before this runs
        if not 1 <= weeks <= 52:
            raise UserError(_("Pause for 1 to 52 weeks."))
        until = inv.now + timedelta(weeks=weeks)
        if not await self.s.checkins.pause(inv.member_id, inv.channel_id, until):
            return Reply.text(_("You aren't in this channel's check-in; `checkin join` to take "
                                "part."), private=True)
        return Reply.text(_("Paused until {isoformat}. Nobody is told; `checkin join` resumes "
                            "early.", isoformat=until.date().isoformat()), private=True)

    @command("goal", "Set a private goal for a metric, per day (or per week); others see at most about how close you are, if you share trends.",
             Param("metric", P.METRIC, "e.g. steps", pairs=True),
             Param("value", P.TEXT, "the goal, e.g. 10000 (a day), 8h, or 70000 week for a week's total",
                   max_length=60))
    async def goal(self, inv: Invocation, metric: MetricDef, value: str) -> Reply:
        m = metric
        if m.paired:
            return await self._pair_goal(inv, m, value)
        value, per = _goal_period(value)
        system = await self.s.units.system(inv.member_id, m.key)
        if per == "week" and summed(m):
            amount = _parse_weekly_total(m, value)
        else:
            amount = parse_quantity(m, value, system)
        if amount <= 0:
            raise UserError(_("A goal must be more than zero."))
        weekly = amount * 7 if per == "day" and summed(m) else amount
        direction = await self._goal_direction(inv, m, amount, per)
        await self.s.goals.set(inv.member_id, m.key, weekly, inv.now, goal_value=amount, goal_period=per,
                               direction=direction)
        shown = format_quantity(m, amount, system)
        if per == "day" and summed(m):
            kind = _("a day; {format_quantity} a week in check-ins", format_quantity=format_quantity(m, weekly, system))
        elif per == "day":
            kind = _("a day (check-ins compare your week's average with it)")
        else:
            kind = _("a week in total") if summed(m) else _("as a weekly average")
        other = (_("`goal {key} {value} week`", key=m.term, value=value) if per == "day"
                 else _("`goal {key} {value}`", key=m.term, value=value))
        return Reply.text(_("Your {name} goal: {shown} {kind}. Only you see it; where you share "
                            'trends, posts say at most roughly how close you are ("over half of '
                            'goal"). (For a {value} goal instead: {other}.)', name=m.label, shown=shown, kind=kind, value=_('weekly') if per == 'day' else _('daily'), other=other)
                          + _direction_note(m, direction), private=True)

    async def _pair_goal(self, inv: Invocation, m: MetricDef, value: str) -> Reply:
        """`goal bp 130/85`: one goal per part (kept under each part's series key), read like a reading. A
        pair's goal is never a share in posts; only the member's own replies compare a reading with it."""
        typed, _per = _goal_period(value)
        reading = parse_pair(m, typed)
        if reading.pulse is not None:
            raise UserError(_("A {name} goal is its two parts only, like `goal {key} {example}`. Nothing was changed.",
                              name=m.label, key=m.term, example=pair_examples(m)[0]))
        member = await self.s.community.member_by_id(inv.member_id)
        today = local_date(inv.now, member.timezone if member else "UTC")
        for key, amount in zip(m.series_keys(), reading.values, strict=True):
            latest = await self.s.entries.latest(inv.member_id, key, today - timedelta(days=60))
            await self.s.goals.set(inv.member_id, key, amount, inv.now, goal_value=amount, goal_period="day",
                                   direction=goal_direction(m, amount, latest))
        return Reply.text(_("Your {name} goal: {pair}, each part on its own. Only you see it: when you log, "
                            "I tell you privately where each part is against it; posts never mention it.",
                            name=m.label, pair=format_pair(m, reading.values)), private=True)

    async def _goal_direction(self, inv: Invocation, m: MetricDef, amount: float, per: str) -> str | None:
        """What the goal says progress is, for milestones: the metric's own direction, else which side
        of the member's latest value (of the last 60 days) the goal is on."""
        member = await self.s.community.member_by_id(inv.member_id)
        today = local_date(inv.now, member.timezone if member else "UTC")
        latest = await self.s.entries.latest(inv.member_id, m.key, today - timedelta(days=60))
        if latest is not None and per == "week" and summed(m):
            latest *= 7   # a week's total goal against a week of days like the last one
        return goal_direction(m, amount, latest)

    @command("mod schedule", "Set when this channel's weekly check-in is posted.",
             Param("channel", P.CHANNEL, "the channel, e.g. #walkers"),
             Param("weekday", P.WEEKDAY, "monday … sunday"),
             Param("time", P.TIME, "HH:MM"),
             Param("zone", P.TIMEZONE, "Area/City, e.g. Europe/Berlin"),
             permission=Permission.MODERATOR)
    async def schedule(self, inv: Invocation, channel: int, weekday: str, time: str, zone: str) -> Reply:
        tz = parse_timezone(zone)
        channel_id = channel
        await self.s.checkins.set_schedule(channel_id, weekday, time, tz, inv.now)
        await self.s.scheduler.refresh()
        channel_row = await self.s.community.channel_by_id(channel_id)
        assert channel_row is not None  # channel_from resolved (and recorded) it just above
        name = channel_row.name
        return Reply.text(_("#{name}: weekly check-in on {weekdays} at {time} ({tz}).", name=name,
                            weekdays=every(weekday), time=time, tz=tz), private=True)

    # -- scheduling ----------------------------------------------------------------------------
    def member_data(self):
        return (self.s.checkins, self.s.goals)

    async def schedules(self) -> list[Schedule]:
        grace = timedelta(hours=self.s.config.checkins.grace_hours)
        out = []
        for sch in await self.s.checkins.schedules():
            hour, minute = (int(x) for x in sch.time.split(":"))
            trigger = CronTrigger(day_of_week=sch.weekday[:3], hour=hour, minute=minute, timezone=zone(sch.timezone))

            async def run(period: datetime, channel_id=sch.channel_id) -> None:
                await self.post_checkin(channel_id, period)

            out.append(Schedule(f"checkin:{sch.channel_id}", trigger, run, sch.created_at, grace, sch.channel_id))
        return out

    async def post_checkin(self, channel_id: int, period: datetime) -> None:
        channel = await self.s.community.channel_by_id(channel_id)
        sch = await self.s.checkins.schedule(channel_id)
        if channel is None or sch is None:
            return
        here = Destination.channel(channel.community_id, channel_id)
        with i18n.using(await self.app.locale_for(here)) as channel_language:   # the post in the channel's language
            post, summaries = await self.build_checkin(channel.community_id, channel_id, sch.timezone, period)
        if post is not None:
            await self.app.publish(post, here)
        # Each private summary in its reader's language: written again for the members who read another one.
        languages = {m: await self.app.locale_for(Destination.private_to(channel.community_id, m, channel_id))
                     for m, _summary in summaries}
        written = {channel_language: dict(summaries)}
        for lang in set(languages.values()) - {channel_language}:
            with i18n.using(lang):
                written[lang] = dict((await self.build_checkin(channel.community_id, channel_id, sch.timezone,
                                                               period))[1])
        for member_id, _summary in summaries:
            summary = written[languages[member_id]].get(member_id)
            if summary is not None:
                await self.app.publish(summary, Destination.private_to(channel.community_id, member_id, channel_id),
                                       locale=languages[member_id])

    async def build_checkin(self, community_id: int, channel_id: int, tz: str, period: datetime,
                            with_summaries: bool = True) -> tuple[Reply | None, list[tuple[int, Reply]]]:
        """The weekly post for a channel and each member's private summary, built with a fixed number
        of queries however many members take part, in the current language (bot.vocabulary.i18n)."""
        with collector_paused():   # thousands of members' rows and facts at once (see bot.collector)
            return await self._build_checkin(community_id, channel_id, tz, period, with_summaries)

    async def _build_checkin(self, community_id: int, channel_id: int, tz: str, period: datetime,
                             with_summaries: bool) -> tuple[Reply | None, list[tuple[int, Reply]]]:
        members = await self.s.checkins.active_members(channel_id, period)
        if not members:
            return None, []
        week = Week(local_date(period, tz) - timedelta(days=6), local_date(period, tz))
        metrics = await self.s.catalogue.metrics(community_id)
        by_key = {m.key: m for m in metrics}
        keys = [k for m in metrics for k in m.series_keys()]   # a pair's parts are series of their own
        figures = await self.s.entries.checkin_week(channel_id, period, keys, week.last, STREAK_LOOKBACK)
        goals = await self.s.goals.for_checkin(channel_id)
        names = await self.s.community.names_in_checkin(channel_id)
        channel = await self.s.community.channel_by_id(channel_id)
        assert channel is not None  # the channel has a check-in schedule, so it has a row
        return self._compose(week, tz, channel_id, channel.name, by_key, members, figures, goals, names, with_summaries)

    @staticmethod
    def _compose(week: Week, tz: str, channel_id: int, channel_name: str, by_key: dict[str, MetricDef],
                 members: list[int], figures: dict[tuple[int, str], Any], goals: dict[tuple[int, str], float],
                 names: dict[int, str], with_summaries: bool) -> tuple[Reply | None, list[tuple[int, Reply]]]:
        """The post and the summaries from what :meth:`build_checkin` read (no I/O)."""
        first, last = week.first.isoformat(), week.last.isoformat()   # days stay ISO strings: no date per point
        adds_up = {key: summed(metric) for key, metric in by_key.items()}
        groups: dict[str, list[tuple[int, float]]] = {}
        pair_groups: dict[str, list[tuple[int, tuple[float, ...]]]] = {}   # a pair's week per part
        member_lines: list[Line] = []
        summaries: list[tuple[int, Reply]] = []
        chart_inputs: dict[str, list[tuple[Any, ...]]] = {}   # turned into chart lines only for the charts drawn
        # Translated once, filled per member (10,000 members: tens of thousands of lookups saved).
        days_text, streak_text = _("{days_logged}/7 days"), _("{run}{plus}-day streak")
        goal_text, this_week, average = _("{pct_goal}% of goal"), _(" this week"), _(" average")
        for member_id in sorted(members, key=lambda m: names[m].lower() if m in names else ""):
            name = names.get(member_id, _("member"))
            facts, private_lines = [], []
            for key, metric in by_key.items():
                if metric.paired:
                    pair = _pair_fact(member_id, metric, figures, days_text, streak_text, average)
                    if pair is not None:
                        facts.append(pair[0])
                        pair_groups.setdefault(key, []).append((member_id, pair[2]))   # both parts, or none
                        if with_summaries:
                            private_lines.append(pair[1])
                    continue   # no chart line in a check-in (a pair's chart is the member's own `chart bp`)
                f = figures.get((member_id, key))
                if f is None:   # nothing logged this week
                    continue
                this = [v for _day, v in f.week]
                figure = weekly_figure(metric, this)
                assert figure is not None  # the week holds at least one day (checked above)
                before = (None if not f.prev_days else f.prev_sum if adds_up[key] else f.prev_sum / f.prev_days)
                change = change_text(before, figure)
                goal = goals.get((member_id, key))
                pct_goal = goal_percent(metric, figure, goal)
                days_logged = len(this)
                run = streak_in(f.logged, STREAK_LOOKBACK)
                streak = streak_text.format(run=run, plus='+' if run >= STREAK_LOOKBACK else '') if run >= 3 else None
                logged = days_text.format(days_logged=days_logged)
                exact = [change, logged, streak, (goal_text.format(pct_goal=pct_goal) if pct_goal is not None else None)]
                exact_text = ", ".join(r for r in exact if r)
                # The trend variant is built by the gate from these inputs, in bands (PRIVACY.md).
                relative = [Relative("change", "vs last week", before, figure),   # i18n: the gate translates it (bot.disclosure)
                            Relative("count", logged)]
                if streak:
                    relative.append(Relative("count", streak))
                if pct_goal is not None:
                    relative.append(Relative("share", "goal", float(pct_goal)))
                raw = _format_weekly(metric, figure) + (this_week if adds_up[key] else average)
                label = metric.label
                shown = raw if raw.startswith(label) or raw.split(" ")[1:2] == [label] else f"{label} {raw}"
                facts.append(Fact.of(member_id, key, public=f"{shown} ({exact_text})", relative=tuple(relative),
                                     prefix=f"{label} "))
                groups.setdefault(key, []).append((member_id, figure))
                if with_summaries:
                    private_lines.append(f"{label}: {raw} ({exact_text})")
                # The member's usual: their lookback's mean before this week (this week's without one).
                baseline = f.earlier_sum / f.earlier_days if f.earlier_days else fmean(this)
                chart_inputs.setdefault(key, []).append((member_id, name, f.week, baseline))
            if facts:
                member_lines.append(Line(tuple(facts), label=f"{name}: "))
                if with_summaries:
                    summaries.append((member_id, Reply.text(_("Your week in #{name} ({label}):", name=channel_name,
                                                              label=week.label()), *private_lines, private=True)))
        header = Line((Text(_("Weekly check-in for #{name} — {label}", name=channel_name, label=week.label())),))
        period_text = f"{first}..{last}"
        group_parts = tuple(GroupFigure(key, "total" if adds_up[key] else "average", tuple(contribs),
                                        _("{metric} about {{value}} {unit} from {{count}} people",
                                          metric=by_key[key].label, unit=_group_unit(by_key[key])),
                                        _value_spec(by_key[key]), period_text)
                            for key, contribs in groups.items())
        # A pair's figure, part by part ("blood pressure about 128/82 mmHg average"): the gate judges each
        # part and releases both or neither (PRIVACY.md).
        group_parts += tuple(GroupFigure(key, "average", tuple((m, 0.0) for m, _v in contribs),
                                         _("{metric} about {{value}} {unit} from {{count}} people",
                                           metric=by_key[key].label, unit=_group_unit(by_key[key])),
                                         ",.0f", period_text, parts=tuple(p.key for p in by_key[key].parts),
                                         part_values=tuple(v for _m, v in contribs))
                             for key, contribs in pair_groups.items())
        lines = [header]
        if group_parts:
            lines.append(Line(group_parts, label=_("Together: ")))
        lines.extend(member_lines)
        # Every metric's chart goes to the gate, which keeps those with visible lines (at most
        # MAX_CHART_SERIES of them) and the MAX_CHARTS with the most: what appears depends only on
        # what this channel may see.
        charts = tuple(ChartPiece(key, _("{metric} — week of {week}", metric=by_key[key].label.capitalize(),
                                         week=week.label()), by_key[key].unit, tz,
                                  tuple(ChartLine(mid, name, tuple(pts), base) for mid, name, pts, base in inputs),
                                  period=(first, last), max_series=MAX_CHART_SERIES)
                       for key, inputs in chart_inputs.items())
        if len(lines) == 1:
            return None, summaries
        return Reply(tuple(lines), charts, private=False, kind="checkin", subject=f"checkin:{channel_id}:{period_text}",
                     requires_data=True, max_charts=MAX_CHARTS), summaries


def _pair_fact(member_id: int, metric: MetricDef, figures: dict[tuple[int, str], Any], days_text: str,
               streak_text: str, average: str) -> tuple[Fact, str, tuple[float, ...]] | None:
    """A paired metric's line: ``blood pressure 128/82 mmHg average (systolic ↓3%, diastolic the same vs
    last week, 3/7 days)`` at `public`; at `trend` the gate writes each part's change in bands, with the
    days logged and the streak (facts about logging), and the week's mean per part (for the group figure).
    None when a part has nothing this week."""
    found = [figures.get((member_id, k)) for k in metric.series_keys()]
    parts = [f for f in found if f is not None]
    if len(parts) != len(found):
        return None
    this = tuple(fmean(v for _day, v in f.week) for f in parts)
    before = [f.prev_sum / f.prev_days if f.prev_days else None for f in parts]
    logged = days_text.format(days_logged=len(parts[0].week))
    run = streak_in(parts[0].logged, STREAK_LOOKBACK)
    streak = streak_text.format(run=run, plus='+' if run >= STREAK_LOOKBACK else '') if run >= 3 else None
    exact_text = ", ".join(r for r in (pair_change_text(metric, before, this), logged, streak) if r)
    relative = [*pair_relatives(metric, before, this), Relative("count", logged)]
    if streak:
        relative.append(Relative("count", streak))
    raw = format_pair(metric, this) + average
    label = metric.label
    return (Fact.of(member_id, metric.key, public=f"{label} {raw} ({exact_text})", relative=tuple(relative),
                    prefix=f"{label} "),
            f"{label}: {raw} ({exact_text})", this)


_PERIOD_WORDS = {  # i18n: input words (English and Swedish, for everyone)
    "day": "day", "daily": "day", "a day": "day", "per day": "day", "/day": "day", "week": "week",
    "weekly": "week", "a week": "week", "per week": "week", "/week": "week", "a night": "day",
    "dag": "day", "om dagen": "day", "per dygn": "day", "vecka": "week", "i veckan": "week", "per vecka": "week",
    "om veckan": "week", "/vecka": "week", "/dag": "day"}


def _direction_note(m: MetricDef, direction: str | None) -> str:
    """For a metric whose direction is the member's choice, what milestones take as progress."""
    if progress_direction(m, None) is not None:
        return ""
    if direction == "down":
        return _(" Milestones (if you turn them on) count a lower {name} as progress, as your goal is below your "
                 "latest.", name=m.label)
    if direction == "up":
        return _(" Milestones (if you turn them on) count a higher {name} as progress, as your goal is above your "
                 "latest.", name=m.label)
    return _(" Milestones celebrate no new high or low in {name} until a goal says which way is progress: log a "
             "value, then set the goal again.", name=m.label)


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
    word = _("in total") if summed(metric) else _("average")
    unit = "" if metric.key == "steps" else metric.unit
    return f"{unit} {word}".strip()


def _value_spec(metric: MetricDef) -> str:
    return ",.0f" if metric.key in ("steps",) or metric.unit in ("min", "bpm", "cm", "mmHg") else ",.1f"


def every(weekday: str) -> str:
    """ "Sundays" / "söndagar": a check-in's weekday as a repeating day, in the current language."""
    return {"monday": p_("every", "Mondays"), "tuesday": p_("every", "Tuesdays"),
            "wednesday": p_("every", "Wednesdays"), "thursday": p_("every", "Thursdays"),
            "friday": p_("every", "Fridays"), "saturday": p_("every", "Saturdays"),
            "sunday": p_("every", "Sundays")}[weekday]
