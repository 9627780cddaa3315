"""Personal progress charts and the weekly card: private by default; `share` posts one through the gate.

Every chart covers an exact period that ends today in the member's own time zone ("last 14 days"
is 14 days, today included, never a future day); the renderer draws exactly that period.
"""

from __future__ import annotations

from datetime import timedelta
from statistics import fmean

from bot.cog import Cog
from bot.commands import Invocation, Param, ParamType, command
from bot.progress import summed
from bot.vocabulary import i18n
from bot.vocabulary.clock import local_date
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import _
from bot.vocabulary.levels import Level
from bot.vocabulary.metrics import MetricDef, chart_unit, part_label
from bot.vocabulary.reply import CardPiece, ChartLine, ChartPiece, Destination, Fact, Line, Reply, Text

WEEK_DAYS = 7
USUAL_DAYS = 28         # the usual is the daily mean over the four weeks before the card's week
USUAL_MIN_DAYS = 3


class Charts(Cog):
    @command("chart", "A chart of one metric: private to you, or `share` it in this channel (as your settings allow).",
             Param("metric", ParamType.METRIC, "e.g. steps", pairs=True),
             Param("days", ParamType.INT, "how many days back (7–365, default 30)", required=False, minimum=7, maximum=365),
             Param("share", ParamType.CHOICE, "post it in this channel", required=False, choices=("share",)),
             slow=True)
    async def chart(self, inv: Invocation, metric: MetricDef, days: int = 30, share: str | None = None):
        if not 7 <= days <= 365:
            raise UserError(_("Charts cover 7 to 365 days, e.g. `chart steps 30`."))
        m = metric
        member = await self.s.community.member_by_id(inv.member_id)
        assert member is not None  # the invoking member: the runtime made their row before this runs
        last = local_date(inv.now, member.timezone)
        first = last - timedelta(days=days - 1)
        # A pair is one line per part (systolic, diastolic), each relative to its own usual at trend.
        series = [await self.s.entries.series(inv.member_id, key, first, last) for key in m.series_keys()]
        if not series[0]:
            return Reply.text(_("No {name} entries in the last {days} days yet.", name=m.label, days=days), private=True)
        goal = (await self.s.goals.for_members([inv.member_id])).get((inv.member_id, m.key))
        daily_goal = (goal / 7 if summed(m) else goal) if goal else None
        # A private chart is in the member's own units; a shared one in the community's (metric).
        system = await self.s.units.system(inv.member_id, m.key) if share is None else None
        label, own = chart_unit(m, system)
        with i18n.using(inv.channel_locale if share else inv.locale):   # a shared chart speaks the channel's language
            title = _("{metric} — last {days} days", metric=m.label.capitalize(), days=days)
            names = [part_label(p) for p in m.parts] or [member.display_name if share else "you"]
        lines = []
        for name, points in zip(names, series, strict=True):
            values = [own(v) for _, v in points]
            earlier = values[:-7] if len(values) > 7 else values
            lines.append(ChartLine(inv.member_id, name, tuple((d.isoformat(), own(v)) for d, v in points),
                                   fmean(earlier), own(daily_goal) if daily_goal and not m.paired else None))
        piece = ChartPiece(m.key, title, label, member.timezone, tuple(lines), period=(first.isoformat(), last.isoformat()))
        if share is None:
            return Reply(lines=(Line((Text(_("Your {name}, last {days} days (only you see this):", name=m.label, days=days)),)),),
                         charts=(piece,), private=True, kind="chart")
        if inv.channel_id is None:
            raise UserError(_("Use `chart ... share` in the channel you want to share it in."))
        level = (await self.s.levels.effective_levels(Destination.channel(inv.community_id, inv.channel_id),
                                                      {(inv.member_id, m.key)}))[(inv.member_id, m.key)]
        if level < Level.TREND:
            why = (_("your setting for it here is ") + (await self.s.sharing.level(inv.member_id, m.key, inv.channel_id)).label)
            return Reply.text(_("I didn't share it: charts need `trend` or `public` for {key} in "
                                "this channel ({why}, or the channel's rule is stricter). Your "
                                "numbers stay yours; `privacy set {key} trend` would share a chart "
                                "relative to your own usual, without numbers.", key=m.term, why=why),
                              private=True)
        what = _("with your numbers") if level is Level.PUBLIC else _("relative to your own usual, without numbers")
        with i18n.using(inv.channel_locale):
            caption = _("{display_name}'s {name}, last {days} days", display_name=member.display_name, name=m.label,
                        days=days)
            caption_line = Line((Fact.of(inv.member_id, m.key, public=caption,
                                         trend=caption + _(" (relative to their own usual)")),))
        return [Reply(lines=(caption_line,), charts=(piece,), private=False, kind="chart"),
                Reply.text(_("Shared your {name} chart here, {what}. Tightening your settings "
                             "later takes it back.", name=m.label, what=what), private=True)]

    @command("card", "Your week at a glance: every metric you logged in the last 7 days against your usual and "
             "your goal. Private to you, or `share` it in this channel (each metric as your settings allow).",
             Param("share", ParamType.CHOICE, "post it in this channel", required=False, choices=("share",)),
             slow=True)
    async def card(self, inv: Invocation, share: str | None = None):
        member = await self.s.community.member_by_id(inv.member_id)
        assert member is not None  # the invoking member: the runtime made their row before this runs
        last = local_date(inv.now, member.timezone)
        first = last - timedelta(days=WEEK_DAYS - 1)
        metrics = await self.s.catalogue.metrics(inv.community_id)
        keys = [k for m in metrics for k in m.series_keys()]
        recent = await self.s.entries.series_for_members([inv.member_id], keys, first - timedelta(days=USUAL_DAYS), last)
        goals = await self.s.goals.for_members([inv.member_id])
        label = member.display_name if share else "you"
        panels = []
        for m in metrics:
            with i18n.using(inv.channel_locale if share else inv.locale):
                name = m.label.capitalize()
                labels = [part_label(p) for p in m.parts] or [label]
            lines = []
            for line_label, key in zip(labels, m.series_keys(), strict=True):
                points = recent.get((inv.member_id, key), [])
                week = [(d, v) for d, v in points if d >= first]
                if not week:
                    continue
                before = [v for d, v in points if d < first]
                # as in check-ins: with too little history the week itself is the baseline
                usual = fmean(before) if len(before) >= USUAL_MIN_DAYS else fmean(v for _, v in week)
                goal = None if m.paired else goals.get((inv.member_id, m.key))
                daily_goal = (goal / 7 if summed(m) else goal) if goal else None
                lines.append(ChartLine(inv.member_id, line_label, tuple((d.isoformat(), v) for d, v in week), usual,
                                       daily_goal))
            if lines:   # a pair's panel holds one line per part
                panels.append(ChartPiece(m.key, name, m.unit, member.timezone, tuple(lines),
                                         period=(first.isoformat(), last.isoformat())))
        if not panels:
            return Reply.text(_("Nothing logged in the last 7 days yet: `log steps 8000` starts "
                                "your week."), private=True)
        with i18n.using(inv.channel_locale if share else inv.locale):
            title = _("{display_name}'s week", display_name=member.display_name) if share else _("Your week")
        card = CardPiece(title, member.timezone, (first.isoformat(), last.isoformat()), tuple(panels))
        if share is None:
            return Reply(lines=(Line((Text(_("Your week at a glance (only you see this):")),)),), cards=(card,),
                         private=True, kind="card")
        if inv.channel_id is None:
            raise UserError(_("Use `card share` in the channel you want to share it in."))
        with i18n.using(inv.channel_locale):
            caption = _("{display_name}'s week", display_name=member.display_name)
        facts = tuple(Fact.of(inv.member_id, p.metric, public=p.title, trend=p.title) for p in panels)
        return [Reply(lines=(Line(facts, label=f"{caption}: ", separator=", "),), cards=(card,), private=False, kind="card"),
                Reply.text(_("Shared your week here: each metric only as your settings for this "
                             "channel allow (the others are left out). Tightening your settings "
                             "later takes it back."), private=True)]
