"""Weekly group challenges in a channel, with leaderboards that respect each member's sharing level.

A challenge ranks participants (``ranked``) or adds everyone's numbers toward one shared target
(``group``). Joining is the explicit consent to be on that one board; what the board then shows of each
member is still decided by the privacy gate: raw values at ``public``, rank and relative progress at
``trend``, only the anonymous total at ``aggregate`` (with at least k people), nothing at ``private``.
Boards are built from Facts and GroupFigures only; no member's number is ever put into Text.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import fmean
from typing import Literal

from apscheduler.triggers.cron import CronTrigger

from bot.catalogue import sensitive_names
from bot.cog import Cog, Publisher
from bot.commands import Invocation, Param, ParamType, Permission, Suggest, command
from bot.scheduler import Schedule
from bot.services import Services
from bot.vocabulary import i18n
from bot.vocabulary.clock import local_date, zone
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import N_, _, n_, num
from bot.vocabulary.levels import Level
from bot.vocabulary.metrics import MetricDef, format_quantity, parse_quantity
from bot.vocabulary.reply import (
    Board,
    BoardEntry,
    ChartLine,
    ChartPiece,
    Destination,
    Fact,
    GroupFigure,
    Line,
    Relative,
    Reply,
    Text,
)
from bot.vocabulary.text import NAME_UNSAFE, without
from storage.challenges import Challenge

P = ParamType
KINDS = ("total", "average", "days", "streak", "improvement")
MODES = ("ranked", "group")
POSTS = ("final", "midway")
STARTS = ("tomorrow", "today")
MAX_WEEKS = 12     # the `weeks` option's help says so
MAX_CHART_SERIES = 12
FINAL_GRACE = timedelta(days=7)        # final results still go out this late after downtime
NO_RANKING = {"weight", "rhr"}         # "more" isn't better for everyone: never ranked or summed
_NAME = re.compile(r"^\w[\w '-]{0,39}$")

KIND_WORDS = {
    "total": N_("most {metric} in total"),
    "average": N_("best daily average of {metric}"),
    "days": N_("most days with {target} or more"),
    "streak": N_("longest run of days logging {metric}"),
    "improvement": N_("biggest change in {metric} against your own previous {weeks}"),
}


# Moderators start challenges, and members too where the operator allows it ([challenges] members_can_create).
CREATORS = Permission("challenge creators",   # i18n: the name is for code; members read its refusal (a msgid)
                      lambda is_moderator, config: is_moderator or config.challenges.members_can_create,
                      N_("Only moderators can start challenges here."))


@dataclass(frozen=True)
class Standing:
    """One participant's result over the days counted so far (computed from their own entries)."""

    member_id: int
    score: float            # what ranks: total, daily average, days at target, longest run, % change
    total: float
    average: float
    days_logged: int
    days_met: int
    longest_run: int
    change: float | None    # % vs own previous period (improvement only)
    previous_average: float | None
    cumulative: tuple[tuple[str, float], ...]


