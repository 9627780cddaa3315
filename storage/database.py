"""One SQLite database through aiosqlite: WAL, foreign keys, numbered migrations, short transactions.

All writes go through :meth:`Database.transaction`, which serialises writers on the one connection
(SQLite allows one writer anyway) and commits or rolls back as a unit, so a handler that fails half-way
stores nothing. Nested ``transaction()`` calls in the same task join the outer one.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import re
import sqlite3
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Generator, Hashable, Iterable, Protocol, Sequence, TypeVar

import aiosqlite

from bot.errors import UserError

log = logging.getLogger(__name__)
# aiosqlite logs every call at DEBUG with its SQL parameters, i.e. members' values: never let those
# through, even when the bot runs with log_level = "DEBUG".
logging.getLogger("aiosqlite").setLevel(logging.INFO)

T = TypeVar("T")

_in_transaction: contextvars.ContextVar[bool] = contextvars.ContextVar("peerpulse_tx", default=False)

#: The dialect-neutral name for a constraint violation (a duplicate key, a missing row a foreign key
#: names). PgDatabase raises a subclass of it, so repositories catch this on either backend.
IntegrityError = sqlite3.IntegrityError


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a write script (see :meth:`Database.write`): built by the script, run by the backend."""

    kind: str                  # "one" | "all" | "val" | "execute" (new row id) | "rowcount"
    sql: str                   # SQLite dialect with ? placeholders; PgDatabase translates it
    params: Sequence[Any] = ()


class Statements:
    """What a write script is handed. Each method only *describes* a statement; the script yields it,
    and the backend runs it and sends the result back into the script:

        def script(w):
            old = yield w.fetchone("SELECT id FROM entries WHERE ...", (...))
            new_id = yield w.execute("INSERT INTO entries(...) VALUES (...)", (...))
            return new_id

    So one script runs on SQLite synchronously in the database thread (group commit, one thread hop
    for many scripts) and on PostgreSQL asynchronously on a pooled connection. A statement that fails
    ends the script, and its writes are undone (alone: the other scripts of the batch still commit).
    Scripts hold no I/O of their own and may be run again from the start (PgDatabase retries one that
    lost a race with another process)."""

    @staticmethod
    def fetchone(sql: str, params: Sequence[Any] = ()) -> Statement:
        return Statement("one", sql, params)

    @staticmethod
    def fetchall(sql: str, params: Sequence[Any] = ()) -> Statement:
        return Statement("all", sql, params)

    @staticmethod
    def fetchval(sql: str, params: Sequence[Any] = ()) -> Statement:
        return Statement("val", sql, params)

    @staticmethod
    def execute(sql: str, params: Sequence[Any] = ()) -> Statement:
        """Yields the new row's id for an INSERT (like :meth:`Database.execute`)."""
        return Statement("execute", sql, params)

    @staticmethod
    def execute_rowcount(sql: str, params: Sequence[Any] = ()) -> Statement:
        return Statement("rowcount", sql, params)


STATEMENTS = Statements()
WriteScript = Callable[[Statements], "Generator[Statement, Any, T] | T"]


class SetWriteKind(Protocol):
    """How a whole batch of one kind of :class:`SetWrite` runs as ONE statement on PostgreSQL, where
    every statement is a round trip to the server (on SQLite a statement costs microseconds in
    process, so SQLite runs each write's script instead)."""

    def postgres(self, rows: Sequence[tuple]) -> tuple[str, Sequence[Any]]:
        """One statement in PostgreSQL's dialect ($n placeholders, prepared and cached by asyncpg)
        and its parameters, writing all these rows."""

    def results(self, records: Sequence[Any], rows: Sequence[tuple]) -> list[Any]:
        """What each write returns, in the order of ``rows``, from the statement's records (a
        KeyError or any other exception fails the batch, which then runs write by write)."""


@dataclass(frozen=True, slots=True)
class SetWrite:
    """A write that PostgreSQL may run together with others of its kind as one set-based statement
    (see :class:`SetWriteKind`); ``script`` is the same write one at a time (SQLite, and PostgreSQL's
    fallback when a batch fails). Two writes with equal ``key`` never share a statement: the later
    one must see what the earlier one wrote (a member's quick ``log 5000``, ``log 7000``)."""

    kind: SetWriteKind
    row: tuple
    key: Hashable
    script: WriteScript


