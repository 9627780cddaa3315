"""Milestones, opt in per metric: told privately, shared only on the member's yes.

`milestones on|off [metric]` (off by default). When a log for today or yesterday makes a milestone
(:mod:`bot.milestones`: a personal best in the member's direction, a streak of 7/30/100 days, a goal
met for a week), the bot tells the member privately and offers to share it in **the channel where
they logged** (a log in a direct message is told, with nothing to share). The answer is
`share milestone` (a button on Discord) or `share milestone no`; unanswered, the offer lapses after
a day; `undo` of the log withdraws it; `milestones off` withdraws the open ones it covers. A member
with milestones off for a metric is neither told nor asked.

A shared milestone is a post like any other: one Fact per milestone through the gate, in the post
ledger (a take-back shrinks or removes it). At `trend` it names no number ("a new personal best in
steps"), at `public` it may; below `trend` in that channel it is refused and the offer stays open.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.cog import Cog
from bot.commands import Invocation, Param, ParamType, command
from bot.milestones import Goal, Milestone, detect, progress_direction
from bot.progress import summed
from bot.vocabulary import i18n
from bot.vocabulary.clock import local_date
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import N_, _, n_, p_
from bot.vocabulary.levels import Level
from bot.vocabulary.metrics import MetricDef, format_quantity
from bot.vocabulary.reply import Button, Destination, Fact, Line, Reply
from storage.entries import Entry
from storage.milestones import DECLINED, OPEN, SHARED, Found, StoredMilestone

P = ParamType
OFFER_WINDOW = timedelta(days=1)
HISTORY_START = date(2000, 1, 1)   # a personal best is against every day logged
WORD = "milestone"                  # `share milestone`: the word, in any language the bot speaks

# What a milestone says in a channel post, per level: at trend no number (the gate shows the most
# revealing text the audience may see).
BEST_TREND = N_("a new personal best in {metric}")
BEST_PUBLIC = N_("a new personal best in {metric}: {value}")
STREAK_TEXT = N_("a {days}-day streak of logging {metric}")
GOAL_TREND = N_("their {metric} goal met for a week")
GOAL_PUBLIC = N_("their {metric} goal met for a week ({value})")
# ... and what the member is told privately (their own numbers, in full).
BEST_OWN = N_("a new personal best in {metric}: {value}")
GOAL_OWN = N_("your {metric} goal met for a week ({value})")


def _answer_words(lang: str) -> tuple[str, str, str]:
    """The words of an answer in one language: `milestone`, `yes` and `no` (`milstolpe`, `ja`, `nej`)."""
    with i18n.using(lang):
        return (p_("answer word", "milestone").lower(), p_("answer word", "yes").lower(),
                p_("answer word", "no").lower())


def is_milestone_word(word: str) -> bool:
    """`milestone` in English or any language the bot speaks: every language's words work for everyone."""
    return word.lower() in {_answer_words(lang)[0] for lang in i18n.available()}


def _answer_word(word: str) -> str | None:
    """"yes" or "no" for an answer word in any language, else None."""
    for lang in i18n.available():
        _milestone, yes, no = _answer_words(lang)
        if word.lower() == yes:
            return "yes"
        if word.lower() == no:
            return "no"
    return None