class Challenges(Cog):
    command_groups = {"challenge": N_("Weekly group challenges")}

    def __init__(self, services: Services, app: Publisher):
        super().__init__(services, app)
        self._finishing = asyncio.Lock()   # `challenge end` and the scheduled end never post twice

    # -- commands ------------------------------------------------------------------------------
    @command("challenge create",
             "Start a challenge in this channel, e.g. `challenge create stride steps total 70000 2 midway` or "
             "`challenge create together steps total 500k group`. Leave out any optional part; numbers come first "
             "(target, then weeks), then the words ranked|group, final|midway, tomorrow|today.",
             Param("name", P.WORD, "one word, or \"several in quotes\""),
             Param("metric", P.METRIC, "e.g. steps"),
             Param("kind", P.CHOICE, "total, average (daily), days (at a daily target), streak, improvement (vs own "
                                     "previous period)", choices=KINDS),
             Param("target", P.QUANTITY, "per member (total, average), the daily bar (days: required), the shared "
                                         "goal (group: required); - for none", required=False),
             Param("weeks", P.INT, "1–12 (default 1)", required=False, minimum=1, maximum=MAX_WEEKS),
             Param("mode", P.CHOICE, "ranked (a leaderboard, default) or group (one shared goal, no ranking)",
                   required=False, choices=MODES),
             Param("posts", P.CHOICE, "final (default) or midway (also a board half-way)", required=False, choices=POSTS),
             Param("start", P.CHOICE, "tomorrow (default: the next local day) or today", required=False, choices=STARTS),
             private=False, needs_channel=True, permission=CREATORS)
    async def create(self, inv: Invocation, name: str, metric: MetricDef, kind: str, target: str | None = None,
                     weeks: int | None = None, mode: str | None = None, posts: str | None = None,
                     start: str | None = None) -> Reply:
        assert inv.channel_id is not None  # needs_channel: the runtime answers a DM before this runs
        name = " ".join(name.split())
        if not _NAME.match(name):
            raise UserError(_("A challenge name is up to 40 letters, digits, spaces, - or _, e.g. "
                              "`stride`."))
        m = metric
        mode = mode or "ranked"
        target, weeks = _target_and_weeks(kind, target, weeks)
        if m.key in NO_RANKING:
            raise UserError(_("Challenges don't use {name}: more isn't better for everyone. Try "
                              "steps, exercise or sleep.", name=m.label))
        if kind == "days" and m.sensitive:
            raise UserError(_("A `days` challenge counts days at a bar, which would tell others "
                              "about your {name} on each day; for {names} try `streak` (days logged in a row).",
                              name=m.label, names=sensitive_names().lower()))
        if mode == "group" and kind != "total":
            raise UserError(_("A group challenge adds everyone's numbers toward one shared target, "
                              "so its kind is `total`."))
        cap = (await self.s.rules.caps(inv.channel_id, [m.key]))[m.key]
        if cap is Level.PRIVATE:
            raise UserError(_("This channel's rule hides {key} completely (`off`), so a challenge "
                              "on it could show nothing.", key=m.term))
        if await self._open_named(inv.channel_id, name) is not None:
            raise UserError(_("There is already a challenge called `{name}` in this channel; pick "
                              "another name.", name=name))
        tz = await self._timezone(inv.channel_id)
        today = local_date(inv.now, tz)
        first = today if start == "today" else today + timedelta(days=1)
        starts_at, ends_at = _day_start(first, tz), _day_start(first + timedelta(weeks=weeks), tz)
        if ends_at <= starts_at:
            raise UserError(_("That challenge would end before it starts."))
        amount = _parse_target(m, kind, mode, target, weeks)
        c = await self.s.challenges.create(inv.community_id, inv.channel_id, name, m.key, kind, mode, amount, tz, starts_at,
                                   ends_at, posts == "midway", inv.member_id, inv.now)
        await self.s.scheduler.refresh()
        with i18n.using(inv.channel_locale):   # the announcement is a channel post
            return Reply.text(_("New challenge `{name}`: {describe}, {period_label} ({tz}).", name=c.name,
                                describe=_describe(c, m), period_label=_period_label(c), tz=tz),
                              (_("Results are posted when it ends, with a board half-way.") if c.midboard
                               else _("Results are posted when it ends."))
                              + _(" Nobody is on the board unless they type `challenge join {name}`; each shows only "
                                  "as much as their privacy settings allow here.", name=c.name), private=False)

    @command("challenge join", "Take part in a challenge here (your consent to appear on its board, as your settings allow).",
             Param("name", P.TEXT, "the challenge's name", suggest=Suggest.CHALLENGES), needs_channel=True)
    async def join(self, inv: Invocation, name: str) -> Reply:
        assert inv.channel_id is not None  # needs_channel: the runtime answers a DM before this runs
        c = await self._named(inv.channel_id, name)
        if c.ended:
            raise UserError(_("`{name}` has ended. `challenge list` shows the ones running here.", name=c.name))
        level = await self._level(c, inv.member_id)
        m = await self._metric(c)
        k = self.s.config.privacy.min_group_size
        channel_row = await self.s.community.channel_by_id(c.channel_id)
        assert channel_row is not None  # a challenge's channel row is kept while the challenge is
        channel = channel_row.name
        if c.mode == "group" and level < Level.AGGREGATE:
            if (await self.s.rules.caps(c.channel_id, [c.metric]))[c.metric] is Level.PRIVATE:
                raise UserError(_("This channel's rule now hides {name} completely, so `{name2}` "
                                  "can't count anyone's.", name=m.label, name2=c.name))
            raise UserError(_("`{name}` adds everyone's {name2} toward one shared goal, and yours "
                              "are private here, so they couldn't count. If you'd like to take "
                              "part, allow at least anonymous totals: `privacy set {key} aggregate "
                              "#{channel}` (totals show only with {k}+ people), then join again.", name=c.name, name2=m.label, key=m.term, channel=channel, k=k))
        if not await self.s.challenges.join(c.id, inv.member_id, inv.now):
            raise UserError(_("You're already in `{name}`.", name=c.name))
        how = {
            Level.PUBLIC: _("The board shows your name with your {name}", name=m.label) + (_(" and your place.") if c.mode == "ranked" else "."),
            Level.TREND: _("The board shows your name with ") + (_("your rank and relative progress") if c.mode == "ranked"
                                                             else _("how many days you contributed")) + _(", never your numbers."),
            Level.AGGREGATE: _("Here your {name} count only inside the anonymous total (shown when "
                               "{k}+ people share it); your name isn't shown.", name=m.label, k=k),
            Level.PRIVATE: _("Your {name} are private here, so the board won't show you, count you "
                             "or leave a gap for you. `privacy set {key} trend #{channel}` would "
                             "show your place without numbers.", name=m.label, key=m.term, channel=channel),
        }[level]
        return Reply.text(_("You joined `{name}` ({period_label}). {how} `challenge leave {name}` "
                            "takes you off at once, from earlier boards too.", name=c.name, period_label=_period_label(c), how=how), private=True)

    @command("challenge leave", "Leave a challenge: you're taken off its boards at once, earlier ones too.",
             Param("name", P.TEXT, "the challenge's name", suggest=Suggest.CHALLENGES), needs_channel=True)
    async def leave(self, inv: Invocation, name: str) -> Reply:
        assert inv.channel_id is not None  # needs_channel: the runtime answers a DM before this runs
        c = await self._named(inv.channel_id, name)
        if not await self.s.challenges.leave(c.id, inv.member_id):
            raise UserError(_("You aren't in `{name}`.", name=c.name))
        edited, deleted = await self.app.take_back(inv.member_id, c.channel_id, remove=True, kind="challenge")
        note = n_(" I took you off {n} earlier board.", " I took you off {n} earlier boards.",
                  edited + deleted) if edited or deleted else ""
        return Reply.text(_("You left `{name}`. Nobody is told.{note}", name=c.name, note=note), private=True)

    @command("challenge board", "See a challenge's board so far (only you see this reply).",
             Param("name", P.TEXT, "the challenge's name", suggest=Suggest.CHALLENGES), needs_channel=True)
    async def board(self, inv: Invocation, name: str) -> Reply:
        """The last board posted here (released once, never recomputed for whoever asks: asking before
        and after someone joins would let anyone subtract), and the asker's own standing, privately."""
        assert inv.channel_id is not None  # needs_channel: the runtime answers a DM before this runs
        c = await self._named(inv.channel_id, name)
        as_of = min(inv.now, c.ends_at)
        if as_of <= c.starts_at:
            return Reply.text(_("`{name}` runs {period_label}; there is nothing to show before it "
                                "starts.", name=c.name, period_label=_period_label(c)), private=True)
        posted = await self.app.last_release(c.channel_id, f"challenge:{c.id}")
        lines: list = []
        if posted is not None:
            lines.extend(posted.lines)
        else:
            when = _(" (a half-way board comes at the midpoint)") if c.midboard and not c.ended else ""
            lines.append(Line((Text(_("`{name}`: no board has been posted here yet; results come "
                                      "when it ends{when}.", name=c.name, when=when)),)))
        lines.extend(await self._own_standing(c, inv.member_id, as_of))
        return Reply(tuple(lines), private=True, kind="challenge")

    @command("challenge list", "The challenges in this channel.", needs_channel=True, lists=True)
    async def list_challenges(self, inv: Invocation) -> Reply:
        assert inv.channel_id is not None  # needs_channel: the runtime answers a DM before this runs
        running = await self.s.challenges.in_channel(inv.channel_id)
        if not running:
            return Reply.text(_("No challenge is running here. Moderators can start one with "
                                "`challenge create`."), private=True)
        mine = await self.s.challenges.joined(inv.member_id, [c.id for c in running])
        lines = [_("Challenges here:")]
        for c in running:
            state = _("coming up") if inv.now < c.starts_at else _("running")
            you = _(" — you're in") if c.id in mine else _(" — `challenge join {name}`", name=c.name)
            lines.append(f"`{c.name}`: {_describe(c, await self._metric(c))}, {_period_label(c)} ({state}){you}")
        return Reply.text(*lines, private=True)

    @command("challenge end", "End a challenge now and post its final results.",
             Param("name", P.TEXT, "the challenge's name", suggest=Suggest.CHALLENGES), permission=Permission.MODERATOR, needs_channel=True,
             confirm=N_("This ends the challenge now and posts its final results here; it cannot be reopened."))
    async def end(self, inv: Invocation, name: str) -> Reply:
        if inv.channel_id is None:
            raise UserError(_("Type `confirm` in the challenge's channel to end it."))
        c = await self._open_named(inv.channel_id, name)
        if c is None:
            raise UserError(_("No running challenge called `{echo}` here. `challenge list` shows "
                              "them.", echo=_echo(name)))
        if inv.now <= c.starts_at:
            await self.s.challenges.mark_ended(c.id)
            await self.s.scheduler.refresh()
            return Reply.text(_("`{name}` hadn't started yet, so I called it off; nothing was "
                                "posted.", name=c.name), private=True)
        await self.s.challenges.end_early(c.id, inv.now)   # (a no-op when its time is up but the results are still due)
        c = await self.s.challenges.get(c.id)
        assert c is not None  # found open just above; a challenge row is never deleted while open
        await self.s.scheduler.run_period(self._final_schedule(c), inv.now)
        await self.s.scheduler.refresh()
        after = await self.s.challenges.get(c.id)
        assert after is not None  # (the same row)
        if not after.ended:
            return Reply.text(_("Sorry, I couldn't post the results just now; the challenge is "
                                "still open. Please try again."),
                              private=True)
        return Reply.text(_("`{name}` has ended; the final results are posted here.", name=c.name), private=True)

    # -- lookups -------------------------------------------------------------------------------
    async def _named(self, channel_id: int, name: str) -> Challenge:
        c = await self.s.challenges.by_name(channel_id, " ".join(name.split()))
        if c is None:
            raise UserError(_("There's no challenge called `{echo}` here. `challenge list` shows "
                              "them.", echo=_echo(name)))
        return c

    async def _open_named(self, channel_id: int, name: str) -> Challenge | None:
        c = await self.s.challenges.by_name(channel_id, " ".join(name.split()))
        return c if c is not None and not c.ended else None

    async def _timezone(self, channel_id: int) -> str:
        schedule = await self.s.checkins.schedule(channel_id)
        return schedule.timezone if schedule is not None else self.s.config.checkins.timezone

    async def _metric(self, c: Challenge) -> MetricDef:
        return await self.s.catalogue.get(c.community_id, c.metric) or MetricDef(c.metric, c.metric, "", 0, 1e9, custom=True)

    async def _level(self, c: Challenge, member_id: int) -> Level:
        where = Destination.channel(c.community_id, c.channel_id)
        return (await self.s.levels.effective_levels(where, {(member_id, c.metric)}))[(member_id, c.metric)]

    # -- scheduling ----------------------------------------------------------------------------
    def member_data(self):
        return (self.s.challenges,)

    async def schedules(self) -> list[Schedule]:
        out = []
        for c in await self.s.challenges.running():
            if c.midboard:
                mid = c.starts_at + (c.ends_at - c.starts_at) / 2

                async def midway(period: datetime, challenge_id=c.id) -> None:
                    await self.post_midway(challenge_id, period)

                out.append(Schedule(f"challenge:{c.id}:midway", _once(mid), midway, c.created_at,
                                    timedelta(hours=self.s.config.checkins.grace_hours), c.channel_id))
            out.append(self._final_schedule(c))
        return out

    def _final_schedule(self, c: Challenge) -> Schedule:
        async def final(period: datetime, challenge_id=c.id) -> None:
            await self.post_final(challenge_id)

        return Schedule(f"challenge:{c.id}:final", _once(c.ends_at), final, c.created_at, FINAL_GRACE, c.channel_id)

    async def post_midway(self, challenge_id: int, period: datetime) -> None:
        c = await self.s.challenges.get(challenge_id)
        if c is None or c.ended:
            return
        here = Destination.channel(c.community_id, c.channel_id)
        with i18n.using(await self.app.locale_for(here)):   # in the channel's language
            reply = await self.build_board(c, period, _("half-way board"))
        # With nothing anyone shares here to show, the gate sends no post at all (requires_data).
        await self.app.publish(reply, here)

    async def post_final(self, challenge_id: int) -> None:
        """Posted once: the run ledger guards each period, the ended flag the challenge."""
        async with self._finishing:
            c = await self.s.challenges.get(challenge_id)
            if c is None or c.ended:
                return
            here = Destination.channel(c.community_id, c.channel_id)
            with i18n.using(await self.app.locale_for(here)):   # in the channel's language
                reply = await self.build_board(c, c.ends_at, _("final results"))
                reply = reply.with_lines(Line((Text(_("Thanks to everyone who took part.")),)))
            await self.app.publish(reply, here)
            await self.s.challenges.mark_ended(c.id)
        await self.s.scheduler.refresh()

    # -- the board -----------------------------------------------------------------------------
    async def build_board(self, c: Challenge, as_of: datetime, stage: str) -> Reply:
        """The board as of ``as_of``: Facts per participant (the gate picks the variant each audience may
        see), a Board whose places the gate numbers among the visible entries only, and one group
        figure under disclosure control; who has no result or is hidden has no line and no place."""
        m = await self._metric(c)
        first, last = _days(c, as_of)
        length = (local_date(c.ends_at - timedelta(seconds=1), c.timezone) - first).days + 1
        members = await self.s.challenges.members(c.id)
        earliest = first - timedelta(days=length) if c.kind == "improvement" else first
        series = await self.s.entries.series_for_members(members, [c.metric], earliest, last) if last >= first else {}
        standings = [s for s in (_standing(mid, c, series.get((mid, c.metric), []), first, last, length) for mid in members)
                     if s is not None]
        names = await self.s.community.members_by_ids([s.member_id for s in standings])
        name_of = {mid: (names[mid].display_name if mid in names else "member") for mid in members}
        elapsed = (last - first).days + 1
        header = Line((Text(f"{c.name} — {stage}: {_describe(c, m)}, {_period_label(c)}"),))
        lines: list = [header]
        period = f"{first.isoformat()}..{last.isoformat()}"
        if c.mode == "group":
            assert c.target is not None  # a group challenge always has its shared goal (_parse_target)
            lines.append(Line((GroupFigure(c.metric, "total", tuple((s.member_id, s.total) for s in standings),
                                           _("Together: about {{value}} of {format_quantity} from "
                                             "{{count}} people", format_quantity=format_quantity(m, c.target)),
                                           _spec(m), period),)))
            for s in sorted(standings, key=lambda s: name_of[s.member_id].lower()):
                days = n_("{n} day", "{n} days", s.days_logged)
                lines.append(Line((Fact.of(s.member_id, c.metric, public=f"{format_quantity(m, s.total)} on {days}",
                                           trend=_("contributed on {days}", days=days)),), label=f"{name_of[s.member_id]}: "))
        else:
            figure = _group_figure(c, m, standings, period)
            if figure is not None:
                lines.append(Line((figure,), label="Together: "))
            # Places are numbered by the gate among the entries this audience may see.
            lines.append(Board(c.metric, tuple(BoardEntry(s.member_id, f"{name_of[s.member_id]}: ", s.score,
                                                          _fact(c, m, s, elapsed)) for s in standings), _SCALES[c.kind]))
        # The gate keeps the lines this audience may see, and the chart only with 1 to MAX_CHART_SERIES.
        lines_ = tuple(ChartLine(s.member_id, name_of[s.member_id], s.cumulative, s.previous_average or s.average or None)
                       for s in standings)
        chart = (ChartPiece(c.metric, _("{challenge}: {metric}, running total", challenge=c.name, metric=m.label), m.unit, c.timezone, lines_,
                            period=(first.isoformat(), last.isoformat()), max_series=MAX_CHART_SERIES),) if standings else ()
        return Reply(tuple(lines), chart, private=False, kind="challenge", subject=f"challenge:{c.id}",
                     requires_data=True)

    async def _own_standing(self, c: Challenge, viewer: int, as_of: datetime) -> list[Line]:
        """The viewer's own result so far, from their own entries only."""
        m = await self._metric(c)
        if viewer not in await self.s.challenges.members(c.id):
            return [Line((Text(_("You haven't joined; `challenge join {name}` to take part.", name=c.name)),))]
        first, last = _days(c, as_of)
        length = (local_date(c.ends_at - timedelta(seconds=1), c.timezone) - first).days + 1
        earliest = first - timedelta(days=length) if c.kind == "improvement" else first
        series = await self.s.entries.series_for_members([viewer], [c.metric], earliest, last) if last >= first else {}
        s = _standing(viewer, c, series.get((viewer, c.metric), []), first, last, length)
        if s is None:
            why = (_("no {name} from the {weeks} before it to compare with", name=m.label, weeks=_weeks(c)) if c.kind == "improvement"
                   else _("no {name} logged in it yet", name=m.label))
            return [Line((Text(_("You have {why}, so you aren't on the board yet.", why=why)),))]
        return [Line((_fact(c, m, s, (last - first).days + 1),), label=_("You so far: "))]


