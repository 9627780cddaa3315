"""Imports: a batch of a member's days stored as one log, taken back whole by `undo`.

An import's values are ordinary entries (one active value per member, series and day), written in one
transaction and sharing one ``log_group`` (the first stored row's id), so everything that reads entries
(history, charts, check-ins, the gate) treats an imported day exactly like a typed one, and `undo`
takes back the import, every row of it. The ``imports`` row keeps what the member is told back (the
format's name, how many values were added and replaced, the days covered): never the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.vocabulary.clock import utc_iso
from storage.database import Database
from storage.entries import Entry, _entry

CHUNK = 500   # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class ImportRecord:
    id: int
    source: str
    log_group: int
    added: int
    replaced: int
    first_day: date
    last_day: date


@dataclass(frozen=True)
class Undone:
    record: ImportRecord
    removed: list[Entry]
    restored: int        # earlier values that are back (the days the import had replaced)


class ImportRepository:
    export_name = "imports"

    def __init__(self, db: Database):
        self.db = db

    async def held(self, member_id: int, keys: Iterable[str], first: date, last: date) -> dict[tuple[str, date], float]:
        """The member's active values of these series between two days: what an import would meet."""
        keys = sorted(set(keys))
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = await self.db.fetch_tuples(
            f"SELECT metric, day, value FROM entries WHERE member_id=? AND active=1 AND metric IN ({marks}) "
            "AND day >= ? AND day <= ?", (member_id, *keys, first.isoformat(), last.isoformat()))
        return {(metric, date.fromisoformat(day)): value for metric, day, value in rows}

    async def store(self, member_id: int, source: str, values: list[tuple[str, date, float]], now: datetime
                    ) -> ImportRecord | None:
        """Store ``values`` (series key, day, value) as one log: each replaces that day's active value
        of its series. A value equal to what the day already holds is not written again (a re-import
        of the same file changes nothing). None when nothing was new."""
        if not values:
            return None
        async with self.db.transaction():
            held = await self.held(member_id, {k for k, _d, _v in values}, min(d for _k, d, _v in values),
                                   max(d for _k, d, _v in values))
            ids = {}
            if held:
                keys = sorted({k for k, _d, _v in values})
                marks = ",".join("?" * len(keys))
                for row_id, metric, day in await self.db.fetch_tuples(
                        f"SELECT id, metric, day FROM entries WHERE member_id=? AND active=1 AND metric IN ({marks})",
                        (member_id, *keys)):
                    ids[(metric, date.fromisoformat(day))] = row_id
            fresh = [(k, d, v) for k, d, v in values if held.get((k, d)) != v]
            if not fresh:
                return None
            replaced = [ids[(k, d)] for k, d, _v in fresh if (k, d) in ids]
            for i in range(0, len(replaced), CHUNK):
                chunk = replaced[i:i + CHUNK]
                await self.db.execute(f"UPDATE entries SET active=0 WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            stamp = utc_iso(now)
            k0, d0, v0 = fresh[0]
            group = await self.db.insert(
                "INSERT INTO entries(member_id, metric, day, value, note, logged_at, replaces) VALUES (?,?,?,?,?,?,?) "
                "RETURNING id", (member_id, k0, d0.isoformat(), float(v0), None, stamp, ids.get((k0, d0))))
            await self.db.execute("UPDATE entries SET log_group=? WHERE id=?", (group, group))
            await self.db.executemany(
                "INSERT INTO entries(member_id, metric, day, value, note, logged_at, replaces, log_group) "
                "VALUES (?,?,?,?,?,?,?,?)",
                [(member_id, k, d.isoformat(), float(v), None, stamp, ids.get((k, d)), group) for k, d, v in fresh[1:]])
            days = [d for _k, d, _v in fresh]
            record_id = await self.db.insert(
                "INSERT INTO imports(member_id, source, log_group, added, replaced, first_day, last_day, created_at) "
                "VALUES (?,?,?,?,?,?,?,?) RETURNING id",
                (member_id, source, group, len(fresh) - len(replaced), len(replaced), min(days).isoformat(),
                 max(days).isoformat(), stamp))
        return ImportRecord(record_id, source, group, len(fresh) - len(replaced), len(replaced), min(days), max(days))

    async def of_group(self, member_id: int, log_group: int | None) -> ImportRecord | None:
        if log_group is None:
            return None
        row = await self.db.fetchone("SELECT * FROM imports WHERE member_id=? AND log_group=?", (member_id, log_group))
        return _record(row) if row is not None else None

    async def undo(self, member_id: int, record: ImportRecord) -> Undone:
        """Take back an import whole: its rows go, and the values it had replaced are back. A day the
        member logged again after the import keeps that later log; undoing that log later brings back
        what the day held before the import, never the imported value."""
        async with self.db.transaction():
            rows = await self.db.fetchall("SELECT * FROM entries WHERE member_id=? AND log_group=? ORDER BY id",
                                          (member_id, record.log_group))
            ours = [r["id"] for r in rows]
            removed = [_entry(r) for r in rows if r["active"]]
            # A later log that replaced an imported value now replaces what the import had replaced.
            await self.db.execute(
                "UPDATE entries SET replaces = (SELECT x.replaces FROM entries x WHERE x.id = entries.replaces) "
                "WHERE member_id=? AND (log_group IS NULL OR log_group <> ?) AND replaces IN "
                "(SELECT id FROM entries WHERE member_id=? AND log_group=? AND active=0)",
                (member_id, record.log_group, member_id, record.log_group))
            back = [r["replaces"] for r in rows if r["active"] and r["replaces"] is not None]
            for i in range(0, len(ours), CHUNK):
                chunk = ours[i:i + CHUNK]
                await self.db.execute(f"DELETE FROM entries WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            for i in range(0, len(back), CHUNK):
                chunk = back[i:i + CHUNK]
                await self.db.execute(f"UPDATE entries SET active=1 WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            await self.db.execute("DELETE FROM imports WHERE id=?", (record.id,))
        return Undone(record, removed, len(back))

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT source, added, replaced, first_day, last_day, created_at FROM imports WHERE member_id=? ORDER BY id",
            (member_id,))
        return [dict(zip(("source", "added", "replaced", "first_day", "last_day", "created_at"), tuple(r), strict=True))
                for r in rows]

    async def delete_member(self, member_id: int) -> int:
        return await self.db.execute_rowcount("DELETE FROM imports WHERE member_id=?", (member_id,))


def _record(row) -> ImportRecord:
    return ImportRecord(row["id"], row["source"], row["log_group"], row["added"], row["replaced"],
                        date.fromisoformat(row["first_day"]), date.fromisoformat(row["last_day"]))
