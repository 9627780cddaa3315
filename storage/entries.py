"""Logged values. One active value per member, metric and day; history is kept for undo."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.vocabulary.clock import utc_iso
from storage.database import Database, SetWrite


@dataclass(frozen=True)
class Entry:
    id: int
    member_id: int
    metric: str
    day: date
    value: float
    note: str | None
    replaces: int | None
    log_group: int | None = None   # rows written by one log (a pair's parts) share it: undone together


@dataclass(frozen=True)
class LogResult:
    entry: Entry
    previous: float | None   # the value it replaced that day, if any


@dataclass(frozen=True, slots=True)
class CheckinFigures:
    """One member's metric as a weekly check-in reads it (:meth:`EntryRepository.checkin_week`).

    ``week`` holds the week's (ISO day, value) in day order; bit ``i`` of ``logged`` is set when a
    value is on the day ``i`` days before the week's last day (for streaks, up to the lookback). The
    previous week and the lookback before this week (the member's usual) come as sums and counts of
    days: the database adds them up, so their last binary digit may differ from adding the days one
    by one in Python for fractional values (never for whole numbers such as steps), which is far
    below anything a post shows or bands."""

    week: list[tuple[str, float]]
    logged: int
    prev_sum: float | None
    prev_days: int
    earlier_sum: float | None
    earlier_days: int


class EntryRepository:
    export_name = "entries"

    def __init__(self, db: Database):
        self.db = db

    async def log(self, member_id: int, metric: str, day: date, value: float, note: str | None, now: datetime,
                  add: bool = False) -> LogResult:
        """Store a value, replacing that day's earlier one, or with ``add`` adding to it (the new row
        holds the day's total and replaces the old row, so `undo` takes back exactly this log).
        Returns after it is committed; ``entry.value`` is what the day now holds. Either may run
        together with other members' logs as one statement on PostgreSQL (:data:`LOG_MANY`,
        :data:`ADD_MANY`)."""

        row = (member_id, metric, day.isoformat(), float(value), note, utc_iso(now))

        def write(w):   # a write script (see storage.database.Statements): runs on SQLite and PostgreSQL
            old = yield w.fetchone("SELECT id, value, note FROM entries WHERE member_id=? AND metric=? AND day=? AND active=1",
                                   row[:3])
            if old is not None:
                yield w.execute("UPDATE entries SET active=0 WHERE id=?", (old[0],))
            total = value + old[1] if add and old is not None else value
            kept_note = note if note is not None or not add or old is None else old[2]
            new_id = yield w.insert(
                "INSERT INTO entries(member_id, metric, day, value, note, logged_at, replaces) VALUES (?,?,?,?,?,?,?) "
                "RETURNING id",
                (member_id, metric, day.isoformat(), total, kept_note, utc_iso(now), old[0] if old else None))
            if add:
                return new_id, (old[0] if old else None), (old[1] if old else None), total, kept_note
            return new_id, (old[0] if old else None), (old[1] if old else None)   # LOG_MANY's shape

        if add:
            new_id, replaced, previous, total, kept_note = await self.db.write(SetWrite(ADD_MANY, row, row[:3], write))
            return LogResult(Entry(new_id, member_id, metric, day, total, kept_note, replaced), previous)
        new_id, replaced, previous = await self.db.write(SetWrite(LOG_MANY, row, row[:3], write))
        return LogResult(Entry(new_id, member_id, metric, day, value, note, replaced), previous)

    async def log_together(self, member_id: int, values: list[tuple[str, float]], day: date, note: str | None,
                           now: datetime) -> list[LogResult]:
        """Store several values as ONE log (a paired metric's parts under their series keys, e.g.
        ``bp.systolic`` and ``bp.diastolic``, and a pulse named with them): each replaces that day's
        value of its own series, and all share ``log_group`` (the first row's id), so `undo` takes back
        exactly this log, every row of it. The note goes with each row (an export shows it with each part)."""
        if not values or len({k for k, _v in values}) != len(values):
            raise ValueError("one value per series key")
        results: list[LogResult] = []
        async with self.db.transaction():
            group: int | None = None
            for key, value in values:
                old = await self.db.fetchone(
                    "SELECT id, value FROM entries WHERE member_id=? AND metric=? AND day=? AND active=1",
                    (member_id, key, day.isoformat()))
                if old is not None:
                    await self.db.execute("UPDATE entries SET active=0 WHERE id=?", (old[0],))
                new_id = await self.db.insert(
                    "INSERT INTO entries(member_id, metric, day, value, note, logged_at, replaces, log_group) "
                    "VALUES (?,?,?,?,?,?,?,?) RETURNING id",
                    (member_id, key, day.isoformat(), float(value), note, utc_iso(now), old[0] if old else None, group))
                if group is None:
                    group = new_id
                    await self.db.execute("UPDATE entries SET log_group=? WHERE id=?", (group, new_id))
                results.append(LogResult(Entry(new_id, member_id, key, day, float(value), note,
                                               old[0] if old else None, group), old[1] if old else None))
        return results

    async def latest(self, member_id: int, metric: str, since: date) -> float | None:
        """The member's most recent value of a metric on or after ``since`` (to spot a unit mix-up).
        Read before most logs: many members' at once are one statement on PostgreSQL (:data:`LATEST`)."""
        return await self.db.read(LATEST, (member_id, metric, since.isoformat()))

    async def undo_last(self, member_id: int) -> tuple[Entry, float | None] | None:
        """Remove the member's newest active log; bring back the value it replaced. Returns (removed,
        restored) of its newest row; a log of several rows (:meth:`log_together`) goes as a whole."""
        undone = await self.undo_last_log(member_id)
        return undone[-1] if undone else None

    async def newest_log_group(self, member_id: int) -> int | None:
        """The ``log_group`` of the member's newest active log (None: a single-row log, or nothing)."""
        return await self.db.fetchval(
            "SELECT log_group FROM entries WHERE member_id=? AND active=1 ORDER BY id DESC LIMIT 1", (member_id,))

    async def undo_last_log(self, member_id: int) -> list[tuple[Entry, float | None]]:
        """Remove every active row of the member's newest log (one row, or all rows of its
        ``log_group``) and bring back what each replaced: [(removed, restored)] in the order logged."""
        out: list[tuple[Entry, float | None]] = []
        async with self.db.transaction():
            row = await self.db.fetchone(
                "SELECT * FROM entries WHERE member_id=? AND active=1 ORDER BY id DESC LIMIT 1", (member_id,))
            if row is None:
                return out
            rows = [row]
            if row["log_group"] is not None:
                rows = await self.db.fetchall(
                    "SELECT * FROM entries WHERE member_id=? AND active=1 AND log_group=? ORDER BY id",
                    (member_id, row["log_group"]))
            for r in rows:
                await self.db.execute("DELETE FROM entries WHERE id=?", (r["id"],))
                restored = None
                if r["replaces"] is not None:
                    await self.db.execute("UPDATE entries SET active=1 WHERE id=?", (r["replaces"],))
                    restored = await self.db.fetchval("SELECT value FROM entries WHERE id=?", (r["replaces"],))
                out.append((_entry(r), restored))
        return out

    async def history(self, member_id: int, metric: str | None, limit: int = 14) -> list[Entry]:
        if metric:
            rows = await self.db.fetchall(
                "SELECT * FROM entries WHERE member_id=? AND metric=? AND active=1 ORDER BY day DESC LIMIT ?",
                (member_id, metric, limit))
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM entries WHERE member_id=? AND active=1 ORDER BY day DESC, metric LIMIT ?", (member_id, limit))
        return [_entry(r) for r in rows]

    async def series(self, member_id: int, metric: str, first: date, last: date) -> list[tuple[date, float]]:
        rows = await self.db.fetchall(
            "SELECT day, value FROM entries WHERE member_id=? AND metric=? AND active=1 AND day BETWEEN ? AND ? ORDER BY day",
            (member_id, metric, first.isoformat(), last.isoformat()))
        return [(date.fromisoformat(r[0]), r[1]) for r in rows]

    async def series_for_members(self, member_ids: list[int], metrics: list[str], first: date, last: date
                                 ) -> dict[tuple[int, str], list[tuple[date, float]]]:
        """Daily values of many members in one query per chunk (check-ins scale with this)."""
        out: dict[tuple[int, str], list[tuple[date, float]]] = {}
        if not member_ids or not metrics:
            return out
        mq = ",".join("?" * len(metrics))
        for i in range(0, len(member_ids), 900):
            chunk = member_ids[i:i + 900]
            rows = await self.db.fetchall(
                f"SELECT member_id, metric, day, value FROM entries WHERE active=1 AND day BETWEEN ? AND ? "
                f"AND metric IN ({mq}) AND member_id IN ({','.join('?' * len(chunk))}) ORDER BY member_id, metric, day",
                (first.isoformat(), last.isoformat(), *metrics, *chunk))
            for r in rows:
                out.setdefault((r[0], r[1]), []).append((date.fromisoformat(r[2]), r[3]))
        return out

    async def checkin_week(self, channel_id: int, now: datetime, metrics: list[str], last: date, lookback: int
                           ) -> dict[tuple[int, str], CheckinFigures]:
        """What a weekly check-in needs of everyone active in a channel's check-in, for the week
        ending on ``last``: the week's daily values, and the previous weeks already reduced by the
        database to a few numbers per member (see :class:`CheckinFigures`). Two queries however many
        members take part; a member with nothing logged this week is left out.

        Why not the days themselves: a year of data for 10,000 members is 350,000 rows for the five
        weeks a check-in looks at, and turning each into Python objects was most of a check-in's
        build; the database adds them up in a fraction of that. The SQL is the same on both
        backends: a row's day becomes its bit of the streak mask through a binary search over the
        streak window's ISO days (:func:`_day_bit`), cheaper than parsing each row's day as a date
        (PostgreSQL) or a CASE with a branch per day (SQLite)."""
        if not metrics:
            return {}
        if not 13 <= lookback <= 30:   # the mask holds the previous week's days (bits 7-13) and is a 32-bit sum
            raise ValueError("a check-in looks back 13 to 30 days")
        week_first = last - timedelta(days=6)
        prev_first, window_first = week_first - timedelta(days=7), week_first - timedelta(days=lookback)
        mq = ",".join("?" * len(metrics))
        who = ("FROM checkin_members cm JOIN entries e ON e.member_id=cm.member_id "
               "WHERE cm.channel_id=? AND (cm.paused_until IS NULL OR cm.paused_until <= ?) AND e.active=1 "
               f"AND e.day BETWEEN ? AND ? AND e.metric IN ({mq})")
        streak_days = [(last - timedelta(days=i)).isoformat() for i in range(lookback, -1, -1)]   # oldest first
        bit, bit_params = _day_bit(streak_days)
        first_s, prev_s = week_first.isoformat(), prev_first.isoformat()
        summary = await self.db.fetch_tuples(
            f"SELECT e.member_id, e.metric, SUM(CASE WHEN e.day < ? THEN 0 ELSE {bit} END), "
            "SUM(CASE WHEN e.day < ? AND e.day >= ? THEN e.value END), "
            f"SUM(CASE WHEN e.day < ? THEN e.value END), COUNT(CASE WHEN e.day < ? THEN 1 END) {who} "
            "GROUP BY e.member_id, e.metric",
            (streak_days[0], *bit_params, first_s, prev_s, first_s, first_s,
             channel_id, utc_iso(now), window_first.isoformat(), last.isoformat(), *metrics))
        rows = await self.db.fetch_tuples(f"SELECT e.member_id, e.metric, e.day, e.value {who}",
                                          (channel_id, utc_iso(now), first_s, last.isoformat(), *metrics))
        week: defaultdict[tuple[int, str], list[tuple[str, float]]] = defaultdict(list)
        for member_id, metric, day, value in rows:
            week[member_id, metric].append((day, value))
        out = {}
        for member_id, metric, mask, prev_sum, earlier_sum, earlier_days in summary:
            points = week.get((member_id, metric))
            if points:   # nothing this week: not in the check-in (a value logged between the two reads waits a week)
                points.sort()   # usually in order already (index order)
                mask = int(mask)
                out[member_id, metric] = CheckinFigures(points, mask, prev_sum, (mask >> 7 & 0x7F).bit_count(),
                                                        earlier_sum, earlier_days)
        return out

    async def logged_days(self, member_id: int) -> set[date]:
        rows = await self.db.fetchall("SELECT DISTINCT day FROM entries WHERE member_id=? AND active=1", (member_id,))
        return {date.fromisoformat(r[0]) for r in rows}

    async def count_for_metric(self, metric: str) -> int:
        return await self.db.fetchval("SELECT COUNT(*) FROM entries WHERE metric=?", (metric,))

    async def delete_before(self, community_id: int, day: date) -> int:
        """Retention: drop every entry older than ``day`` in a community."""
        return await self.db.execute_rowcount(
            "DELETE FROM entries WHERE day < ? AND member_id IN (SELECT id FROM members WHERE community_id=?)",
            (day.isoformat(), community_id))

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT id, metric, day, value, note, logged_at, replaces, active, log_group FROM entries WHERE member_id=? "
            "ORDER BY id", (member_id,))
        return [dict(r) for r in rows]

    async def delete_member(self, member_id: int) -> int:
        return await self.db.execute_rowcount("DELETE FROM entries WHERE member_id=?", (member_id,))


