"""Members' own units: `units metric|imperial`, or for one metric (`units weight imperial`).
No row means the community's default (metric)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.vocabulary.clock import utc_iso
from storage.database import Database

EVERY_METRIC = ""
_CACHED_MEMBERS = 100_000   # members whose units are kept in memory (a few dozen bytes each)


class UnitPreferenceRepository:
    export_name = "units"

    def __init__(self, db: Database):
        self.db = db
        # Every `log` reads the member's units, and they change only through `set` and `delete_member`
        # here (a member's commands come to the one process that serves their community), so they
        # are kept in memory: on PostgreSQL that read was one of a log's three round trips. A write
        # bumps the generation, so a read that raced it is not kept.
        self._systems: dict[int, dict[str, str]] = {}
        self._generation = 0

    async def set(self, member_id: int, system: str, now: datetime, metric: str = EVERY_METRIC) -> None:
        """Choosing for every metric replaces the per-metric choices (one clear answer to "my units")."""
        try:
            async with self.db.transaction():
                if metric == EVERY_METRIC:
                    await self.db.execute("DELETE FROM member_units WHERE member_id=?", (member_id,))
                await self.db.execute(
                    "INSERT INTO member_units(member_id, metric, system, updated_at) VALUES (?,?,?,?) "
                    "ON CONFLICT(member_id, metric) DO UPDATE SET system=excluded.system, updated_at=excluded.updated_at",
                    (member_id, metric, system, utc_iso(now)))
        finally:
            self._forget_cached(member_id)

    async def systems(self, member_id: int) -> dict[str, str]:
        """metric key ('' for every metric) -> system."""
        cached = self._systems.get(member_id)
        if cached is None:
            generation = self._generation
            rows = await self.db.fetchall("SELECT metric, system FROM member_units WHERE member_id=?", (member_id,))
            cached = {r[0]: r[1] for r in rows}
            if generation == self._generation:
                if len(self._systems) >= _CACHED_MEMBERS:
                    self._systems.clear()
                self._systems[member_id] = cached
        return dict(cached)   # a copy: the caller may change it

    async def system(self, member_id: int, metric: str | None = None) -> str | None:
        """The member's units for one metric: its own choice, else their choice for every metric."""
        chosen = await self.systems(member_id)
        return chosen.get(metric or EVERY_METRIC, chosen.get(EVERY_METRIC))

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.db.fetchall(
            "SELECT metric, system, updated_at FROM member_units WHERE member_id=? ORDER BY metric", (member_id,))]

    async def delete_member(self, member_id: int) -> int:
        try:
            return await self.db.execute_rowcount("DELETE FROM member_units WHERE member_id=?", (member_id,))
        finally:
            self._forget_cached(member_id)

    def _forget_cached(self, member_id: int) -> None:
        self._generation += 1
        self._systems.pop(member_id, None)
