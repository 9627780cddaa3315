"""Members' sharing levels and moderators' channel rules, as stored. What they mean together for one
audience is gate policy, in bot/audience.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from bot.vocabulary.clock import utc_iso
from bot.vocabulary.levels import Level
from storage.database import Database

_LEVELS = {int(level): level for level in Level}   # a stored level as a Level, without an enum call per row (10,000 in a check-in)

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
            rows = await self.db.fetch_tuples(
                f"SELECT member_id, metric, channel_id, level FROM sharing WHERE metric IN ({mq}) "
                f"AND (channel_id IS NULL OR channel_id=?)", (*mets, channel))
            rows = [r for r in rows if r[0] in wanted]
        else:
            rows = await self.db.fetchall(
                f"SELECT member_id, metric, channel_id, level FROM sharing WHERE metric IN ({mq}) "
                f"AND member_id IN ({','.join('?' * len(ids))}) AND (channel_id IS NULL OR channel_id=?)",
                (*mets, *ids, channel))
        for m, metric, ch, level in rows:
            (out if ch is None else overrides)[(m, metric)] = _LEVELS[level]
        out.update(overrides)
        return out

    async def levels_everywhere(self, member_ids: Iterable[int], metrics: Iterable[str]
                                ) -> dict[tuple[int, str], tuple[Level, dict[int, Level]]]:
        """Each (member, metric)'s default level and its per-channel overrides, in one query."""
        ids, mets = sorted(set(member_ids)), sorted(set(metrics))
        out: dict[tuple[int, str], tuple[Level, dict[int, Level]]] = {}
        if not ids or not mets:
            return out
        wanted = set(ids)
        rows = await self.db.fetch_tuples(
            f"SELECT member_id, metric, channel_id, level FROM sharing WHERE metric IN ({','.join('?' * len(mets))})"
            + ("" if len(ids) > 900 else f" AND member_id IN ({','.join('?' * len(ids))})"),
            (*mets, *([] if len(ids) > 900 else ids)))
        for m, metric, ch, level in rows:
            if m not in wanted:
                continue
            default, overrides = out.get((m, metric), (Level.PRIVATE, {}))
            if ch is None:
                default = _LEVELS[level]
            else:
                overrides = {**overrides, ch: _LEVELS[level]}
            out[(m, metric)] = (default, overrides)
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

    async def set_channel_wide(self, channel_id: int, cap: Level, now: datetime) -> dict[str, Level]:
        """`all` replaces the channel's per-metric rules; returns the ones it replaced."""
        async with self.db.transaction():
            replaced = {m: lv for m, lv in (await self.rules(channel_id)).items() if m != ALL_METRICS}
            await self.db.execute("DELETE FROM channel_rules WHERE channel_id=?", (channel_id,))
            await self.set_rule(channel_id, ALL_METRICS, cap, now)
        return replaced

    async def rules_in_community(self, community_id: int) -> dict[int, dict[str, Level]]:
        """Every channel of a community the bot knows, with its rules (empty: defaults apply)."""
        out: dict[int, dict[str, Level]] = {r[0]: {} for r in await self.db.fetchall(
            "SELECT id FROM channels WHERE community_id=?", (community_id,))}
        for ch, metric, cap in await self.db.fetchall(
                "SELECT r.channel_id, r.metric, r.cap FROM channel_rules r JOIN channels c ON c.id=r.channel_id "
                "WHERE c.community_id=?", (community_id,)):
            out.setdefault(ch, {})[metric] = Level(cap)
        return out

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