class _LogMany:
    """Many members' logs as one PostgreSQL statement (see storage.database.SetWriteKind): each row's
    active value that day is retired and the new one inserted, pointing at it, with no lookup per
    value. Rows of one statement have distinct (member, metric, day) keys, so the retired rows and
    the new rows pair up on the key. A lone log (one member's commands one after another) takes a
    plainer statement of scalar parameters, cheaper to plan and run than unnesting arrays of one."""

    many = (
        "WITH input AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[]) "
        "AS t(member_id, metric, day, value, note, logged_at)), "
        "retired AS (UPDATE entries e SET active=0 FROM input i "
        "WHERE e.member_id=i.member_id AND e.metric=i.metric AND e.day=i.day AND e.active=1 "
        "RETURNING e.id, e.member_id, e.metric, e.day, e.value), "
        # The count makes the retirements run to the end first (the unique index admits one active
        # row per key); each new row then points at the row it retired, and the answer takes the
        # retired value from the same place, so no other read of entries is needed.
        "new AS (INSERT INTO entries(member_id, metric, day, value, note, logged_at, replaces) "
        "SELECT i.member_id, i.metric, i.day, i.value, i.note, i.logged_at, r.id FROM input i "
        "LEFT JOIN retired r ON r.member_id=i.member_id AND r.metric=i.metric AND r.day=i.day "
        "WHERE (SELECT count(*) FROM retired) >= 0 "
        "RETURNING id, member_id, metric, day, replaces) "
        "SELECT new.member_id, new.metric, new.day, new.id, new.replaces, r.value FROM new "
        "LEFT JOIN retired r ON r.id=new.replaces")
    one = (
        "WITH old AS (UPDATE entries SET active=0 WHERE member_id=$1 AND metric=$2 AND day=$3 AND active=1 "
        "RETURNING id, value) "
        "INSERT INTO entries(member_id, metric, day, value, note, logged_at, replaces) "
        "VALUES ($1, $2, $3, $4, $5, $6, (SELECT id FROM old)) RETURNING member_id, metric, day, id, replaces, "
        "(SELECT value FROM old)")

    def postgres(self, rows):
        if len(rows) == 1:
            return self.one, rows[0]
        return self.many, [list(column) for column in zip(*rows, strict=False)]

    @staticmethod
    def results(records, rows):
        stored = {(r[0], r[1], r[2]): (r[3], r[4], r[5]) for r in records}
        # A missing one fails the batch: it is rolled back and each log runs alone.
        return [stored[row[:3]] for row in rows]