# ---- scoring (pure) --------------------------------------------------------------------------

def _standing(member_id: int, c: Challenge, points: list[tuple[date, float]], first: date, last: date,
              length: int) -> Standing | None:
    """A member's result from their own daily values; None when they have nothing to count."""
    inside = [(d, v) for d, v in points if first <= d <= last]
    if not inside:
        return None
    values = [v for _, v in inside]
    total, average = sum(values), fmean(values)
    logged = {d for d, _ in inside}
    met = sum(1 for v in values if c.target is not None and v >= c.target)
    run = best = 0
    day = first
    while day <= last:
        run = run + 1 if day in logged else 0
        best = max(best, run)
        day += timedelta(days=1)
    before = [v for d, v in points if first - timedelta(days=length) <= d < first]
    previous = fmean(before) if before else None
    change = 100.0 * (average - previous) / previous if previous else None
    score = {"total": total, "average": average, "days": float(met), "streak": float(best), "improvement": change}[c.kind]
    if score is None:
        return None
    by_day, cumulative, running = dict(inside), [], 0.0
    day = first
    while day <= last:
        running += by_day.get(day, 0.0)
        cumulative.append((day.isoformat(), running))
        day += timedelta(days=1)
    return Standing(member_id, round(score, 6), total, average, len(logged), met, best, change, previous, tuple(cumulative))