class Milestones(Cog):
    def member_data(self):
        return (self.s.milestones,)

    @command("milestones", "Milestones (a personal best, a streak of 7, 30 or 100 days, a goal met for a week): told "
                           "privately, shared only if you say yes. Off until you turn them on, per metric or for all.",
             Param("switch", P.CHOICE, "on or off", required=False, choices=("on", "off")),
             Param("metric", P.METRIC, "only this metric (default: every metric)", required=False))
    async def milestones(self, inv: Invocation, switch: str | None = None, metric: MetricDef | None = None) -> Reply:
        key = metric.key if metric else ""
        what = metric.label if metric else _("every metric")
        if switch is None:
            return await self._status(inv)
        if switch == "on":
            await self.s.milestones.set_enabled(inv.member_id, True, inv.now, key)
            lines = [_("Milestones are on for {what}. When you reach one (a personal best, a streak of 7, 30 or 100 "
                       "days, your goal met for a week) I tell you privately and ask whether to share it in the "
                       "channel where you logged; nothing is posted unless you say yes.", what=what)]
            chosen = [metric] if metric else [m for m in await self.s.catalogue.metrics(inv.community_id)]
            free = [m.label for m in chosen if progress_direction(m, None) is None]
            if free:
                lines.append(_("For {metrics} only the direction your `goal` sets counts as progress: without a "
                               "goal there, no best and no goal milestone, only streaks.", metrics=", ".join(free)))
            return Reply.text(*lines, private=True)
        await self.s.milestones.set_enabled(inv.member_id, False, inv.now, key)
        withdrawn = await self.s.milestones.withdraw_open(inv.member_id, key)
        text = _("Milestones are off for {what}: I won't tell you of them or ask.", what=what)
        if withdrawn:
            text += " " + n_("{n} waiting offer is withdrawn.", "{n} waiting offers are withdrawn.", withdrawn)
        return Reply.text(text, private=True)

    async def _status(self, inv: Invocation) -> Reply:
        chosen = await self.s.milestones.settings(inv.member_id)
        by_key = {m.key: m for m in await self.s.catalogue.metrics(inv.community_id)}
        on = [by_key[k].label if k in by_key else k for k, v in sorted(chosen.items()) if v and k]
        off = [by_key[k].label if k in by_key else k for k, v in sorted(chosen.items()) if not v and k]
        if chosen.get(""):
            line = _("Milestones are on for every metric") + (_(" except {metrics}", metrics=", ".join(off)) if off else "")
        elif on:
            line = _("Milestones are on for {metrics}", metrics=", ".join(on))
        else:
            line = _("Milestones are off")
        lines = [line + ". " + _("`milestones on`, `milestones on steps` or `milestones off` change it.")]
        waiting = await self.s.milestones.open_offers(inv.member_id, inv.now)
        if waiting:
            lines.append(n_("{n} milestone is waiting for your answer: `share milestone` or `share milestone no`.",
                            "{n} milestones are waiting for your answer: `share milestone` or `share milestone no`.",
                            len(waiting)))
        return Reply.text(*lines, private=True)

    # -- found when a log is stored --------------------------------------------------------------
    async def after_log(self, inv: Invocation, metric: MetricDef, entry: Entry, new_day: bool) -> list[Reply]:
        repo = self.s.milestones
        if not await repo.enabled(inv.member_id, metric.key):
            return []   # off: neither told nor asked (nor anything read)
        member = await self.s.community.member_by_id(inv.member_id)
        today = local_date(inv.now, member.timezone if member else "UTC")
        if entry.day not in (today, today - timedelta(days=1)):
            return []   # a back-filled day is not a moment to celebrate
        replaced: list[str] = []
        if not metric.adds and entry.replaces is not None:
            # The day's value was replaced (a typo corrected): a best the old value made no longer holds.
            replaced = await self._withdraw(inv, [entry.replaces], ("best",))
        days = dict(await self.s.entries.series(inv.member_id, entry.metric, HISTORY_START, max(today, entry.day)))
        goal = await self._goal(inv.member_id, metric.key)
        found = detect(metric, entry.day, days, goal, new_day=new_day,
                       last_goal_day=await repo.last_goal_day(inv.member_id, metric.key))
        stored = await repo.record(inv.member_id, metric.key, [Found(f.kind, f.slug, f.day, f.value) for f in found],
                                   entry.id, inv.channel_id, inv.now, inv.now + OFFER_WINDOW)
        out = []
        if replaced:
            out.append(Reply.text(*replaced, private=True))
        if stored:
            out.append(await self._offer(inv, metric, stored))
        return out

    async def _goal(self, member_id: int, metric: str) -> Goal | None:
        row = await self.s.goals.get(member_id, metric)
        if row is None:
            return None
        direction = row["direction"] if row["direction"] in ("up", "down") else None
        return Goal(float(row["goal_value"] if row["goal_value"] is not None else row["weekly_value"]),
                    row["goal_period"] or "week", float(row["weekly_value"]), direction)

    async def _offer(self, inv: Invocation, metric: MetricDef, stored: list[StoredMilestone]) -> Reply:
        system = await self.s.units.system(inv.member_id, metric.key)
        said = "; ".join(own_words(metric, m, system) for m in stored)
        lines = [_("Milestone: {what}!", what=said)]
        buttons: tuple[Button, ...] = ()
        if inv.channel_id is None:
            lines.append(_("You logged it in a direct message, so there is no channel to share it in (the offer to "
                           "share comes when you log in a channel)."))
            await self.s.milestones.set_status(inv.member_id, [m.id for m in stored], DECLINED)
        else:
            channel = await self.s.community.channel_by_id(inv.channel_id)
            name = channel.name if channel else "?"
            level = await self._level(inv.community_id, inv.channel_id, inv.member_id, metric.key)
            if level < Level.TREND:
                lines.append(_("Your settings don't show {metric} in #{channel}, so it can't be shared there; "
                               "`privacy set {metric} trend` and then `share milestone` within a day would share it "
                               "without numbers.", metric=metric.term, channel=name))
            else:
                how = _("with numbers") if level >= Level.PUBLIC else _("without numbers")
                lines.append(_("Share it in #{channel} ({how}, as your settings there allow)? `share milestone` posts it, "
                               "`share milestone no` declines; unanswered, the offer lapses in a day. Nothing is posted "
                               "unless you say yes.", channel=name, how=how))
                ids = " ".join(str(m.id) for m in stored)
                buttons = (Button(p_("button", "Share it"), "share", (("text", f"{WORD} {ids}"),), "primary"),
                           Button(p_("button", "No, thanks"), "share", (("text", f"{WORD} {ids} no"),)))
        return Reply(lines=Reply.text(*lines).lines, private=True, buttons=buttons)

    async def _level(self, community_id: int, channel_id: int, member_id: int, metric: str) -> Level:
        levels = await self.s.levels.effective_levels(Destination.channel(community_id, channel_id), {(member_id, metric)})
        return levels[(member_id, metric)]

    async def after_undo(self, inv: Invocation, entries: list[Entry]) -> list[str]:
        return await self._withdraw(inv, [e.id for e in entries])

    async def _withdraw(self, inv: Invocation, entry_ids: list[int],
                        kinds: tuple[str, ...] = ("best", "streak", "goal")) -> list[str]:
        """Milestones those logs made no longer hold: an open offer is withdrawn, a shared one's post
        taken back (the member is taken out of it: it is deleted when nothing else is left)."""
        gone = await self.s.milestones.withdraw_for_entries(inv.member_id, entry_ids, kinds)
        said = []
        offers = [m for m in gone if m.status == OPEN]
        if offers:
            said.append(n_("The milestone offer that log made is withdrawn.",
                           "The {n} milestone offers that log made are withdrawn.", len(offers)))
        posts = {m.post_id for m in gone if m.status == SHARED and m.post_id is not None}
        if posts:
            edited, deleted = await self.app.take_back(inv.member_id, remove=True, kind="milestone", post_ids=posts)
            if edited or deleted:
                said.append(n_("The milestone you shared from it is taken back.",
                               "The {n} milestones you shared from it are taken back.", edited + deleted))
        return said

    # -- the answer: `share milestone [ids] [no]` ------------------------------------------------
    async def answer(self, inv: Invocation, words: list[str]) -> list[Reply]:
        ids, decline = [], False
        for w in words:
            if w.isdigit() and len(w) <= 12:
                ids.append(int(w))
            elif _answer_word(w) is not None:
                decline = decline or _answer_word(w) == "no"
            else:
                raise UserError(_("Answer a milestone offer with `share milestone` or `share milestone no`."))
        repo = self.s.milestones
        offers = await repo.open_offers(inv.member_id, inv.now, ids)
        if not offers:
            return [Reply.text(await self._nothing_open(inv, ids), private=True)]
        if decline:
            await repo.set_status(inv.member_id, [m.id for m in offers], DECLINED)
            return [Reply.text(n_("Declined; nothing was posted.", "Declined all {n}; nothing was posted.", len(offers)),
                               private=True)]
        by_key = {m.key: m for m in await self.s.catalogue.metrics(inv.community_id)}
        told: list[str] = []
        channels: dict[int, list[StoredMilestone]] = {}
        for m in offers:
            if m.channel_id is None or m.metric not in by_key:
                await repo.set_status(inv.member_id, [m.id], DECLINED)
                continue
            channels.setdefault(m.channel_id, []).append(m)
        for channel_id, group in channels.items():
            channel = await self.s.community.channel_by_id(channel_id)
            if channel is None:
                continue
            allowed = []
            for m in group:
                metric = by_key[m.metric]
                if await self._level(inv.community_id, channel_id, inv.member_id, m.metric) < Level.TREND:
                    told.append(_("I didn't post your {metric} milestone: your settings don't show {metric} in "
                                  "#{channel} (it stays open until it lapses).", metric=metric.term, channel=channel.name))
                else:
                    allowed.append(m)
            if not allowed:
                continue
            here = Destination.channel(inv.community_id, channel_id)
            locale = await self.app.locale_for(here)
            post = await self._post(inv.member_id, allowed, by_key, locale)
            delivery = await self.app.publish(post, here, locale=locale)
            if delivery is None:
                told.append(_("I couldn't post in #{channel}; nothing was posted and the offer stays open.",
                              channel=channel.name))
                continue
            posted = [p.id for p in await self.s.posts.live_posts_with(inv.member_id, channel_id) if p.kind == "milestone"]
            await repo.set_status(inv.member_id, [m.id for m in allowed], SHARED, max(posted) if posted else None)
            told.append(n_("Shared your milestone in #{channel}. Tightening your settings or `mydata forget` takes it "
                           "back.", "Shared your {n} milestones in #{channel}. Tightening your settings or "
                           "`mydata forget` takes them back.", len(allowed), channel=channel.name))
        return [Reply.text(*(told or [_("Nothing was posted.")]), private=True)]

    async def _nothing_open(self, inv: Invocation, ids: list[int]) -> str:
        known = await self.s.milestones.by_ids(inv.member_id, ids) if ids else []
        if known and all(m.status == SHARED for m in known):
            return _("You already shared that milestone.")
        if known and any(m.status == DECLINED for m in known):
            return _("You already answered that offer; nothing more was posted.")
        if known:
            return _("That offer lapsed after a day; nothing was posted.")
        return _("No milestone is waiting for your answer (an offer lapses after a day); nothing was posted.")

    async def _post(self, member_id: int, group: list[StoredMilestone], by_key: dict[str, MetricDef],
                    locale: str) -> Reply:
        member = await self.s.community.member_by_id(member_id)
        name = member.display_name if member else _("member")
        lines = []
        with i18n.using(locale):
            for m in group:
                metric = by_key[m.metric]
                trend, public = channel_words(metric, m)
                lines.append(Line((Fact.of(member_id, metric.key, public=public, trend=trend),),
                                  label=_("{name} reached a milestone: ", name=name)))
        return Reply(lines=tuple(lines), private=False, kind="milestone", requires_data=True)


