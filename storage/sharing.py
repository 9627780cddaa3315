"""Members' sharing levels, moderators' channel rules, and the effective level that combines them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable

from bot.clock import utc_iso
from bot.levels import Level, effective_level
from bot.reply import Destination
from storage.database import Database

ALL_METRICS = "*"


class SharingRepository:
    export_name = "sharing"

    def __init__(self, db: Database):
        self.db = db

    async def set_level(self, member_id: int, metric: str, level: Level, channel_id: int | None, now: datetime) -> Level:
        """Store a level and return the one it replaced (for take-back of posts that now say too much)."""
        async with self.db.transaction():
            before = await self.level(member_id, metric, channel_id)
            await self.db.execute(
                "DELETE FROM sharing WHERE member_id=? AND metric=? AND COALESCE(channel_id,0)=COALESCE(?,0)",
                (member_id, metric, channel_id))
            await self.db.execute(
                "INSERT INTO sharing(member_id, metric, channel_id, level, updated_at) VALUES (?,?,?,?,?)",
                (member_id, metric, channel_id, int(level), utc_iso(now)))
        return before

    async def level(self, member_id: int, metric: str, channel_id: int | None) -> Level:
        """The member's own level for a metric in a channel (its override, else their default)."""
        rows = await self.db.fetchall(
            "SELECT channel_id, level FROM sharing WHERE member_id=? AND metric=? AND (channel_id IS NULL OR channel_id=?)",
            (member_id, metric, channel_id if channel_id is not None else -1))
        by = {r[0]: Level(r[1]) for r in rows}
        if channel_id is not None and channel_id in by:
            return by[channel_id]
        return by.get(None, Level.PRIVATE)

    async def settings(self, member_id: int) -> list[tuple[str, int | None, Level]]:
        rows = await self.db.fetchall(
            "SELECT metric, channel_id, level FROM sharing WHERE member_id=? ORDER BY metric, channel_id IS NOT NULL, channel_id",
            (member_id,))
        return [(r[0], r[1], Level(r[2])) for r in rows]

    async def levels_for(self, member_ids: Iterable[int], metrics: Iterable[str], channel_id: int | None
                         ) -> dict[tuple[int, str], Level]:
        ids, mets = sorted(set(member_ids)), sorted(set(metrics))
        out: dict[tuple[int, str], Level] = {}
        overrides: dict[tuple[int, str], Level] = {}
        if not ids or not mets:
            return out
        mq = ",".join("?" * len(mets))
        channel = channel_id if channel_id is not None else -1
        if len(ids) > 900:
            # Many members (a big check-in): one query for the metrics in this channel, filtered here,
            # rather than a query per chunk of members.
            wanted = set(ids)
            rows = await self.db.fetchall(
                f"SELECT member_id, metric, channel_id, level FROM sharing WHERE metric IN ({mq}) "
                f"AND (channel_id IS NULL OR channel_id=?)", (*mets, channel))
            rows = [r for r in rows if r[0] in wanted]
        else:
            rows = await self.db.fetchall(
                f"SELECT member_id, metric, channel_id, level FROM sharing WHERE metric IN ({mq}) "
                f"AND member_id IN ({','.join('?' * len(ids))}) AND (channel_id IS NULL OR channel_id=?)",
                (*mets, *ids, channel))
        for m, metric, ch, level in rows:
            (out if ch is None else overrides)[(m, metric)] = Level(level)
        out.update(overrides)
        return out

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT s.metric, ch.name AS channel, s.level, s.updated_at FROM sharing s LEFT JOIN channels ch ON ch.id=s.channel_id "
            "WHERE s.member_id=?", (member_id,))
        return [{**dict(r), "level": Level(r["level"]).word} for r in rows]

    async def delete_member(self, member_id: int) -> int:
        return await self.db.execute_rowcount("DELETE FROM sharing WHERE member_id=?", (member_id,))


class ChannelRuleRepository:
    def __init__(self, db: Database, is_sensitive: Callable[[str], bool]):
        self.db = db
        self._is_sensitive = is_sensitive

    async def set_rule(self, channel_id: int, metric: str, cap: Level, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO channel_rules(channel_id, metric, cap, updated_at) VALUES (?,?,?,?) "
            "ON CONFLICT(channel_id, metric) DO UPDATE SET cap=excluded.cap, updated_at=excluded.updated_at",
            (channel_id, metric, int(cap), utc_iso(now)))

    async def rules(self, channel_id: int) -> dict[str, Level]:
        rows = await self.db.fetchall("SELECT metric, cap FROM channel_rules WHERE channel_id=?", (channel_id,))
        return {r[0]: Level(r[1]) for r in rows}

    async def caps(self, channel_id: int, metrics: Iterable[str]) -> dict[str, Level]:
        rules = await self.rules(channel_id)
        return {m: self.cap_from(rules, m) for m in metrics}

    def cap_from(self, rules: dict[str, Level], metric: str) -> Level:
        """A rule for the metric wins; else the channel-wide rule; sensitive metrics stay at `trend`
        unless a moderator names them explicitly, and with no rule at all the default applies."""
        default = Level.TREND if self._is_sensitive(metric) else Level.PUBLIC
        if metric in rules:
            return rules[metric]
        if ALL_METRICS in rules:
            return Level(min(rules[ALL_METRICS], default))
        return default


class EffectiveLevels:
    """The gate's view of the settings: for each (member, metric), the level a destination may see."""

    def __init__(self, sharing: SharingRepository, rules: ChannelRuleRepository):
        self.sharing = sharing
        self.rules = rules

    async def effective_levels(self, destination: Destination, pairs: set[tuple[int, str]]) -> dict[tuple[int, str], Level]:
        if destination.channel_id is None:
            return {p: Level.PRIVATE for p in pairs}   # a DM has no audience for other members' data
        metrics = {m for _, m in pairs}
        member_levels = await self.sharing.levels_for((m for m, _ in pairs), metrics, destination.channel_id)
        caps = await self.rules.caps(destination.channel_id, metrics)
        return {p: effective_level(member_levels.get(p, Level.PRIVATE), caps[p[1]]) for p in pairs}
