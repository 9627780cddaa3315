"""`share`: a member's own words, posted by the bot in this channel, with beneath them what their
settings allow for the metrics they name there (`trend`: banded change and streak; `public`: numbers).

Grammar: ``share steps sleep: my own words``. Everything before the first colon must be metric names
(and, for a chart of each beneath the words, the word ``chart``); everything after it is the member's text and is never read as a metric, so "walked a lot, steps feel
good" discloses nothing the member did not name before the colon.

The words are cleaned (:func:`bot.vocabulary.text.own_words`: one line, no mentions, markup, masked
links or headings); on Matrix the typed command is redacted from the room once read (the spec's
``own_words``), so a take-back removes the words from the room entirely.

Where: the channel the command is typed in, only. A ``#channel`` parameter would make the bot post a
member's words in a channel the member may not be able to post in themselves (an announcements
channel), and no platform-neutral check of the member's own permission there exists; so there is none.

A share is refused whole (nothing posted) when any named metric may not be shown attributed here
(private, aggregate, or the channel's rule is `off`/`aggregate`): a post that silently drops a metric
the member meant to show says something other than they wrote. The post needs its data
(``requires_data``): when the member narrows every named metric below `trend`, leaves or forgets,
the take-back removes the whole post, the member's words included.
"""

from __future__ import annotations

from datetime import date, timedelta
from statistics import fmean

from bot.cog import Cog
from bot.commands import Invocation, Param, ParamType, command
from bot.progress import change_text, days_back, pair_change_text, pair_relatives, streak_of, summed, weekly_figure
from bot.vocabulary import i18n
from bot.vocabulary import text as texts
from bot.vocabulary.clock import local_date
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import N_, _
from bot.vocabulary.levels import Level
from bot.vocabulary.metrics import MetricDef, chart_unit, format_pair, format_quantity, part_label, resolve_metric
from bot.vocabulary.reply import ChartLine, ChartPiece, Destination, Fact, Line, Relative, Reply, Text
from cogs.milestones import Milestones, is_milestone_word

SHARE_MAX = 300          # characters of the member's own words
SHARE_METRICS = 4        # at most this many metrics in one share
CHART_DAYS = 30          # `share steps chart: ...`: a chart of the last 30 days beneath the words
STREAK_LOOKBACK = 100

VALUE_SUMMED = N_("{value} this week")
VALUE_AVERAGE = N_("{value} average this week")
STREAK = N_("{days}-day streak")


def clean_words(raw: str) -> str:
    """The member's words, safe to post (:func:`bot.vocabulary.text.own_words`): one line, no mentions,
    markup, masked links or headings. The length limit is checked on what is left."""
    return texts.own_words(raw)


def split_share(raw: str) -> tuple[list[str], str]:
    """``"steps sleep: words"`` -> (["steps", "sleep"], "words"). No colon: no metric names at all."""
    head, sep, words = raw.partition(":")
    if not sep:
        return [], raw
    return head.split(), words


