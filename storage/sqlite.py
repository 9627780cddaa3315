"""The default backend: one SQLite file through aiosqlite (WAL, foreign keys, short transactions).

All writes go through :meth:`SqliteDatabase.transaction`, which serialises writers on the one
connection (SQLite allows one writer anyway) and commits or rolls back as a unit, so a handler that
fails half-way stores nothing. Nested ``transaction()`` calls in the same task join the outer one.
Write scripts run synchronously in the database thread, many per commit (group commit).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.database import (
    STATEMENTS,
    GroupCommit,
    SetReadKind,
    SetWrite,
    Statement,
    StorageBusy,
    WriteScript,
    is_script,
    migrations,
    script_of,
    split_statements,
)

log = logging.getLogger(__name__)
# aiosqlite logs every call at DEBUG with its SQL parameters, i.e. members' values: never let those
# through, even when the bot runs with log_level = "DEBUG".
logging.getLogger("aiosqlite").setLevel(logging.INFO)

_in_transaction: contextvars.ContextVar[bool] = contextvars.ContextVar("peerpulse_tx", default=False)


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: str):
        self._conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self._writer = GroupCommit(self._write_batch)

    @classmethod
    async def open(cls, path: str | Path) -> SqliteDatabase:
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None, timeout=5.0)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        db = cls(conn, path)
        await db.migrate()
        return db

    async def close(self) -> None:
        await self._conn.close()

    async def migrate(self) -> list[int]:
        await self._conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)")
        done = {row[0] for row in await self._conn.execute_fetchall("SELECT number FROM schema_migrations")}
        applied = []
        for number, name, sql in migrations():
            if number in done:
                continue
            async with self._write_lock:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in split_statements(sql):
                        await self._conn.execute(statement)
                    await self._conn.execute("INSERT INTO schema_migrations(number, name) VALUES (?, ?)", (number, name))
                    await self._conn.execute("COMMIT")
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
            log.info("applied migration %04d_%s", number, name)
            applied.append(number)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteDatabase]:
        if _in_transaction.get():
            yield self
            return
        async with self._write_lock:
            token = _in_transaction.set(True)
            try:
                try:
                    await self._conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    log.warning("database busy at BEGIN: %s", type(exc).__name__)
                    raise StorageBusy() from exc
                try:
                    yield self
                    await self._conn.execute("COMMIT")
                except BaseException as exc:
                    if self._conn.in_transaction:   # SQLite may have rolled back already (e.g. disk full)
                        await self._conn.execute("ROLLBACK")
                    if isinstance(exc, sqlite3.OperationalError) and _is_busy_or_full(exc):
                        raise StorageBusy() from exc
                    raise
            finally:
                _in_transaction.reset(token)

    async def write(self, write: WriteScript | SetWrite) -> Any:
        """Run a write script (see :class:`Statements`; a :class:`SetWrite` runs its script) in a
        write transaction, committed together with other writes waiting at the same moment (group
        commit): one thread hop and one commit for many members' logs. The caller hears back only
        after the commit."""
        if _in_transaction.get():
            return await self._conn._execute(_run_script, self._conn._connection, script_of(write))
        return await self._writer.submit(write)

    async def _write_batch(self, writes: list) -> list[tuple[bool, Any]]:
        async with self._write_lock:
            try:
                return await self._conn._execute(_run_batch, self._conn._connection, [script_of(w) for w in writes])
            except sqlite3.OperationalError as exc:
                log.warning("database busy or full during a batch: %s", type(exc).__name__)
                return [(False, StorageBusy() if _is_busy_or_full(exc) else exc)] * len(writes)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one write inside a transaction."""
        async with self.transaction():
            await self._conn.execute(sql, params)

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one INSERT ending ``RETURNING id`` inside a transaction; returns the new id."""
        async with self.transaction():
            async with self._conn.execute(sql, params) as cur:
                row = await cur.fetchone()
            assert row is not None  # INSERT ... RETURNING id always returns the new row
            return row[0]

    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self.transaction():
            cur = await self._conn.execute(sql, params)
            return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction():
            await self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetch_tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Plain tuples in one hop: for big reads (a check-in of thousands of members)."""

        def query(conn: sqlite3.Connection) -> list[tuple]:
            cur = conn.cursor()
            cur.row_factory = None
            return cur.execute(sql, params).fetchall()

        return await self._conn._execute(query, self._conn._connection)

    async def read(self, kind: SetReadKind, row: tuple[Any, ...]) -> Any:
        """One read of a kind PostgreSQL batches (see :class:`SetReadKind`); in process, SQLite runs it alone."""
        return await self.fetchval(*kind.one(row))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        async with self._conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def table_names(self) -> list[str]:
        rows = await self.fetchall("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        return [r[0] for r in rows]

    async def column_names(self, table: str) -> list[str]:
        return [r[0] for r in await self.fetchall("SELECT name FROM pragma_table_info(?) ORDER BY cid", (table,))]


def _run_script(conn: sqlite3.Connection, fn: WriteScript) -> Any:
    """Drive a write script on a plain sqlite3 connection (in the database thread)."""
    script = fn(STATEMENTS)
    if not is_script(script):
        return script                      # a script that needed no statement
    result: Any = None
    while True:
        try:
            statement = script.send(result)
        except StopIteration as stop:
            return stop.value
        try:
            result = _run_statement(conn, statement)
        except BaseException:   # ends the script; _run_batch undoes its writes (or all, if busy or full)
            script.close()
            raise


def _run_statement(conn: sqlite3.Connection, st: Statement) -> Any:
    cur = conn.execute(st.sql, st.params)
    if st.kind == "one":
        return cur.fetchone()
    if st.kind == "all":
        return cur.fetchall()
    if st.kind == "val":
        row = cur.fetchone()
        return None if row is None else row[0]
    if st.kind == "execute":
        return None
    if st.kind == "insert":
        return cur.fetchone()[0]
    if st.kind == "rowcount":
        return cur.rowcount
    raise ValueError(f"unknown statement kind {st.kind!r}")


def _run_batch(conn: sqlite3.Connection, fns: list[WriteScript]) -> list[tuple[bool, Any]]:
    """One transaction for many writes; each in a savepoint so one bad write fails alone."""
    conn.execute("BEGIN IMMEDIATE")
    outcomes: list[tuple[bool, Any]] = []
    try:
        for fn in fns:
            conn.execute("SAVEPOINT w")
            try:
                outcomes.append((True, _run_script(conn, fn)))
                conn.execute("RELEASE w")
            except sqlite3.OperationalError:
                raise
            except Exception as exc:   # this write alone is undone
                conn.execute("ROLLBACK TO w")
                conn.execute("RELEASE w")
                outcomes.append((False, exc))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:   # SQLite may have rolled back already (e.g. disk full); keep the real error
            conn.execute("ROLLBACK")
        raise
    return outcomes


def _is_busy_or_full(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text or "full" in text or "disk" in text
