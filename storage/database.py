"""The storage layer's neutral base: what repositories write against, and what both drivers share.

- :class:`Database` is the protocol every repository types against; :class:`storage.sqlite.SqliteDatabase`
  (the default, one file) and :class:`storage.postgres.PgDatabase` implement it, and
  :func:`storage.connect.open_database` picks one from the configured target.
- SQL is written once, portable between SQLite (3.35 or newer) and PostgreSQL: ``INSERT ... ON CONFLICT
  (...) DO NOTHING / DO UPDATE``, ``RETURNING id`` for a new row's id (:meth:`Database.insert`), ``?``
  placeholders (the PostgreSQL driver numbers them; it rewrites nothing else).
- Writes are scripts of :class:`Statement` (:class:`Statements`), run with group commit by the one
  :class:`GroupCommit` writer each driver holds.
- Migrations are numbered files, ``NNNN_name.sql`` for SQLite and ``NNNN_name.pg.sql`` beside it for
  PostgreSQL (:func:`migrations`).
"""

from __future__ import annotations

import asyncio
import inspect
import re
import sqlite3
from collections.abc import Awaitable, Callable, Generator, Hashable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Generic, Protocol, TypeGuard, TypeVar

from bot.vocabulary.errors import UserError

T = TypeVar("T")

#: The dialect-neutral name for a constraint violation (a duplicate key, a missing row a foreign key
#: names). PgDatabase raises a subclass of it, so repositories catch this on either backend.
IntegrityError = sqlite3.IntegrityError


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a write script (see :meth:`Database.write`): built by the script, run by the backend."""

    kind: str                  # "one" | "all" | "val" | "execute" | "insert" (new row id) | "rowcount"
    sql: str                   # portable SQL with ? placeholders (see the module docstring)
    params: Sequence[Any] = ()


class Statements:
    """What a write script is handed. Each method only *describes* a statement; the script yields it,
    and the backend runs it and sends the result back into the script:

        def script(w):
            old = yield w.fetchone("SELECT id FROM entries WHERE ...", (...))
            new_id = yield w.insert("INSERT INTO entries(...) VALUES (...) RETURNING id", (...))
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
        return Statement("execute", sql, params)

    @staticmethod
    def insert(sql: str, params: Sequence[Any] = ()) -> Statement:
        """An INSERT ending ``RETURNING id``; yields the new row's id (like :meth:`Database.insert`)."""
        return Statement("insert", sql, params)

    @staticmethod
    def execute_rowcount(sql: str, params: Sequence[Any] = ()) -> Statement:
        return Statement("rowcount", sql, params)


STATEMENTS = Statements()
WriteScript = Callable[[Statements], "Generator[Statement, Any, T] | T"]


def is_script(result: object) -> TypeGuard[Generator[Statement, Any, Any]]:
    """Whether a write script's call returned statements to drive (a generator), not its value."""
    return inspect.isgenerator(result)


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


def script_of(write: WriteScript | SetWrite) -> WriteScript:
    return write.script if isinstance(write, SetWrite) else write


Job = TypeVar("Job")   # what a GroupCommit batches: writes, or (on PostgreSQL) reads


class GroupCommit(Generic[Job]):
    """The one writer task of a database, shared by both backends: the writes waiting at the same
    moment are handed to the backend's ``run_batch`` together (one transaction, one commit for many
    members' logs), in the order they came, so this process's writes never race each other. Each
    caller hears back its own outcome, only after the commit. (PostgreSQL batches reads of a
    :class:`SetReadKind` the same way: whatever waits while one batch runs goes together next.)"""

    def __init__(self, run_batch: Callable[[list[Job]], Awaitable[list[tuple[bool, Any]]]], limit: int = 512):
        self._run_batch = run_batch
        self._limit = limit
        self._pending: list[tuple[Job, asyncio.Future[Any]]] = []
        self._task: asyncio.Task | None = None

    async def submit(self, write: Job) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
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
            for (_, future), (ok, value) in zip(batch, outcomes, strict=False):
                if not future.done():
                    future.set_result(value) if ok else future.set_exception(value)


class StorageBusy(UserError):
    """The database is locked or full: the member is asked to try again; nothing was stored."""

    def __init__(self) -> None:
        super().__init__("I couldn't save that right now (the database is busy). Nothing was stored; please try again in a moment.")


def migrations(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """(number, name, sql) of every shipped migration, in order, in the dialect's own file:
    ``NNNN_name.sql`` for SQLite, ``NNNN_name.pg.sql`` for PostgreSQL (every migration has both)."""
    pattern = r"^(\d{4})_(\w+)\.pg\.sql$" if dialect == "postgresql" else r"^(\d{4})_(\w+)\.sql$"
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        m = re.match(pattern, entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def split_statements(sql: str) -> list[str]:
    """Split a migration file on semicolons that end a line (our migrations hold no procedural SQL)."""
    out = []
    for chunk in re.split(r";\s*$", sql, flags=re.M):
        code = "\n".join(line for line in chunk.splitlines() if not line.strip().startswith("--")).strip()
        if code:
            out.append(code)
    return out


class Database(Protocol):
    """What a repository may ask of the database, on either backend. Rows index by name and position."""

    dialect: str
    path: str                            # what opens the same database again (a file or a URL)

    async def close(self) -> None: ...

    async def migrate(self) -> list[int]: ...

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """Every call inside runs in one transaction (nested calls join it); commits or rolls back as a unit."""
        ...

    async def write(self, write: WriteScript | SetWrite) -> Any:
        """A write script with group commit; the caller hears back only after the commit."""
        ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """An INSERT ending ``RETURNING id``: the new row's id."""
        ...

    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    async def fetch_tuples(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    async def read(self, kind: SetReadKind, row: tuple[Any, ...]) -> Any:
        """One read of a kind PostgreSQL batches across members (see :class:`SetReadKind`)."""
        ...

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    async def table_names(self) -> list[str]: ...

    async def column_names(self, table: str) -> list[str]: ...


def is_postgres_url(target: str | Path | None) -> TypeGuard[str]:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))
