"""Metrics that moderators define for their community (e.g. `meditation min 0 240`)."""

from __future__ import annotations

from datetime import datetime

from bot.vocabulary.clock import utc_iso
from bot.vocabulary.metrics import MetricDef, custom_metric, format_alternatives, format_parts
from storage.database import Database


class CustomMetricRepository:
    def __init__(self, db: Database):
        self.db = db
        self._cache: dict[int, list[MetricDef]] = {}

    async def add(self, community_id: int, metric: MetricDef, now: datetime) -> bool:
        async with self.db.transaction():
            exists = await self.db.fetchval("SELECT 1 FROM custom_metrics WHERE community_id=? AND key=?", (community_id, metric.key))
            if exists:
                return False
            self._cache.pop(community_id, None)
            await self.db.execute(
                "INSERT INTO custom_metrics(community_id, key, unit, minimum, maximum, created_at, alternatives, parts) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (community_id, metric.key, metric.unit, metric.minimum, metric.maximum, utc_iso(now),
                 format_alternatives(metric.alternatives), format_parts(metric) if metric.paired else ""))
        return True

    async def for_community(self, community_id: int) -> list[MetricDef]:
        if community_id in self._cache:
            return self._cache[community_id]
        rows = await self.db.fetchall(
            "SELECT key, unit, minimum, maximum, alternatives, parts FROM custom_metrics WHERE community_id=? ORDER BY key",
            (community_id,))
        self._cache[community_id] = [custom_metric(r[0], r[1], r[2], r[3], stored=True, alternatives=r[4], parts=r[5] or None)
                                     for r in rows]
        return self._cache[community_id]