_SCALES: dict[str, Literal["ratio", "points", "exact"]] = {"total": "ratio", "average": "ratio", "days": "exact", "streak": "exact", "improvement": "points"}


def _fact(c: Challenge, m: MetricDef, s: Standing, elapsed: int) -> Fact:
    """A participant's line. The public text has their numbers; the trend text is built by the gate
    from relative facts in bands (an exact % of a public target would give the value away)."""
    logged = Relative("count", n_("{n} day logged", "{n} days logged", s.days_logged))
    if c.kind in ("total", "average"):
        figure = s.total if c.kind == "total" else s.average
        raw = format_quantity(m, figure) + ("" if c.kind == "total" else _(" a day"))
        if c.target:
            pct = 100.0 * figure / c.target
            share = Relative("share", "the target", pct)   # i18n: the gate translates it where it writes the band
            return Fact.of(s.member_id, c.metric, public=_("{raw} ({percent}% of target)", raw=raw, percent=round(pct)),
                           relative=(share, logged))
        return Fact.of(s.member_id, c.metric, public=raw, relative=(logged,))
    if c.kind == "days":   # a count of days at a bar (never offered on sensitive metrics)
        assert c.target is not None  # a days challenge always has its bar (_parse_target)
        text = _("{days_met} of {plural} with {format_quantity} or more", days_met=s.days_met, plural=n_("{n} day", "{n} days", elapsed), format_quantity=format_quantity(m, c.target))
        return Fact.of(s.member_id, c.metric, public=text, trend=text)
    if c.kind == "streak":
        text = _("{longest_run}-day run", longest_run=s.longest_run)
        return Fact.of(s.member_id, c.metric, public=text, trend=text)
    assert s.change is not None  # an improvement standing exists only with a change (_standing)
    change = _("{change}% vs own previous {weeks}", change=num(round(s.change), '+d'), weeks=_weeks(c))
    return Fact.of(s.member_id, c.metric, public=_("{change} ({amount} a day)", change=change, amount=format_quantity(m, s.average)),
                   relative=(Relative("change", _("own previous {weeks}", weeks=_weeks(c)), s.previous_average, s.average),))