class SetReadKind(Protocol):
    """A read many members make at the same moment (the value a ``log`` is checked against) that
    PostgreSQL answers for all of them with ONE statement (see :meth:`storage.postgres.PgDatabase.read`):
    a read is a round trip to the server there, and in a busy moment most of a command's cost."""

    def one(self, row: tuple) -> tuple[str, Sequence[Any]]:
        """The read for one ``row``, in SQLite's dialect, as for ``fetchval``."""

    def postgres(self, rows: Sequence[tuple]) -> tuple[str, Sequence[Any]]:
        """One statement in PostgreSQL's dialect answering all ``rows``."""

    def results(self, records: Sequence[Any], rows: Sequence[tuple]) -> list[Any]:
        """Each row's answer, in the order of ``rows``, from the statement's records."""


def script_of(write: "WriteScript | SetWrite") -> WriteScript:
    return write.script if isinstance(write, SetWrite) else write


class GroupCommit:
    """The one writer task of a database, shared by both backends: the writes waiting at the same
    moment are handed to the backend's ``run_batch`` together (one transaction, one commit for many
    members' logs), in the order they came, so this process's writes never race each other. Each
    caller hears back its own outcome, only after the commit. (PostgreSQL batches reads of a
    :class:`SetReadKind` the same way: whatever waits while one batch runs goes together next.)"""

    def __init__(self, run_batch: "Callable[[list[WriteScript | SetWrite]], Awaitable[list[tuple[bool, Any]]]]",
                 limit: int = 512):
        self._run_batch = run_batch
        self._limit = limit
        self._pending: list[tuple["WriteScript | SetWrite", asyncio.Future]] = []
        self._task: asyncio.Task | None = None

    async def submit(self, write: "WriteScript | SetWrite") -> Any:
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending.append((write, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:self._limit], self._pending[self._limit:]
            try:
                outcomes = await self._run_batch([write for write, _ in batch])
            except Exception as exc:   # the backend's run_batch reports per write; this is its own failure
                outcomes = [(False, exc)] * len(batch)
            for (_, future), (ok, value) in zip(batch, outcomes):
                if not future.done():
                    future.set_result(value) if ok else future.set_exception(value)


class StorageBusy(UserError):
    """The database is locked or full: the member is asked to try again; nothing was stored."""

    def __init__(self) -> None:
        super().__init__("I couldn't save that right now (the database is busy). Nothing was stored; please try again in a moment.")


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every shipped migration, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        m = re.match(r"^(\d{4})_(\w+)\.sql$", entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: str):
        self._conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self._writer = GroupCommit(self._write_batch)

    @classmethod
    async def open(cls, path: str | Path) -> "Database":
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
                    for statement in _statements(sql):
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
    async def transaction(self) -> AsyncIterator["Database"]:
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

    async def write(self, write: "WriteScript | SetWrite") -> Any:
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

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write inside a transaction; returns lastrowid."""
        async with self.transaction():
            cur = await self._conn.execute(sql, params)
            return cur.lastrowid

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

    async def read(self, kind: SetReadKind, row: tuple) -> Any:
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


def is_postgres_url(target: str | Path | None) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


async def open_database(target: str | Path):
    """A PostgreSQL URL opens :class:`storage.postgres.PgDatabase` (asyncpg, the `postgres` extra);
    anything else is a SQLite file (or ``sqlite:///path``)."""
    if is_postgres_url(target):
        from storage.postgres import PgDatabase
        return await PgDatabase.open(target)
    if isinstance(target, str) and target.startswith("sqlite:///"):
        target = target[len("sqlite:///"):]
    elif isinstance(target, str) and "://" in target:
        raise ValueError("storage url must start with postgresql:// (or be a SQLite file path)")
    return await Database.open(target)


def _run_script(conn: sqlite3.Connection, fn: WriteScript) -> Any:
    """Drive a write script on a plain sqlite3 connection (in the database thread)."""
    script = fn(STATEMENTS)
    if not inspect.isgenerator(script):
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
        return cur.lastrowid
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


def _statements(sql: str) -> list[str]:
    """Split a migration file on semicolons that end a line (our migrations hold no procedural SQL)."""
    out = []
    for chunk in re.split(r";\s*$", sql, flags=re.M):
        code = "\n".join(line for line in chunk.splitlines() if not line.strip().startswith("--")).strip()
        if code:
            out.append(code)
    return out
