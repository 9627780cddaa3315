"""Moderators set channel rules (caps that can only narrow what members allow) and custom metrics."""

from __future__ import annotations

from bot.catalogue import sensitive_names
from bot.cog import Cog
from bot.commands import Invocation, MetricChoice, Param, ParamType, Permission, Suggest, command
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import N_, _, num
from bot.vocabulary.levels import CAP_PLAIN_WORDS, Level, cap_word, parse_cap
from bot.vocabulary.metrics import custom_metric, custom_units, pair_examples, split_parts
from bot.vocabulary.reply import Reply
from bot.vocabulary.words import changed_posts
from storage.sharing import ALL_METRICS

P = ParamType
MOD = Permission.MODERATOR


class Moderation(Cog):
    command_groups = {"mod": N_("Moderator tools: channel sharing rules, custom metrics, check-in schedules"),
                      "mod metric": N_("Custom metrics for this community")}

    @command("mod rule", "Set the most a channel may show of a metric (it can only narrow what members allow).",
             Param("channel", P.CHANNEL, "the channel, e.g. #walkers"),
             Param("metric", P.METRIC, "a metric, or `all`", suggest=Suggest.METRICS_OR_ALL, pairs=True),
             Param("cap", P.CAP, "off|aggregate|trend|public"),
             permission=MOD)
    async def rule(self, inv: Invocation, channel: int, metric: MetricChoice, cap: str) -> Reply:
        level = parse_cap(cap)
        channel_id = channel
        key = ALL_METRICS if metric.everything else metric.metrics[0].key
        replaced: dict[str, Level] = {}
        if key == ALL_METRICS:
            replaced = await self.s.rules.set_channel_wide(channel_id, level, inv.now)   # `all` replaces the rest
        else:
            await self.s.rules.set_rule(channel_id, key, level, inv.now)
        channel_row = await self.s.community.channel_by_id(channel_id)
        assert channel_row is not None  # channel_from resolved (and recorded) it just above
        name = channel_row.name
        what = _("every metric") if key == ALL_METRICS else key
        lines = [f"#{name}: {what} — {cap_word(level)} ({_(CAP_PLAIN_WORDS[level])})."]
        if replaced:
            lines.append(_("This replaces the earlier rules there for ") +
                         ", ".join(f"{m} ({cap_word(lv)})" for m, lv in sorted(replaced.items())) + ".")
        edited, deleted = await self.app.take_back_channel(channel_id)
        if edited or deleted:
            lines.append(changed_posts(edited, deleted, where=_(" there"), removed_because=_("to match the new rule")))
        if key == ALL_METRICS and level > Level.TREND:
            lines.append(_("{names} stay at trend there unless you name them in their own rule.",
                           names=sensitive_names()))
        return Reply.text(*lines, private=True)

    @command("mod rules", "Show the sharing rules of a channel.",
             Param("channel", P.CHANNEL, "the channel (default: this one)", required=False),
             permission=MOD, lists=True)
    async def rules(self, inv: Invocation, channel: int | None = None) -> Reply:
        if channel is None and inv.channel_id is None:
            raise UserError(_("Name a channel, e.g. `mod rules #walkers`."))
        channel_id = channel if channel is not None else inv.channel_id
        assert channel_id is not None  # a channel was named, or this is one (checked above)
        channel_row = await self.s.community.channel_by_id(channel_id)
        assert channel_row is not None  # channel_from resolved it, or the runtime recorded this one
        name = channel_row.name
        rules = await self.s.rules.rules(channel_id)
        lines = [_("Rules in #{name} (the most this channel shows of each metric):", name=name)]
        for m in await self.s.catalogue.metrics(inv.community_id):
            cap = self.s.rules.cap_from(rules, m.key)
            source = _("rule") if m.key in rules else (_("channel-wide rule") if ALL_METRICS in rules else _("default"))
            lines.append(f"{m.term}: {cap_word(cap)} ({source})")
        return Reply.text(*lines, private=True)

    @command("mod metric add", "Define a custom metric for this community.",
             Param("name", P.WORD, "one word, e.g. meditation"),
             Param("unit", P.WORD, "its unit, e.g. min, cups, pages"),
             Param("min", P.NUMBER, "the smallest accepted value"),
             Param("max", P.NUMBER, "the largest accepted value"),
             Param("also", P.TEXT, "other units members may type, with how many of your unit each is, "
                                   "e.g. mmol/L=18.016 or chapters=20; or, for a metric of two numbers, its "
                                   "parts: parts=left/right (parts=upper>lower: the first is never below the "
                                   "second)", required=False, max_length=100),
             permission=MOD)
    async def metric_add(self, inv: Invocation, name: str, unit: str, min: str, max: str, also: str | None = None) -> Reply:
        try:
            low, high = float(min), float(max)
        except ValueError:
            raise UserError(_("`min` and `max` must be numbers, e.g. `mod metric add meditation "
                              "min 0 240`.")) from None
        others, parts = split_parts(also)
        metric = custom_metric(name, unit, low, high, alternatives=others, parts=parts)
        await self.s.catalogue.add_custom(inv.community_id, metric, inv.now)
        if metric.paired:
            first, second = (p.key for p in metric.parts)
            order = _(" ({first} is never below {second})", first=first, second=second) if metric.ordered else ""
            return Reply.text(_("Members can now `log {key} {example}`: two numbers, {first} then {second}{order}, "
                                "each {low}–{high} {unit}. It is private for everyone until each member chooses "
                                "otherwise.", key=metric.key, example=pair_examples(metric)[0], first=first,
                                second=second, order=order, low=num(low, 'g'), high=num(high, 'g'), unit=metric.unit),
                              private=True)
        more = sorted(set(custom_units(metric)) - {metric.unit})
        typed = _("; they may also type {join}", join=', '.join(more)) if more else ""
        return Reply.text(_("Members can now `log {key} <value>` ({unit}, {low}–{high}{typed}). It "
                            "is private for everyone until each member chooses otherwise.", key=metric.key, unit=metric.unit, low=num(low, 'g'), high=num(high, 'g'), typed=typed), private=True)
