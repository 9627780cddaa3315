"""Members decide, metric by metric and channel by channel, what others may ever see."""

from __future__ import annotations

from bot.catalogue import sensitive_names
from bot.cog import Cog
from bot.commands import Invocation, MetricChoice, Param, ParamType, Suggest, command
from bot.vocabulary.i18n import N_, _
from bot.vocabulary.levels import PLAIN_WORDS, Level, effective_level, parse_level
from bot.vocabulary.reply import Reply
from bot.vocabulary.words import changed_posts

P = ParamType
PARTNER_GRANT = N_("{partner} sees your {metric} at {level}")
PARTNERS_LINE = N_("Accountability partners are their own audience (the settings above don't change what they see): "
                   "{grants}. `partner list` shows both directions.")


class Privacy(Cog):
    command_groups = {"privacy": N_("See and choose who may see each of your numbers")}

    def _plain(self, level: Level) -> str:
        return _(PLAIN_WORDS[level], k=self.s.config.privacy.min_group_size)

    @command("privacy", "See, in plain words, who can see each of your numbers.", lists=True)
    async def show(self, inv: Invocation) -> Reply:
        settings = await self.s.sharing.settings(inv.member_id)
        metrics = await self.s.catalogue.metrics(inv.community_id)
        defaults = {m: lv for m, ch, lv in settings if ch is None}
        overrides = [(m, ch, lv) for m, ch, lv in settings if ch is not None]
        channel_names = {}
        for _x, ch, _y in overrides:
            c = await self.s.community.channel_by_id(ch)
            channel_names[ch] = c.name if c else "?"
        lines = [_("Everything you log is private until you choose otherwise. Your settings:")]
        for m in metrics:
            lines.append(f"{m.term}: {defaults.get(m.key, Level.PRIVATE).label} — {self._plain(defaults.get(m.key, Level.PRIVATE))}")
        for key, ch, lv in overrides:
            lines.append(_("{metric} in #{channel}: {level} — {meaning}", metric=key, channel=channel_names[ch], level=lv.label, meaning=self._plain(lv)))
        if inv.channel_id is not None:
            channel = await self.s.community.channel_by_id(inv.channel_id)
            assert channel is not None  # the runtime recorded the channel this message came from
            rules = await self.s.rules.rules(inv.channel_id)
            shown = []
            for m in metrics:
                own = await self.s.sharing.level(inv.member_id, m.key, inv.channel_id)
                if own is Level.PRIVATE:
                    continue
                cap = self.s.rules.cap_from(rules, m.key)
                eff = effective_level(own, cap)
                note = _(" (this channel allows at most {level})", level=cap.label if cap else _("nothing")) if cap < own else ""
                shown.append(f"{m.term}: {eff.label}{note}")
            if shown:
                lines.append(_("In #{name} others can see: ", name=channel.name) + "; ".join(shown) + ".")
            else:
                lines.append(_("In #{name} others see none of your numbers.", name=channel.name))
        lines.append(_("Change with `privacy set <metric|all> <{join}> [#channel]`.", join='|'.join(lv.label for lv in Level)))
        grants = [g for g in await self.s.partners.grants_involving(inv.member_id)
                  if g.member_id == inv.member_id and g.status == "active"]
        if grants:
            members = {g.partner_id: (await self.s.community.member_by_id(g.partner_id)) for g in grants}
            names = {pid: m.display_name if m is not None else _("member") for pid, m in members.items()}
            by_key = {m.key: m for m in await self.s.catalogue.metrics(inv.community_id)}
            granted = "; ".join(_(PARTNER_GRANT, partner=names[g.partner_id],
                                  metric=by_key[g.metric].term if g.metric in by_key else g.metric, level=g.level.label)
                                for g in grants)
            lines.append(_(PARTNERS_LINE, grants=granted))
        return Reply.text(*lines, private=True)

    @command("privacy set", "Choose who may see a metric: everywhere, or in one channel.",
             Param("metric", P.METRIC, "a metric, or `all`", suggest=Suggest.METRICS_OR_ALL, pairs=True),
             Param("level", P.LEVEL, "private, aggregate (anonymous totals only), trend (relative progress), public (numbers)"),
             Param("channel", P.CHANNEL, "only in this channel", required=False))
    async def set(self, inv: Invocation, metric: MetricChoice, level: str, channel: int | None = None) -> Reply:
        new = parse_level(level)
        metrics = metric.metrics
        channel_id = channel
        lowered = False
        for m in metrics:
            before = await self.s.sharing.set_level(inv.member_id, m.key, new, channel_id, inv.now)
            lowered = lowered or new < before
        where = ""
        if channel_id is not None:
            channel_row = await self.s.community.channel_by_id(channel_id)
            assert channel_row is not None  # channel_from resolved (and recorded) it just above
            where = _(" in #{name}", name=channel_row.name)
        names = _("all your metrics") if len(metrics) > 1 else metrics[0].term
        lines = [f"{names}{where}: {new.label} — {self._plain(new)}."]
        if new >= Level.TREND and any(m.sensitive for m in metrics):
            lines.append(_("{names} show at most trends in a channel unless its moderators allow more.",
                           names=sensitive_names()))
        if new > Level.PRIVATE:
            lines.append(_("This doesn't post anything by itself: you appear in check-ins and "
                           "challenges only after joining them."))
        if lowered:
            edited, deleted = await self.app.take_back(inv.member_id, channel_id)
            if edited or deleted:
                lines.append(changed_posts(edited, deleted, removed_because=_("that now said too much")))
        return Reply.text(*lines, private=True)
