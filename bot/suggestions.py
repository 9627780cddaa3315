"""What a member may pick from while typing a parameter, whatever the platform.

A parameter names its source on the spec (:class:`bot.commands.Suggest`); this module answers it
from the community's own data. Discord shows the answers as autocomplete; any front end can ask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands import Param, Suggest
from bot.vocabulary.clock import timezone_names
from bot.vocabulary.i18n import _

if TYPE_CHECKING:
    from bot.services import Services

Choice = tuple[str, str]   # (label shown, value entered)


async def suggestions(services: Services, param: Param, community_id: int, channel_external_id: str | None,
                      typed: str) -> list[Choice]:
    """The choices for what was typed so far (lower-cased, stripped), best first."""
    typed = typed.strip().lower()
    source = param.suggestions
    if source in (Suggest.METRICS, Suggest.METRICS_OR_ALL):
        choices = await _metrics(services, community_id, typed)
        if source is Suggest.METRICS_OR_ALL and "all".startswith(typed):
            choices.insert(0, (_("all (every metric)"), "all"))
        return choices
    if source is Suggest.TIMEZONES:
        return [(z, z) for z in timezone_names() if typed in z.lower()]
    if source is Suggest.CHALLENGES and channel_external_id is not None:
        names = await services.challenges.names_in_channel(community_id, channel_external_id)
        return [(n, n) for n in names if typed in n.lower()]
    return []


async def _metrics(services: Services, community_id: int, typed: str) -> list[Choice]:
    """Metric names, and the aliases members type ("walk" offers steps)."""
    out: list[Choice] = []
    for m in await services.catalogue.metrics(community_id):
        if m.key.startswith(typed) or m.name.lower().startswith(typed):
            out.append((m.key, m.key))
        else:
            alias = next((a for a in m.aliases if a.lower().startswith(typed)), None)
            if alias is not None:
                out.append((_("{key} (you typed {alias})", key=m.key, alias=alias) if alias.lower() != typed
                            else f"{m.key} ({alias})", m.key))
    return out