def _group_figure(c: Challenge, m: MetricDef, standings: list[Standing], period: str) -> GroupFigure | None:
    """The group figure of a ranked board, released by the gate under disclosure control (only
    contributors never shown with their names count toward k)."""
    if c.kind == "total":
        return GroupFigure(c.metric, "total", tuple((s.member_id, s.total) for s in standings),
                           _("about {{value}} {unit} in total from {{count}} people", unit=_unit(m)), _spec(m), period)
    if c.kind == "average":
        return GroupFigure(c.metric, "average", tuple((s.member_id, s.average) for s in standings),
                           _("about {{value}} {unit} a day on average from {{count}} people", unit=_unit(m)), _spec(m), period)
    if c.kind == "days":
        return GroupFigure(c.metric, "total", tuple((s.member_id, float(s.days_met)) for s in standings),
                           _("about {value} days at the target from {count} people"), ",.0f", period)
    return None   # streaks are shown per person; an average of % changes says little and leaks more


# ---- time and words --------------------------------------------------------------------------

def _once(when: datetime) -> CronTrigger:
    """A trigger that fires once at ``when``. (APScheduler's DateTrigger returns its date whatever
    `now` is, so stepping a fake clock past it would list the same run forever; this one stops.)"""
    w = when.astimezone(UTC)
    return CronTrigger(year=w.year, month=w.month, day=w.day, hour=w.hour, minute=w.minute, second=w.second,
                       timezone=zone("UTC"))