def channel_words(metric: MetricDef, m: StoredMilestone | Milestone) -> tuple[str, str]:
    """(trend text, public text) of a milestone in a channel post, in the current language; the
    channel's units (a post keeps the community's units)."""
    if m.kind == "best":
        return (_(BEST_TREND, metric=metric.label),
                _(BEST_PUBLIC, metric=metric.label, value=format_quantity(metric, m.value)))
    if m.kind == "streak":
        text = _(STREAK_TEXT, days=i18n.count(int(m.value)), metric=metric.label)
        return text, text
    return (_(GOAL_TREND, metric=metric.label), _(GOAL_PUBLIC, metric=metric.label, value=_week_figure(metric, m.value)))


def _week_figure(metric: MetricDef, value: float, system: str | None = None) -> str:
    shown = format_quantity(metric, value, system)
    return _("{value} in the week", value=shown) if summed(metric) else _("{value} on average", value=shown)


def own_words(metric: MetricDef, m: StoredMilestone, system: str | None) -> str:
    """What the member is told privately, with their own number in their own units."""
    if m.kind == "best":
        return _(BEST_OWN, metric=metric.label, value=format_quantity(metric, m.value, system))
    if m.kind == "streak":
        return _(STREAK_TEXT, days=i18n.count(int(m.value)), metric=metric.label)
    return _(GOAL_OWN, metric=metric.label, value=_week_figure(metric, m.value, system))
