"""Accountability partners: grants from one member to one other member, and who may not invite whom.

A grant says "``partner_id`` may see ``member_id``'s ``metric`` at ``level``" (`all` is one grant per
metric); it shows nothing until its status is ``active`` (the partner accepted). An open invite (a new
grant, or a wider level for an active one) lapses after :data:`INVITE_DAYS`. A declined invite stays
on the inviter's side as unanswered until then, so a decline looks like no answer; afterwards the
refusal (declined or blocked) stops the inviter from asking again, in the same words as any other
invite that can't be sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.vocabulary.clock import utc_iso
from bot.vocabulary.levels import Level
from storage.database import Database

INVITE_DAYS = 14
PENDING, ACTIVE = "pending", "active"
DECLINED, BLOCKED = "declined", "blocked"


@dataclass(frozen=True)
class Grant:
    id: int
    member_id: int        # whose data
    partner_id: int       # who sees it
    metric: str           # a metric key
    level: Level
    status: str
    created_at: str
    asked_level: Level | None = None   # an open invite: the level asked for (a pending grant, or a wider one)
    asked_at: str | None = None
    declined_at: str | None = None


class PartnerRepository:
    export_name = "partners"

    def __init__(self, db: Database):
        self.db = db

    # -- grants --------------------------------------------------------------------------------
    async def invite(self, member_id: int, partner_id: int, metric: str, level: Level, now: datetime) -> Grant | None:
        """Ask the partner to accept a grant, or change one. A new grant is pending; a wider level on an
        active grant waits for the partner's yes (the grant keeps its level until then); a lower one
        takes effect at once. Returns the grant as it was before (None: there was none)."""
        async with self.db.transaction():
            row = await self.db.fetchone("SELECT * FROM partnerships WHERE member_id=? AND partner_id=? AND metric=?",
                                         (member_id, partner_id, metric))
            if row is None:
                await self.db.execute(
                    "INSERT INTO partnerships(member_id, partner_id, metric, level, status, created_at, asked_level, asked_at) "
                    "VALUES (?,?,?,?,?,?,?,?)",
                    (member_id, partner_id, metric, int(level), PENDING, utc_iso(now), int(level), utc_iso(now)))
                return None
            before = _grant(row)
            if before.status == PENDING:
                if before.declined_at is None:
                    await self.db.execute("UPDATE partnerships SET level=?, asked_level=? WHERE id=?",
                                          (int(level), int(level), before.id))
            elif level > before.level:
                if before.declined_at is None:
                    await self.db.execute("UPDATE partnerships SET asked_level=?, asked_at=? WHERE id=?",
                                          (int(level), utc_iso(now), before.id))
            else:
                await self.db.execute("UPDATE partnerships SET level=?, asked_level=NULL, asked_at=NULL, declined_at=NULL "
                                      "WHERE id=?", (int(level), before.id))
            return before

    async def accept(self, member_id: int, partner_id: int, now: datetime) -> list[Grant]:
        """The partner accepts every open invite (and wider level) from ``member_id``; returns the grants made active."""
        async with self.db.transaction():
            open_ = await self.invites_between(member_id, partner_id, now)
            for g in open_:
                await self.db.execute(
                    "UPDATE partnerships SET status=?, level=?, accepted_at=?, asked_level=NULL, asked_at=NULL WHERE id=?",
                    (ACTIVE, int(g.asked_level or g.level), utc_iso(now), g.id))
            ids = {g.id for g in open_}
            return [g for g in await self.grants_between(member_id, partner_id) if g.id in ids]

    async def invites_between(self, member_id: int, partner_id: int, now: datetime) -> list[Grant]:
        """Open invites from member to partner the partner may still answer: pending grants and wider
        levels asked for, neither declined nor lapsed."""
        return [g for g in await self.grants_between(member_id, partner_id, include_pending=True)
                if g.asked_level is not None and g.declined_at is None and not _lapsed(g, now)]

    async def invites_to(self, partner_id: int, now: datetime) -> list[Grant]:
        """Every open invite a member may answer."""
        rows = await self.db.fetchall("SELECT * FROM partnerships WHERE partner_id=? AND asked_level IS NOT NULL "
                                      "AND declined_at IS NULL ORDER BY id", (partner_id,))
        return [g for g in map(_grant, rows) if not _lapsed(g, now)]

    async def asked_by(self, member_id: int, now: datetime) -> list[Grant]:
        """The member's own open invites as they see them: declined ones look unanswered until they lapse."""
        rows = await self.db.fetchall("SELECT * FROM partnerships WHERE member_id=? AND asked_level IS NOT NULL ORDER BY id",
                                      (member_id,))
        return [g for g in map(_grant, rows) if not _lapsed(g, now)]

    async def decline(self, member_id: int, partner_id: int, now: datetime) -> int:
        """The partner says no to the open invites from member: nothing is shared, and the inviter sees
        them as unanswered until they lapse. Returns how many there were."""
        async with self.db.transaction():
            return await self.db.execute_rowcount(
                "UPDATE partnerships SET declined_at=? WHERE member_id=? AND partner_id=? AND asked_level IS NOT NULL "
                "AND declined_at IS NULL", (utc_iso(now), member_id, partner_id))

    async def grants_between(self, member_id: int, partner_id: int, include_pending: bool = False) -> list[Grant]:
        rows = await self.db.fetchall(
            "SELECT * FROM partnerships WHERE member_id=? AND partner_id=? ORDER BY metric", (member_id, partner_id))
        return [g for g in map(_grant, rows) if include_pending or g.status == ACTIVE]

    async def grants_involving(self, member_id: int) -> list[Grant]:
        """Every grant, pending or active, where the member shares or sees."""
        rows = await self.db.fetchall(
            "SELECT * FROM partnerships WHERE member_id=? OR partner_id=? ORDER BY id", (member_id, member_id))
        return [_grant(r) for r in rows]

    async def active_grants(self) -> list[Grant]:
        rows = await self.db.fetchall("SELECT * FROM partnerships WHERE status=? ORDER BY member_id, partner_id, metric",
                                      (ACTIVE,))
        return [_grant(r) for r in rows]

    async def remove(self, member_id: int, partner_id: int, metric: str | None = None) -> int:
        """Remove a grant (one metric, or every grant from member to partner)."""
        async with self.db.transaction():
            sql = "FROM partnerships WHERE member_id=? AND partner_id=?"
            params: list[int | str] = [member_id, partner_id]
            if metric is not None:
                sql += " AND metric=?"
                params.append(metric)
            return await self.db.execute_rowcount("DELETE " + sql, params)

    async def end(self, a: int, b: int, now: datetime) -> int:
        """``a`` ends everything with ``b``, both ways: grants go; an invite from ``b`` still open is
        declined instead, so that on b's side it reads as unanswered until it lapses. Returns how many
        grants and invites there were."""
        async with self.db.transaction():
            declined = await self.decline(b, a, now)
            n = await self.remove(a, b)
            n += await self.db.execute_rowcount(
                "DELETE FROM partnerships WHERE member_id=? AND partner_id=? AND NOT (status=? AND declined_at IS NOT NULL)",
                (b, a, PENDING))
        return n + declined

    async def first_accepted(self) -> datetime | None:
        """When the first active partnership began (the weekly summary's schedule starts there)."""
        value = await self.db.fetchval("SELECT MIN(accepted_at) FROM partnerships WHERE status=?", (ACTIVE,))
        return datetime.fromisoformat(value) if value else None

    async def levels_to(self, viewer_id: int, pairs: set[tuple[int, str]]) -> dict[tuple[int, str], Level]:
        """What ``viewer_id`` may see of each (member, metric) through active grants to them."""
        owners = sorted({m for m, _ in pairs})
        if not owners:
            return {}
        rows = await self.db.fetchall(
            f"SELECT member_id, metric, level FROM partnerships WHERE partner_id=? AND status=? "
            f"AND member_id IN ({','.join('?' * len(owners))})", (viewer_id, ACTIVE, *owners))
        granted = {(r[0], r[1]): Level(r[2]) for r in rows}
        return {p: granted[p] for p in pairs if granted.get(p, Level.PRIVATE) > Level.PRIVATE}

    async def attributed(self, pairs: set[tuple[int, str]]) -> dict[tuple[int, str], Level]:
        """For (member, metric) pairs some partner sees by name, the most revealing such level: a
        partner reads channels too, so such a value is never anonymous inside a group figure."""
        owners = sorted({m for m, _ in pairs})
        if not owners:
            return {}
        rows = await self.db.fetchall(
            f"SELECT member_id, metric, MAX(level) FROM partnerships WHERE status=? "
            f"AND member_id IN ({','.join('?' * len(owners))}) GROUP BY member_id, metric", (ACTIVE, *owners))
        best = {(r[0], r[1]): Level(r[2]) for r in rows}
        return {p: best[p] for p in pairs if best.get(p, Level.PRIVATE) >= Level.TREND}

    async def lapse(self, now: datetime) -> int:
        """Open invites older than INVITE_DAYS are gone (a wider level asked for: the grant keeps its level)."""
        cutoff = utc_iso(now - timedelta(days=INVITE_DAYS))
        async with self.db.transaction():
            n = await self.db.execute_rowcount("DELETE FROM partnerships WHERE status=? AND asked_at<?", (PENDING, cutoff))
            await self.db.execute("UPDATE partnerships SET asked_level=NULL, asked_at=NULL, declined_at=NULL "
                                  "WHERE status=? AND asked_at<?", (ACTIVE, cutoff))
        return n

    # -- refusals ------------------------------------------------------------------------------
    async def refuse(self, member_id: int, other_id: int, kind: str, now: datetime) -> None:
        """``member_id`` no longer takes invites from ``other_id`` (a block outranks a decline)."""
        existing = await self.refusal(member_id, other_id)
        if existing == BLOCKED and kind == DECLINED:
            return
        await self.db.execute(
            "INSERT INTO partner_blocks(member_id, other_id, kind, created_at) VALUES (?,?,?,?) "
            "ON CONFLICT(member_id, other_id) DO UPDATE SET kind=excluded.kind, created_at=excluded.created_at",
            (member_id, other_id, kind, utc_iso(now)))

    async def refusal(self, member_id: int, other_id: int) -> str | None:
        row = await self.db.fetchone("SELECT kind FROM partner_blocks WHERE member_id=? AND other_id=?", (member_id, other_id))
        return row[0] if row else None

    async def unrefuse(self, member_id: int, other_id: int) -> bool:
        """``member_id`` takes invites from ``other_id`` again: the refusal goes, and so do the declined
        invites from them (a new invite starts afresh)."""
        async with self.db.transaction():
            await self.db.execute("DELETE FROM partnerships WHERE member_id=? AND partner_id=? AND status=? "
                                  "AND declined_at IS NOT NULL", (other_id, member_id, PENDING))
            await self.db.execute("UPDATE partnerships SET asked_level=NULL, asked_at=NULL, declined_at=NULL "
                                  "WHERE member_id=? AND partner_id=? AND declined_at IS NOT NULL", (other_id, member_id))
            return await self.db.execute_rowcount("DELETE FROM partner_blocks WHERE member_id=? AND other_id=?",
                                                  (member_id, other_id)) > 0

    async def refusals_by(self, member_id: int) -> list[tuple[int, str]]:
        rows = await self.db.fetchall("SELECT other_id, kind FROM partner_blocks WHERE member_id=? ORDER BY created_at",
                                      (member_id,))
        return [(r[0], r[1]) for r in rows]

    # -- the member-data contract --------------------------------------------------------------
    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        """The member's grants both ways, and the refusals they made (not those made about them:
        whether someone blocked you is theirs to keep)."""
        rows = await self.db.fetchall(
            "SELECT p.metric, p.level, p.status, p.created_at, p.accepted_at, o.display_name AS owner, "
            "v.display_name AS partner, CASE WHEN p.member_id=? THEN 'you share' ELSE 'you see' END AS direction "
            "FROM partnerships p JOIN members o ON o.id=p.member_id JOIN members v ON v.id=p.partner_id "
            "WHERE p.member_id=? OR p.partner_id=? ORDER BY p.id", (member_id, member_id, member_id))
        out = [{**dict(r), "level": Level(r["level"]).word} for r in rows]
        refusals = await self.db.fetchall(
            "SELECT o.display_name AS other, b.kind, b.created_at FROM partner_blocks b JOIN members o ON o.id=b.other_id "
            "WHERE b.member_id=? ORDER BY b.created_at", (member_id,))
        out.extend({"direction": f"you {r['kind']} invites from", "partner": r["other"], "created_at": r["created_at"],
                    "metric": "", "level": "", "status": "", "accepted_at": None, "owner": ""} for r in refusals)
        return out

    async def delete_member(self, member_id: int) -> int:
        async with self.db.transaction():
            n = await self.db.execute_rowcount("DELETE FROM partnerships WHERE member_id=? OR partner_id=?",
                                               (member_id, member_id))
            n += await self.db.execute_rowcount("DELETE FROM partner_blocks WHERE member_id=? OR other_id=?",
                                                (member_id, member_id))
        return n


def _lapsed(g: Grant, now: datetime) -> bool:
    return (g.asked_at or g.created_at) < utc_iso(now - timedelta(days=INVITE_DAYS))


def _grant(row) -> Grant:
    asked = row["asked_level"]
    return Grant(row["id"], row["member_id"], row["partner_id"], row["metric"], Level(row["level"]), row["status"],
                 row["created_at"], None if asked is None else Level(asked), row["asked_at"], row["declined_at"])