def _day_start(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone(tz)).astimezone(UTC)


def _days(c: Challenge, as_of: datetime) -> tuple[date, date]:
    """First and last local day counted: a partly gone day counts (today's logs show as they come)."""
    first = local_date(c.starts_at, c.timezone)
    last = min(local_date(c.ends_at - timedelta(seconds=1), c.timezone), local_date(as_of - timedelta(seconds=1), c.timezone))
    return first, last


def _target_and_weeks(kind: str, target: str | None, weeks: int | None) -> tuple[str | None, int]:
    """Streak and improvement take no target, so in `challenge create x steps streak 2` the lone
    number is the weeks; `-` stands for no target."""
    target = None if target in (None, "-") else target
    if target is not None and kind in ("streak", "improvement"):
        if weeks is not None or not re.fullmatch(r"\d{1,2}", target):
            raise UserError(_("A `{kind}` challenge has no target; the number after it is the "
                              "weeks (1-{max_weeks}).", kind=kind, max_weeks=MAX_WEEKS))
        weeks = int(target)
        target = None
    weeks = 1 if weeks is None else weeks
    if not 1 <= weeks <= MAX_WEEKS:
        raise UserError(_("A challenge runs 1 to {max_weeks} weeks.", max_weeks=MAX_WEEKS))
    return target, weeks


