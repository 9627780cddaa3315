"""Check-in schedules and who opted in where, weekly goals and reminder times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.vocabulary.clock import utc_iso
from storage.database import Database


@dataclass(frozen=True)
class CheckinSchedule:
    channel_id: int
    weekday: str
    time: str
    timezone: str
    created_at: datetime


class CheckinRepository:
    export_name = "checkins"

    def __init__(self, db: Database):
        self.db = db

    async def set_schedule(self, channel_id: int, weekday: str, time: str, tz: str, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO checkin_schedules(channel_id, weekday, time, timezone, created_at) VALUES (?,?,?,?,?) "
            "ON CONFLICT(channel_id) DO UPDATE SET weekday=excluded.weekday, time=excluded.time, timezone=excluded.timezone, "
            "created_at=excluded.created_at", (channel_id, weekday, time, tz, utc_iso(now)))

    async def schedule(self, channel_id: int) -> CheckinSchedule | None:
        row = await self.db.fetchone("SELECT * FROM checkin_schedules WHERE channel_id=?", (channel_id,))
        return None if row is None else _schedule(row)

    async def schedules(self) -> list[CheckinSchedule]:
        return [_schedule(r) for r in await self.db.fetchall("SELECT * FROM checkin_schedules")]

    async def join(self, member_id: int, channel_id: int, now: datetime) -> bool:
        async with self.db.transaction():
            row = await self.db.fetchone("SELECT paused_until FROM checkin_members WHERE member_id=? AND channel_id=?",
                                         (member_id, channel_id))
            if row is not None:
                await self.db.execute("UPDATE checkin_members SET paused_until=NULL WHERE member_id=? AND channel_id=?",
                                      (member_id, channel_id))
                return False
            await self.db.execute("INSERT INTO checkin_members(member_id, channel_id, joined_at) VALUES (?,?,?)",
                                  (member_id, channel_id, utc_iso(now)))
        return True

    async def leave(self, member_id: int, channel_id: int) -> bool:
        return await self.db.execute_rowcount("DELETE FROM checkin_members WHERE member_id=? AND channel_id=?",
                                              (member_id, channel_id)) > 0

    async def pause(self, member_id: int, channel_id: int, until: datetime) -> bool:
        return await self.db.execute_rowcount("UPDATE checkin_members SET paused_until=? WHERE member_id=? AND channel_id=?",
                                              (utc_iso(until), member_id, channel_id)) > 0

    async def active_members(self, channel_id: int, now: datetime) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT member_id FROM checkin_members WHERE channel_id=? AND (paused_until IS NULL OR paused_until <= ?) ORDER BY member_id",
            (channel_id, utc_iso(now)))
        return [r[0] for r in rows]

    async def memberships(self, member_id: int) -> list[int]:
        return [r[0] for r in await self.db.fetchall("SELECT channel_id FROM checkin_members WHERE member_id=?", (member_id,))]

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT ch.name AS channel, cm.joined_at, cm.paused_until FROM checkin_members cm JOIN channels ch ON ch.id=cm.channel_id "
            "WHERE cm.member_id=?", (member_id,))
        return [dict(r) for r in rows]

    async def delete_member(self, member_id: int) -> int:
        return await self.db.execute_rowcount("DELETE FROM checkin_members WHERE member_id=?", (member_id,))


class GoalRepository:
    export_name = "goals"

    def __init__(self, db: Database):
        self.db = db

    async def set(self, member_id: int, metric: str, weekly_value: float, now: datetime,
                  goal_value: float | None = None, goal_period: str = "week", direction: str | None = None) -> None:
        """``goal_value`` per ``goal_period`` ('day' or 'week') is what the member set; ``weekly_value``
        is its weekly equivalent (a day's goal x 7 for summed metrics, the same for averaged ones).
        ``direction`` ('up', 'down' or None) is what the goal says progress is (milestones read it)."""
        await self.db.execute(
            "INSERT INTO goals(member_id, metric, weekly_value, updated_at, goal_value, goal_period, direction) "
            "VALUES (?,?,?,?,?,?,?) "
            "ON CONFLICT(member_id, metric) DO UPDATE SET weekly_value=excluded.weekly_value, updated_at=excluded.updated_at, "
            "goal_value=excluded.goal_value, goal_period=excluded.goal_period, direction=excluded.direction",
            (member_id, metric, weekly_value, utc_iso(now), weekly_value if goal_value is None else goal_value, goal_period,
             direction))

    async def get(self, member_id: int, metric: str) -> dict[str, Any] | None:
        """One goal as set: goal_value, goal_period, weekly_value, direction."""
        row = await self.db.fetchone(
            "SELECT goal_value, goal_period, weekly_value, direction FROM goals WHERE member_id=? AND metric=?",
            (member_id, metric))
        return None if row is None else dict(row)

    async def for_members(self, member_ids: list[int]) -> dict[tuple[int, str], float]:
        out = {}
        for i in range(0, len(member_ids), 900):
            chunk = member_ids[i:i + 900]
            rows = await self.db.fetchall(
                f"SELECT member_id, metric, weekly_value FROM goals WHERE member_id IN ({','.join('?' * len(chunk))})", chunk)
            out.update({(r[0], r[1]): r[2] for r in rows})
        return out

    async def for_checkin(self, channel_id: int) -> dict[tuple[int, str], float]:
        rows = await self.db.fetchall(
            "SELECT g.member_id, g.metric, g.weekly_value FROM goals g JOIN checkin_members cm ON cm.member_id=g.member_id "
            "WHERE cm.channel_id=?", (channel_id,))
        return {(r[0], r[1]): r[2] for r in rows}

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.db.fetchall("SELECT metric, goal_value, goal_period, weekly_value, direction, updated_at FROM goals WHERE member_id=?", (member_id,))]

    async def delete_member(self, member_id: int) -> int:
        return await self.db.execute_rowcount("DELETE FROM goals WHERE member_id=?", (member_id,))


class ReminderRepository:
    export_name = "reminders"

    def __init__(self, db: Database):
        self.db = db

    async def set(self, member_id: int, time: str | None, now: datetime) -> None:
        if time is None:
            await self.db.execute("DELETE FROM reminders WHERE member_id=?", (member_id,))
        else:
            await self.db.execute(
                "INSERT INTO reminders(member_id, time, created_at) VALUES (?,?,?) "
                "ON CONFLICT(member_id) DO UPDATE SET time=excluded.time, created_at=excluded.created_at",
                (member_id, time, utc_iso(now)))

    async def all(self) -> list[tuple[int, str, str, datetime]]:
        rows = await self.db.fetchall(
            "SELECT r.member_id, r.time, m.timezone, r.created_at FROM reminders r JOIN members m ON m.id=r.member_id")
        return [(r[0], r[1], r[2], datetime.fromisoformat(r[3])) for r in rows]

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.db.fetchall("SELECT time, created_at FROM reminders WHERE member_id=?", (member_id,))]

    async def delete_member(self, member_id: int) -> int:
        return await self.db.execute_rowcount("DELETE FROM reminders WHERE member_id=?", (member_id,))


def _schedule(row) -> CheckinSchedule:
    return CheckinSchedule(row["channel_id"], row["weekday"], row["time"], row["timezone"], datetime.fromisoformat(row["created_at"]))
