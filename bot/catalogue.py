"""The metrics a community can log: the built-in catalogue plus its moderators' custom metrics."""

from __future__ import annotations

from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import _
from bot.vocabulary.metrics import BUILTIN_METRICS, MetricDef, means_all, resolve_metric
from bot.vocabulary.text import and_list, cap
from storage.custom_metrics import CustomMetricRepository

_BUILTIN = {m.key: m for m in BUILTIN_METRICS}


def is_sensitive(metric_key: str) -> bool:
    """Built-in sensitive metrics (weight, mood, heart rate, blood pressure) start capped at `trend` everywhere."""
    builtin = _BUILTIN.get(metric_key)
    return bool(builtin and builtin.sensitive)


def sensitive_names() -> str:
    """ "Resting heart rate, weight, mood and blood pressure": the built-in sensitive metrics, in the current language."""
    return cap(and_list(m.label for m in BUILTIN_METRICS if m.sensitive))


class Catalogue:
    def __init__(self, custom: CustomMetricRepository):
        self._custom = custom

    async def metrics(self, community_id: int) -> list[MetricDef]:
        """Built-in metrics and the community's own; a custom metric defined before a built-in of the
        same name existed (e.g. `distance`) keeps its meaning in that community."""
        custom = await self._custom.for_community(community_id)
        taken = {m.key for m in custom}
        return [*(m for m in BUILTIN_METRICS if m.key not in taken), *custom]

    async def resolve(self, community_id: int, text: str) -> MetricDef:
        return resolve_metric(text, await self.metrics(community_id))

    async def get(self, community_id: int, key: str) -> MetricDef | None:
        return next((m for m in await self.metrics(community_id) if m.key == key), None)

    async def resolve_many(self, community_id: int, text: str) -> list[MetricDef]:
        """`all` means every metric the community knows today."""
        if means_all(text):
            return await self.metrics(community_id)
        return [await self.resolve(community_id, text)]

    async def add_custom(self, community_id: int, metric: MetricDef, now) -> None:
        known = await self.metrics(community_id)
        clash = {m.key for m in known} | {a for m in known for a in m.aliases}
        if metric.key in clash:
            raise UserError(_("There is already a metric called `{key}`.", key=metric.key))
        if not await self._custom.add(community_id, metric, now):
            raise UserError(_("There is already a metric called `{key}`.", key=metric.key))