LOG_MANY = _LogMany()


class _AddMany(_LogMany):
    """The same for logs that add to the day's value (water, exercise): the new row holds the
    retired value plus the one logged (the day's total, added in the same order as the script
    does) and keeps the day's note unless the log has its own."""

    many = (
        "WITH input AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[]) "
        "AS t(member_id, metric, day, value, note, logged_at)), "
        "retired AS (UPDATE entries e SET active=0 FROM input i "
        "WHERE e.member_id=i.member_id AND e.metric=i.metric AND e.day=i.day AND e.active=1 "
        "RETURNING e.id, e.member_id, e.metric, e.day, e.value, e.note), "
        "new AS (INSERT INTO entries(member_id, metric, day, value, note, logged_at, replaces) "
        "SELECT i.member_id, i.metric, i.day, CASE WHEN r.id IS NULL THEN i.value ELSE i.value + r.value END, "
        "COALESCE(i.note, r.note), i.logged_at, r.id FROM input i "
        "LEFT JOIN retired r ON r.member_id=i.member_id AND r.metric=i.metric AND r.day=i.day "
        "WHERE (SELECT count(*) FROM retired) >= 0 "
        "RETURNING id, member_id, metric, day, replaces, value, note) "
        "SELECT new.member_id, new.metric, new.day, new.id, new.replaces, r.value, new.value, new.note FROM new "
        "LEFT JOIN retired r ON r.id=new.replaces")
    one = (
        "WITH old AS (UPDATE entries SET active=0 WHERE member_id=$1 AND metric=$2 AND day=$3 AND active=1 "
        "RETURNING id, value, note) "
        "INSERT INTO entries(member_id, metric, day, value, note, logged_at, replaces) "
        "VALUES ($1, $2, $3, COALESCE($4::float8 + (SELECT value FROM old), $4::float8), "
        "COALESCE($5::text, (SELECT note FROM old)), $6, (SELECT id FROM old)) "
        "RETURNING member_id, metric, day, id, replaces, (SELECT value FROM old), value, note")

    @staticmethod
    def results(records, rows):
        stored = {(r[0], r[1], r[2]): (r[3], r[4], r[5], r[6], r[7]) for r in records}
        return [stored[row[:3]] for row in rows]   # the script's shape: (id, replaced, previous, total, note)