class Sharing(Cog):
    @command("share", "Post your own words in this channel with, beneath them, what your settings allow "
             "for the metrics you name: `share steps sleep: what I want to say` (`share steps chart: ...` adds a chart).",
             Param("text", ParamType.TEXT, "metrics, a colon, then your words, e.g. steps: a good week",
                   max_length=SHARE_MAX + 120), own_words=True)
    async def share(self, inv: Invocation, text: str):
        answer_word, *rest = text.split() or [""]
        if ":" not in text and is_milestone_word(answer_word):
            # The answer to a milestone offer (cogs/milestones.py): it may come from anywhere (a button
            # press arrives as a direct message); the offer knows its channel.
            return await next(c for c in self.app.cogs if isinstance(c, Milestones)).answer(inv, rest)
        if inv.channel_id is None:
            raise UserError(_("Use `share` in the channel you want to post in, e.g. `share steps: a good week`."))
        names, words = split_share(text)
        chart = any(_is_chart_word(n) for n in names)
        names = [n for n in names if not _is_chart_word(n)]
        if not names:
            raise UserError(_("Name the metrics before a colon, then your words: `share steps: a good week`. "
                              "Nothing was posted."))
        if len(names) > SHARE_METRICS:
            raise UserError(_("Name at most {n} metrics in one share. Nothing was posted.", n=SHARE_METRICS))
        words = clean_words(words)
        if not words:
            raise UserError(_("Write your words after the colon: `share steps: a good week`. Nothing was posted."))
        if len(words) > SHARE_MAX:
            raise UserError(_("Your words are longer than {n} characters; shorten them. Nothing was posted.",
                              n=SHARE_MAX))
        known = await self.s.catalogue.metrics(inv.community_id)
        metrics: list[MetricDef] = []
        for name in names:
            m = resolve_metric(name, known)   # a clear UserError for an unknown name
            if m not in metrics:
                metrics.append(m)
        dest = Destination.channel(inv.community_id, inv.channel_id)
        levels = await self.s.levels.effective_levels(dest, {(inv.member_id, m.key) for m in metrics})
        refused = [m for m in metrics if levels[(inv.member_id, m.key)] < Level.TREND]
        if refused:
            keys = ", ".join(m.term for m in refused)
            return Reply.text(_("I didn't post it: {keys} may not be shown here (your setting is `private` or "
                                "`aggregate`, or this channel's rule is stricter). A share is posted whole or "
                                "not at all. `privacy set {key} trend` would share your progress without "
                                "numbers.", keys=keys, key=refused[0].term), private=True)
        member = await self.s.community.member_by_id(inv.member_id)
        assert member is not None  # the invoking member: the runtime made their row before this runs
        last = local_date(inv.now, member.timezone)
        first = last - timedelta(days=6)
        series = await self.s.entries.series_for_members([inv.member_id], [k for m in metrics for k in m.series_keys()],
                                                         last - timedelta(days=max(STREAK_LOOKBACK + 6, CHART_DAYS)), last)
        back = days_back(last, STREAK_LOOKBACK)
        facts: list[Line] = []
        with i18n.using(inv.channel_locale):
            for m in metrics:
                if m.paired:
                    parts = [[(d.isoformat(), v) for d, v in series.get((inv.member_id, k), [])] for k in m.series_keys()]
                    fact = _pair_fact(inv.member_id, m, parts, first.isoformat(), back)
                else:
                    points = [(d.isoformat(), v) for d, v in series.get((inv.member_id, m.key), [])]
                    fact = _fact(inv.member_id, m, points, first.isoformat(), back)
                if fact is not None:
                    facts.append(Line((fact,)))
            if not facts:
                return Reply.text(_("Nothing logged for {keys} in the last 7 days, so there is nothing to "
                                    "share beneath your words yet. Nothing was posted.",
                                    keys=", ".join(m.term for m in metrics)), private=True)
            head = Line((Text(_("{display_name} shares:", display_name=member.display_name)),))
            body = Line((Text(words),))
            charts = _charts(member.id, member.display_name, member.timezone, metrics, series, last) if chart else ()
        post = Reply(lines=(head, body, *facts), charts=charts, private=False, kind="share", requires_data=True)
        return [post, Reply.text(_("Posted your words here with {keys} as your settings for this channel allow. "
                                   "Tightening your settings or `mydata forget` takes it back, words included.",
                                   keys=", ".join(m.term for m in metrics)), private=True)]


def _is_chart_word(word: str) -> bool:
    """`chart` before the colon (or the command's word in any language the bot speaks: `diagram`)."""
    return word.lower() in {i18n.word("command", "chart", lang).lower() for lang in i18n.available()}