def _parse_target(m: MetricDef, kind: str, mode: str, target: str | None, weeks: int) -> float | None:
    if mode == "group" or kind == "days":
        if target is None:
            what = _("the group's shared goal") if mode == "group" else _("the daily amount that counts a day")
            raise UserError(_("This challenge needs a target: {what}, e.g. `{value}`.", what=what, value='500000' if m.key == 'steps' else format_quantity(m, m.maximum / 4)))
    if target is None:
        return None
    if kind == "total":
        # a total over the period (and for a group, many people's) goes far beyond one day's range
        scale = 7 * weeks * (10_000 if mode == "group" else 1)
        m = dataclasses.replace(m, maximum=m.maximum * scale)
    amount = parse_quantity(m, target)
    if amount <= 0:
        raise UserError(_("A target must be more than zero."))
    return amount


def _describe(c: Challenge, m: MetricDef) -> str:
    if c.mode == "group":
        assert c.target is not None  # a group challenge always has its shared goal (_parse_target)
        return _("together toward {target}", target=format_quantity(m, c.target))
    target = format_quantity(m, c.target) if c.target is not None else ""
    text = _(KIND_WORDS[c.kind], metric=m.label, target=target, weeks=_weeks(c))
    if c.target is not None and c.kind in ("total", "average"):
        text += _(", target {target}", target=target) + (_(" a day") if c.kind == "average" else _(" each"))
    return text


def _weeks(c: Challenge) -> str:
    days = (local_date(c.ends_at - timedelta(seconds=1), c.timezone) - local_date(c.starts_at, c.timezone)).days + 1
    return n_("{n} week", "{n} weeks", days // 7) if days % 7 == 0 else n_("{n} day", "{n} days", days)


def _period_label(c: Challenge) -> str:
    first = local_date(c.starts_at, c.timezone)
    last = local_date(c.ends_at - timedelta(seconds=1), c.timezone)
    return f"{i18n.day(first)}–{i18n.day(last)}"


def _unit(m: MetricDef) -> str:
    return "steps" if m.key == "steps" else m.unit


def _spec(m: MetricDef) -> str:
    return ",.0f" if m.key == "steps" or m.unit in ("min", "bpm", "steps") else ",.1f"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _echo(text: str) -> str:
    return without(text, NAME_UNSAFE)[:40]
