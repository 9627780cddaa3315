"""What one audience may see of each member: the member's level combined with the channel's rule.

This is gate policy (a rule only narrows, a DM shows no one else's data, a value shown by name in one
channel, or to a partner, is never anonymous in another), so it lives beside the gate and reads the stored settings
through the sharing repositories.
"""

from __future__ import annotations

from bot.vocabulary.levels import Level, effective_level
from bot.vocabulary.reply import Destination
from storage.partners import PartnerRepository
from storage.sharing import ChannelRuleRepository, SharingRepository


class EffectiveLevels:
    """The gate's view of the settings: for each (member, metric), the level a destination may see.

    A channel sees the lower of the member's level and the channel's rule. A private destination sees
    what its context channel may see, and what its viewer was granted as an accountability partner
    (the grant is its own audience: channel levels neither widen nor narrow it)."""

    def __init__(self, sharing: SharingRepository, rules: ChannelRuleRepository, partners: PartnerRepository | None = None):
        self.sharing = sharing
        self.rules = rules
        self.partners = partners

    async def effective_levels(self, destination: Destination, pairs: set[tuple[int, str]]) -> dict[tuple[int, str], Level]:
        if destination.channel_id is None:
            out = {p: Level.PRIVATE for p in pairs}   # a DM has no audience for other members' data ...
        else:
            metrics = {m for _, m in pairs}
            member_levels = await self.sharing.levels_for((m for m, _ in pairs), metrics, destination.channel_id)
            caps = await self.rules.caps(destination.channel_id, metrics)
            out = {p: effective_level(member_levels.get(p, Level.PRIVATE), caps[p[1]]) for p in pairs}
        if destination.viewer_id is not None and self.partners is not None and pairs:
            # ... except what its viewer was granted as a partner
            for p, granted in (await self.partners.levels_to(destination.viewer_id, pairs)).items():
                out[p] = Level(max(out.get(p, Level.PRIVATE), granted))
        return out

    async def attributed_anywhere(self, community_id: int, pairs: set[tuple[int, str]]) -> dict[tuple[int, str], Level]:
        """For (member, metric) pairs shown with the member's name in at least one channel of the
        community, the most revealing such level (trend or public). Readers of one channel often read
        the others, so such a value is known or bounded there and never counts as anonymous."""
        if not pairs:
            return {}
        channels = await self.rules.rules_in_community(community_id)
        levels = await self.sharing.levels_everywhere({m for m, _ in pairs}, {metric for _, metric in pairs})
        out: dict[tuple[int, str], Level] = {}
        for member, metric in pairs:
            default, overrides = levels.get((member, metric), (Level.PRIVATE, {}))
            if default < Level.TREND and all(lv < Level.TREND for lv in overrides.values()):
                continue
            best = max((effective_level(overrides.get(ch, default), self.rules.cap_from(rules, metric))
                        for ch, rules in channels.items()), default=Level.PRIVATE)
            if best >= Level.TREND:
                out[(member, metric)] = best
        if self.partners is not None:
            # A partner who sees a member's value by name reads channels too: never anonymous there.
            for p, granted in (await self.partners.attributed(pairs)).items():
                out[p] = Level(max(out.get(p, Level.PRIVATE), granted))
        return out