def _charts(member_id: int, name: str, timezone: str, metrics: list[MetricDef],
            series: dict[tuple[int, str], list[tuple[date, float]]], last: date) -> tuple[ChartPiece, ...]:
    """One chart per named metric over the last :data:`CHART_DAYS` days, in the community's units; the
    gate draws it raw at `public` and relative to the member's own usual at `trend` (with alt text)."""
    first = last - timedelta(days=CHART_DAYS - 1)
    out = []
    for m in metrics:
        label, own = chart_unit(m, None)
        lines = []
        # A pair is one line per part, each relative to its own usual at trend (as `chart bp share`).
        for line_name, key in zip([part_label(p) for p in m.parts] or [name], m.series_keys(), strict=True):
            points = [(d, v) for d, v in series.get((member_id, key), []) if d >= first]
            if not points:
                continue
            values = [own(v) for _d, v in points]
            earlier = values[:-7] if len(values) > 7 else values
            lines.append(ChartLine(member_id, line_name, tuple((d.isoformat(), own(v)) for d, v in points), fmean(earlier)))
        if lines:
            title = _("{metric} — last {days} days", metric=m.label.capitalize(), days=CHART_DAYS)
            out.append(ChartPiece(m.key, title, label, timezone, tuple(lines), period=(first.isoformat(), last.isoformat())))
    return tuple(out)


def _pair_fact(member_id: int, metric: MetricDef, parts: list[list[tuple[str, float]]], first: str,
               back: list[str]) -> Fact | None:
    """A pair (blood pressure) as the check-in writes it: this week's average of each part and the
    exact change for `public`; for `trend` each part's change, which the gate writes in bands, and the
    streak. Only days holding every part count (a pair is logged whole), so no part stands alone."""
    days = set.intersection(*({d for d, _v in points} for points in parts))
    this_days = sorted(d for d in days if d >= first)
    if not this_days:
        return None
    prev_first = (date.fromisoformat(first) - timedelta(days=7)).isoformat()
    by_part = [dict(points) for points in parts]
    this = tuple(fmean(p[d] for d in this_days) for p in by_part)
    prev_days = [d for d in days if prev_first <= d < first]
    before = [fmean(p[d] for d in prev_days) if prev_days else None for p in by_part]
    run = streak_of([(d, 0.0) for d in sorted(days)], back)
    streak = _(STREAK, days=run) if run >= 2 else None
    value = _(VALUE_AVERAGE, value=format_pair(metric, this))
    public = f"{metric.term}: " + ", ".join(w for w in (value, pair_change_text(metric, before, this), streak) if w)
    relative = list(pair_relatives(metric, before, this))
    if streak:
        relative.append(Relative("count", streak))
    if all(b is None for b in before) and streak is None:
        relative.append(Relative("count", _("logged this week")))
    return Fact.of(member_id, metric.key, public=public, relative=tuple(relative), prefix=f"{metric.term}: ")


def _fact(member_id: int, metric: MetricDef, points: list[tuple[str, float]], first: str,
          back: list[str]) -> Fact | None:
    """This week's figure for `public`; banded change against last week and the streak for `trend`."""
    this = [v for d, v in points if d >= first]
    if not this:
        return None
    prev_first = (date.fromisoformat(first) - timedelta(days=7)).isoformat()
    prev = [v for d, v in points if prev_first <= d < first]
    figure, before = weekly_figure(metric, this), weekly_figure(metric, prev)
    assert figure is not None
    run = streak_of(points, back)
    streak = _(STREAK, days=run) if run >= 2 else None
    value = _(VALUE_SUMMED if summed(metric) else VALUE_AVERAGE, value=format_quantity(metric, figure))
    change = change_text(before, figure)
    public = f"{metric.term}: " + ", ".join(w for w in (value, change, streak) if w)
    relative = [Relative("change", "vs last week", before, figure)]   # i18n: the gate translates it
    if streak:
        relative.append(Relative("count", streak))
    if change is None and streak is None:
        relative.append(Relative("count", _("logged this week")))
    return Fact.of(member_id, metric.key, public=public, relative=tuple(relative), prefix=f"{metric.term}: ")
