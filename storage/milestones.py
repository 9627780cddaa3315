"""Milestones: who opted in for which metric, what was found, and the private offer to share it.

An offer is ``open`` until the member answers it (``shared`` or ``declined``) or a day passes
(``lapsed``, set when it is next looked at). `undo` of the log that made one deletes it (what it
celebrated is gone; a shared one's post is taken back); `milestones off` deletes the open ones it covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.vocabulary.clock import utc_iso
from storage.database import Database

EVERY_METRIC = ""
OPEN, SHARED, DECLINED, LAPSED = "open", "shared", "declined", "lapsed"
_CACHED_MEMBERS = 100_000


@dataclass(frozen=True)
class StoredMilestone:
    id: int
    member_id: int
    metric: str
    kind: str
    day: date
    value: float
    entry_id: int | None
    channel_id: int | None
    status: str
    expires_at: datetime
    post_id: int | None = None


@dataclass(frozen=True)
class Found:
    """A milestone to record (bot.milestones.Milestone in storage's terms)."""

    kind: str
    slug: str
    day: date
    value: float


class MilestoneRepository:
    export_name = "milestones"

    def __init__(self, db: Database):
        self.db = db
        # Every `log` asks whether the member wants milestones; the answer changes only through this
        # repository (a member's commands come to one process), so it is kept in memory like units.
        self._settings: dict[int, dict[str, bool]] = {}
        self._generation = 0

    # -- opting in -----------------------------------------------------------------------------
    async def set_enabled(self, member_id: int, enabled: bool, now: datetime, metric: str = EVERY_METRIC) -> None:
        """For every metric (``metric`` ''), replacing the per-metric choices, or for one metric."""
        try:
            async with self.db.transaction():
                if metric == EVERY_METRIC:
                    await self.db.execute("DELETE FROM milestone_settings WHERE member_id=?", (member_id,))
                    if not enabled:
                        return
                await self.db.execute(
                    "INSERT INTO milestone_settings(member_id, metric, enabled, updated_at) VALUES (?,?,?,?) "
                    "ON CONFLICT(member_id, metric) DO UPDATE SET enabled=excluded.enabled, updated_at=excluded.updated_at",
                    (member_id, metric, 1 if enabled else 0, utc_iso(now)))
        finally:
            self._forget_cached(member_id)

    async def settings(self, member_id: int) -> dict[str, bool]:
        """metric key ('' for every metric) -> on or off."""
        cached = self._settings.get(member_id)
        if cached is None:
            generation = self._generation
            rows = await self.db.fetchall("SELECT metric, enabled FROM milestone_settings WHERE member_id=?", (member_id,))
            cached = {r[0]: bool(r[1]) for r in rows}
            if generation == self._generation:
                if len(self._settings) >= _CACHED_MEMBERS:
                    self._settings.clear()
                self._settings[member_id] = cached
        return dict(cached)

    async def enabled(self, member_id: int, metric: str) -> bool:
        chosen = await self.settings(member_id)
        return chosen.get(metric, chosen.get(EVERY_METRIC, False))

    # -- what was found ------------------------------------------------------------------------
    async def record(self, member_id: int, metric: str, found: Iterable[Found], entry_id: int | None,
                     channel_id: int | None, now: datetime, expires: datetime) -> list[StoredMilestone]:
        """Store what a log found, as open offers; returns only the new ones (the same milestone found
        again, e.g. by a second log that day, is not offered twice)."""
        new: list[StoredMilestone] = []
        for f in found:
            added = await self.db.execute_rowcount(
                "INSERT INTO milestones(member_id, metric, kind, slug, day, value, entry_id, channel_id, status, "
                "created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(member_id, metric, slug) DO NOTHING",
                (member_id, metric, f.kind, f.slug, f.day.isoformat(), float(f.value), entry_id, channel_id, OPEN,
                 utc_iso(now), utc_iso(expires)))
            if added:
                row = await self.db.fetchone("SELECT * FROM milestones WHERE member_id=? AND metric=? AND slug=?",
                                             (member_id, metric, f.slug))
                new.append(_stored(row))
        return new

    async def last_goal_day(self, member_id: int, metric: str) -> date | None:
        day = await self.db.fetchval("SELECT MAX(day) FROM milestones WHERE member_id=? AND metric=? AND kind='goal'",
                                     (member_id, metric))
        return date.fromisoformat(day) if day else None

    async def open_offers(self, member_id: int, now: datetime, ids: Sequence[int] = ()) -> list[StoredMilestone]:
        """The member's unanswered offers (only ``ids``, if given), oldest first; those a day old
        are marked lapsed first and not returned."""
        await self.db.execute("UPDATE milestones SET status=? WHERE member_id=? AND status=? AND expires_at<=?",
                              (LAPSED, member_id, OPEN, utc_iso(now)))
        rows = await self.db.fetchall("SELECT * FROM milestones WHERE member_id=? AND status=? ORDER BY id",
                                      (member_id, OPEN))
        found = [_stored(r) for r in rows]
        return [m for m in found if m.id in set(ids)] if ids else found

    async def by_ids(self, member_id: int, ids: Sequence[int]) -> list[StoredMilestone]:
        """The member's own milestones among ``ids`` (never anyone else's), whatever their status."""
        if not ids:
            return []
        rows = await self.db.fetchall(
            f"SELECT * FROM milestones WHERE member_id=? AND id IN ({','.join('?' * len(ids))}) ORDER BY id",
            (member_id, *ids))
        return [_stored(r) for r in rows]

    async def set_status(self, member_id: int, ids: Sequence[int], status: str, post_id: int | None = None) -> None:
        if ids:
            await self.db.execute(
                f"UPDATE milestones SET status=?, post_id=? WHERE member_id=? AND id IN ({','.join('?' * len(ids))})",
                (status, post_id, member_id, *ids))

    async def withdraw_for_entries(self, member_id: int, entry_ids: Sequence[int],
                                   kinds: Sequence[str] = ("best", "streak", "goal")) -> list[StoredMilestone]:
        """What those logs made no longer holds (`undo`, a replaced value): those milestones are deleted,
        whatever their answer; returns them (an open one's offer is withdrawn, a shared one's post
        taken back by the caller)."""
        if not entry_ids or not kinds:
            return []
        where = (f"member_id=? AND entry_id IN ({','.join('?' * len(entry_ids))}) "
                 f"AND kind IN ({','.join('?' * len(kinds))})")
        params = (member_id, *entry_ids, *kinds)
        async with self.db.transaction():
            rows = await self.db.fetchall(f"SELECT * FROM milestones WHERE {where}", params)
            await self.db.execute(f"DELETE FROM milestones WHERE {where}", params)
        return [_stored(r) for r in rows]

    async def withdraw_open(self, member_id: int, metric: str = EVERY_METRIC) -> int:
        """`milestones off`: the open offers it covers are deleted (the member is asked nothing more)."""
        if metric == EVERY_METRIC:
            return await self.db.execute_rowcount("DELETE FROM milestones WHERE member_id=? AND status=?",
                                                  (member_id, OPEN))
        return await self.db.execute_rowcount("DELETE FROM milestones WHERE member_id=? AND metric=? AND status=?",
                                              (member_id, metric, OPEN))

    async def delete_before(self, community_id: int, day: date) -> int:
        """Retention: milestones about days older than ``day`` go with the entries they were about."""
        return await self.db.execute_rowcount(
            "DELETE FROM milestones WHERE day < ? AND member_id IN (SELECT id FROM members WHERE community_id=?)",
            (day.isoformat(), community_id))

    # -- the member-data contract --------------------------------------------------------------
    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        settings = await self.db.fetchall(
            "SELECT metric, enabled, updated_at FROM milestone_settings WHERE member_id=? ORDER BY metric", (member_id,))
        found = await self.db.fetchall(
            "SELECT m.metric, m.kind, m.day, m.value, m.status, m.created_at, m.expires_at, ch.name AS channel "
            "FROM milestones m LEFT JOIN channels ch ON ch.id=m.channel_id WHERE m.member_id=? ORDER BY m.id", (member_id,))
        blank = {"metric": "", "enabled": None, "kind": None, "day": None, "value": None, "status": None,
                 "channel": None, "created_at": None, "expires_at": None, "updated_at": None}   # one CSV header for both
        return ([{"record": "setting", **blank, "metric": r["metric"] or "every metric", "enabled": bool(r["enabled"]),
                  "updated_at": r["updated_at"]} for r in settings]
                + [{"record": "milestone", **blank, **dict(r)} for r in found])

    async def delete_member(self, member_id: int) -> int:
        try:
            async with self.db.transaction():
                a = await self.db.execute_rowcount("DELETE FROM milestones WHERE member_id=?", (member_id,))
                b = await self.db.execute_rowcount("DELETE FROM milestone_settings WHERE member_id=?", (member_id,))
            return a + b
        finally:
            self._forget_cached(member_id)

    def _forget_cached(self, member_id: int) -> None:
        self._generation += 1
        self._settings.pop(member_id, None)


def _stored(row) -> StoredMilestone:
    return StoredMilestone(row["id"], row["member_id"], row["metric"], row["kind"], date.fromisoformat(row["day"]),
                           row["value"], row["entry_id"], row["channel_id"], row["status"],
                           datetime.fromisoformat(row["expires_at"]), row["post_id"])