ADD_MANY = _AddMany()


class _Latest:
    """:meth:`EntryRepository.latest` for many (member, metric, since) at once (see
    storage.database.SetReadKind): each row's newest active value, in one statement."""

    # One active row per member, metric and day (the unique index entries_one_active), so the day
    # alone orders them: the index answers with its first row, where a tie-break on id made the
    # server sort every day since `since` (a millisecond a read for a member with a long history).
    _one = "SELECT value FROM entries WHERE member_id=? AND metric=? AND active=1 AND day>=? ORDER BY day DESC LIMIT 1"
    _many = (
        "SELECT i.n, (SELECT e.value FROM entries e WHERE e.member_id=i.member_id AND e.metric=i.metric AND e.active=1 "
        "AND e.day>=i.since ORDER BY e.day DESC LIMIT 1) "
        "FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS i(member_id, metric, since, n)")

    def one(self, row):
        return self._one, row

    def postgres(self, rows):
        return self._many, [list(column) for column in zip(*rows, strict=False)]

    @staticmethod
    def results(records, rows):
        found = {r[0]: r[1] for r in records}
        return [found[n] for n in range(1, len(rows) + 1)]


LATEST = _Latest()


def _day_bit(days: list[str]) -> tuple[str, list[str]]:
    """An SQL expression for the bit of ``e.day`` among ``days`` (ISO days, oldest first; the newest
    is bit 0), with its parameters: a binary search of nested CASEs, so a row is compared with about
    log2(len(days)) days instead of each. ``e.day`` must be one of ``days``."""
    params: list[str] = []

    def node(lo: int, hi: int) -> str:
        if lo == hi:
            return str(1 << (len(days) - 1 - lo))
        mid = (lo + hi + 1) // 2
        params.append(days[mid])   # in the order the placeholders appear: this one, then the left, then the right
        return f"CASE WHEN e.day < ? THEN {node(lo, mid - 1)} ELSE {node(mid, hi)} END"

    return node(0, len(days) - 1), params


def _entry(row) -> Entry:
    return Entry(row["id"], row["member_id"], row["metric"], date.fromisoformat(row["day"]), row["value"], row["note"], row["replaces"],
                 row["log_group"])
