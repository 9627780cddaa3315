"""PostgreSQL through asyncpg, implementing :class:`storage.database.Database`.

Repositories are written once, in portable SQL with ``?`` placeholders; this driver numbers the
placeholders (``$1, $2``, :func:`pg_sql`) and rewrites nothing else. Otherwise:

- ``transaction()`` takes a pooled connection and holds it in a context variable, so every call made
  inside it (and nested ``transaction()`` calls, which join the outer one) runs on that connection.
  Calls outside a transaction use any pooled connection and commit by themselves.
- ``write(script)`` runs a write script (:class:`storage.database.Statements`) with group commit, as
  on SQLite (the same :class:`storage.database.GroupCommit` writer): the writes waiting at the same
  moment run in order in one transaction (no races between this process's writes, one commit for
  many). Consecutive :class:`storage.database.SetWrite` writes of one kind (members' logs) run as ONE
  set-based statement, so a batch of logs is one round trip to the server (no transaction block
  either when the batch is that one statement). If any write fails, the batch is rolled back and
  each script runs alone, so only the failing one fails; a script that lost a race with another
  process (a duplicate key, a serialization failure, a deadlock) runs again from the start.
- ``read(kind, row)`` batches reads the same way: the reads of one :class:`storage.database.SetReadKind`
  waiting while a batch runs go together as one statement (each ``log`` of a bare number reads the
  member's latest value first); inside a transaction a read runs there, alone.
- Rows are asyncpg Records: ``row["col"]``, ``row[0]`` and ``dict(row)`` all work.
- A constraint violation raises :class:`PgIntegrityError`, a subclass of
  ``storage.database.IntegrityError`` (``sqlite3.IntegrityError``), so repositories catch one name on
  both backends; a lost connection or an overloaded server raises ``StorageBusy`` (the member is asked
  to try again).
- Migrations are the numbered ``NNNN_name.pg.sql`` files beside the SQLite ones (the same schema in
  PostgreSQL's types). Several processes may start at once: an advisory lock lets one of them migrate.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

import asyncpg

from storage.database import (
    STATEMENTS,
    GroupCommit,
    IntegrityError,
    SetReadKind,
    SetWrite,
    StorageBusy,
    WriteScript,
    is_script,
    migrations,
    script_of,
    split_statements,
)

log = logging.getLogger(__name__)

_MIGRATION_LOCK = 0x7065657270756C73   # "peerpuls": the advisory lock one migrating process holds
_RETRYABLE = (asyncpg.UniqueViolationError, asyncpg.SerializationError, asyncpg.DeadlockDetectedError)
_BUSY = (asyncpg.PostgresConnectionError, asyncpg.ConnectionDoesNotExistError, asyncpg.TooManyConnectionsError,
         asyncpg.CannotConnectNowError, asyncpg.QueryCanceledError, asyncpg.SerializationError,
         asyncpg.DeadlockDetectedError, asyncpg.LockNotAvailableError, OSError, asyncio.TimeoutError)

# (database, connection) of the transaction the current task is in, if any.
_current: contextvars.ContextVar[tuple[PgDatabase, asyncpg.Connection] | None] = contextvars.ContextVar(
    "peerpulse_pg_tx", default=None)


class PgIntegrityError(IntegrityError):
    """A PostgreSQL constraint violation, catchable as ``storage.database.IntegrityError``."""

    def __init__(self, exc: asyncpg.IntegrityConstraintViolationError):
        super().__init__(f"{type(exc).__name__}: {exc}")
        self.sqlstate = exc.sqlstate


class StorageUnavailable(Exception):
    """PostgreSQL can't be reached at start (the message names the server, never the password)."""


# -- the dialect -------------------------------------------------------------------------------
def pg_sql(sql: str) -> str:
    """A repository's statement for PostgreSQL: ``?`` placeholders become ``$1, $2, ...`` (not inside
    quotes). Nothing else is rewritten: the SQL is portable (see storage.database)."""
    out: list[str] = []
    n = 0
    quote: str | None = None
    for ch in sql:
        if quote is not None:
            if ch == quote:
                quote = None   # a doubled quote ('it''s') closes and reopens: still right
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "?":
            n += 1
            out.append(f"${n}")
            continue
        out.append(ch)
    return "".join(out).strip().rstrip(";")


def _rowcount(status: str) -> int:
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


def redact(url: str) -> str:
    """A URL fit for messages: the password left out."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"


# -- the database ------------------------------------------------------------------------------
class PgDatabase:
    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str):
        self._pool = pool
        self.path = url   # what build_app is given to open the same database again (tests' restart)
        self._sql_cache: dict[str, str] = {}
        self._writer = GroupCommit(self._write_batch)
        self._reader = GroupCommit(self._read_batch)   # the same batching, for reads (see read())

    @classmethod
    async def open(cls, url: str, min_size: int = 1, max_size: int = 10) -> PgDatabase:
        try:
            pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, command_timeout=60,
                                             server_settings=_session_settings(url), reset=_keep_session)
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            raise StorageUnavailable(f"cannot open PostgreSQL at {redact(url)}: {type(exc).__name__}: {exc}") from None
        db = cls(pool, url)
        try:
            await db.migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._pool.close(), 10)
        except TimeoutError:
            self._pool.terminate()

    # -- schema ------------------------------------------------------------------------------
    async def migrate(self) -> list[int]:
        applied = []
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)   # other processes wait here
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (number BIGINT PRIMARY KEY, name TEXT NOT NULL, "
                    "applied_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'))")
                done = {r[0] for r in await conn.fetch("SELECT number FROM schema_migrations")}
                for number, name, sql in migrations("postgresql"):
                    if number in done:
                        continue
                    async with conn.transaction():
                        for statement in split_statements(sql):
                            await conn.execute(statement)
                        await conn.execute("INSERT INTO schema_migrations(number, name) VALUES ($1, $2)", number, name)
                    log.info("applied migration %04d_%s (PostgreSQL)", number, name)
                    applied.append(number)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
        return applied

    async def table_names(self) -> list[str]:
        rows = await self.fetchall("SELECT table_name FROM information_schema.tables WHERE table_schema=current_schema() "
                                   "AND table_type='BASE TABLE' ORDER BY table_name")
        return [r[0] for r in rows]

    async def column_names(self, table: str) -> list[str]:
        rows = await self.fetchall("SELECT column_name FROM information_schema.columns WHERE table_schema=current_schema() "
                                   "AND table_name=? ORDER BY ordinal_position", (table,))
        return [r[0] for r in rows]

    # -- transactions --------------------------------------------------------------------------
    def _tx_conn(self) -> asyncpg.Connection | None:
        cur = _current.get()
        return cur[1] if cur is not None and cur[0] is self else None

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        conn = self._tx_conn()
        if conn is not None:
            yield conn
        else:
            async with self._pool.acquire() as conn:
                yield conn

    @asynccontextmanager
    async def _raw_transaction(self) -> AsyncIterator[asyncpg.Connection]:
        conn = self._tx_conn()
        if conn is not None:        # nested: join the outer transaction
            yield conn
            return
        async with self._pool.acquire() as conn:
            token = _current.set((self, conn))
            try:
                async with conn.transaction():
                    yield conn
            finally:
                _current.reset(token)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgDatabase]:
        with _translated():
            async with self._raw_transaction():
                yield self

    async def write(self, write: WriteScript | SetWrite) -> Any:
        """Run a write, committed together with the others waiting at the same moment (group commit,
        see the module docstring); inside a transaction, it runs there. The caller hears back only
        after the commit."""
        conn = self._tx_conn()
        if conn is not None:
            with _translated():
                return await self._drive(script_of(write), conn)
        return await self._writer.submit(write)

    async def _write_batch(self, writes: list) -> list[tuple[bool, Any]]:
        steps = _steps(writes)
        try:
            if len(steps) == 1 and isinstance(steps[0], list):   # only logs: one statement, its own transaction
                async with self._pool.acquire() as conn:
                    results = await self._run_set(conn, steps[0])
            else:
                results = []
                async with self._pool.acquire() as conn, conn.transaction():
                    for step in steps:
                        if isinstance(step, list):
                            results.extend(await self._run_set(conn, step))
                        else:
                            results.append(await self._drive(step, conn))
            return [(True, r) for r in results]
        except Exception as exc:
            if len(writes) == 1 and not isinstance(exc, _RETRYABLE):
                return [(False, _translate(exc))]
        # One of them failed (or lost a race with another process): each on its own, so only that one fails.
        return [await self._write_alone(script_of(w)) for w in writes]

    async def read(self, kind: SetReadKind, row: tuple) -> Any:
        """A read that many members make at the same moment (each ``log`` reads the member's latest
        value first): the reads waiting while one batch runs go together as ONE statement of
        ``kind``, so in a busy moment a read costs a fraction of a round trip. Inside a transaction
        (which must see its own writes) it runs there, alone."""
        if self._tx_conn() is not None:
            return await self.fetchval(*kind.one(row))
        return await self._reader.submit((kind, row))

    async def _read_batch(self, reads: list[tuple[SetReadKind, tuple]]) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = [(False, RuntimeError("not read"))] * len(reads)
        by_kind: dict[int, list[int]] = {}
        for i, (kind, _) in enumerate(reads):
            by_kind.setdefault(id(kind), []).append(i)
        for indexes in by_kind.values():
            kind, rows = reads[indexes[0]][0], [reads[i][1] for i in indexes]
            try:
                if len(rows) == 1:   # a quiet moment: the plain one-row statement, cheaper to run
                    answers = [await self.fetchval(*kind.one(rows[0]))]
                else:
                    sql, params = kind.postgres(rows)
                    with _translated():
                        async with self._pool.acquire() as conn:
                            answers = kind.results(await conn.fetch(sql, *params), rows)
                for i, answer in zip(indexes, answers, strict=False):
                    outcomes[i] = (True, answer)
            except Exception as exc:
                for i in indexes:
                    outcomes[i] = (False, exc)
        return outcomes

    async def _run_set(self, conn: asyncpg.Connection, writes: list[SetWrite]) -> list[Any]:
        kind = writes[0].kind
        rows = [w.row for w in writes]
        sql, params = kind.postgres(rows)
        return kind.results(await conn.fetch(sql, *params), rows)

    async def _write_alone(self, fn: WriteScript, attempts: int = 5) -> tuple[bool, Any]:
        for attempt in range(attempts):
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    return True, await self._drive(fn, conn)
            except _RETRYABLE as exc:   # another process wrote the same key first: run it again
                if attempt == attempts - 1:
                    return False, _translate(exc)
                await asyncio.sleep(0.002 * (attempt + 1))
            except Exception as exc:
                return False, _translate(exc)
        raise AssertionError("unreachable")

    async def _drive(self, fn: WriteScript, conn: asyncpg.Connection) -> Any:
        script = fn(STATEMENTS)
        if not is_script(script):
            return script
        result: Any = None
        while True:
            try:
                statement = script.send(result)
            except StopIteration as stop:
                return stop.value
            try:
                result = await self._run(conn, statement.kind, statement.sql, statement.params)
            except BaseException:
                script.close()
                raise

    # -- statements ----------------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        text = self._sql_cache.get(sql)
        if text is None:
            text = self._sql_cache[sql] = pg_sql(sql)
        return text

    async def _run(self, conn: asyncpg.Connection, kind: str, sql: str, params: Sequence[Any]) -> Any:
        text = self._sql(sql)
        if kind == "one":
            return await conn.fetchrow(text, *params)
        if kind == "all":
            return await conn.fetch(text, *params)
        if kind == "val":
            return await conn.fetchval(text, *params)
        if kind == "insert":
            return await conn.fetchval(text, *params)
        if kind == "execute":
            await conn.execute(text, *params)
            return None
        if kind == "rowcount":
            return _rowcount(await conn.execute(text, *params))
        raise ValueError(f"unknown statement kind {kind!r}")

    async def _one_statement(self, kind: str, sql: str, params: Sequence[Any]) -> Any:
        with _translated():
            async with self._connection() as conn:
                return await self._run(conn, kind, sql, params)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        await self._one_statement("execute", sql, params)

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one INSERT ending ``RETURNING id``; returns the new id."""
        return await self._one_statement("insert", sql, params)

    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self._one_statement("rowcount", sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        text = self._sql(sql)
        with _translated():
            async with self._raw_transaction() as conn:
                await conn.executemany(text, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[asyncpg.Record]:
        return await self._one_statement("all", sql, params)

    async def fetch_tuples(self, sql: str, params: Sequence[Any] = ()) -> list[asyncpg.Record]:
        """For big reads (a check-in of thousands of members): asyncpg's Records as they come, which
        unpack, index and compare like tuples; copying 350,000 of them into tuples took a quarter
        of a check-in's build."""
        return await self._one_statement("all", sql, params)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> asyncpg.Record | None:
        return await self._one_statement("one", sql, params)

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return await self._one_statement("val", sql, params)

    # -- bulk loading (copy-db) ----------------------------------------------------------------
    async def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """COPY rows into a table, inside the current transaction (binary COPY: values must match the
        column types exactly; see storage.copy)."""
        with _translated():
            async with self._raw_transaction() as conn:
                await conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def column_types(self, table: str) -> dict[str, str]:
        rows = await self.fetchall("SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_schema=current_schema() AND table_name=?", (table,))
        return {r[0]: r[1] for r in rows}

    async def foreign_key_parents(self) -> dict[str, set[str]]:
        """table -> the tables its foreign keys point at (itself left out)."""
        rows = await self.fetchall(
            "SELECT child.relname, parent.relname FROM pg_constraint c "
            "JOIN pg_class child ON child.oid=c.conrelid JOIN pg_class parent ON parent.oid=c.confrelid "
            "JOIN pg_namespace n ON n.oid=child.relnamespace WHERE c.contype='f' AND n.nspname=current_schema()")
        out: dict[str, set[str]] = {}
        for child, parent in rows:
            if child != parent:
                out.setdefault(child, set()).add(parent)
        return out

    async def reset_identities(self) -> dict[str, int]:
        """After rows were loaded with their ids: each identity sequence continues after the largest id."""
        out = {}
        tables = await self.fetchall("SELECT table_name FROM information_schema.columns "
                                     "WHERE table_schema=current_schema() AND column_name='id'")
        async with self.transaction():
            for table in sorted(r[0] for r in tables):
                seq = await self.fetchval("SELECT pg_get_serial_sequence(?, 'id')", (table,))
                if seq is None:
                    continue
                top = await self.fetchval(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                await self.fetchval("SELECT setval(CAST(? AS text)::regclass, ?, ?)", (seq, max(top, 1), top > 0))
                out[table] = top
        return out


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What a connection goes back to the pool with. asyncpg's default reset (RESET ALL, UNLISTEN,
    advisory unlocks...) is one more round trip after every read and write; this bot keeps no
    session state (no SET, LISTEN or cursor outside a transaction; the migration's advisory lock is
    released where it is taken), and asyncpg still rolls back a transaction left open before this."""


#: What every connection starts with, unless the URL sets it (``...?synchronous_commit=on``):
#: - the same durability as the SQLite backend (WAL with synchronous=NORMAL: a commit survives the
#:   bot crashing; an OS crash or power loss may take back the last moments' commits, never leaving
#:   the database inconsistent). On PostgreSQL that is ``synchronous_commit=off``: a commit does not
#:   wait for its WAL flush (about 3 ms here, more than the whole rest of a ``log``); a server crash
#:   may lose well under a second of commits, never consistency;
#: - no JIT, whose compiling (100-180 ms seen for a 10,000-member check-in here) costs more than it
#:   saves on queries as short as the bot's.
SESSION_DEFAULTS = {"synchronous_commit": "off", "jit": "off"}


def _session_settings(url: str) -> dict[str, str] | None:
    query = urlsplit(url).query
    settings = {name: value for name, value in SESSION_DEFAULTS.items() if f"{name}=" not in query}
    return settings or None


def _steps(writes: list) -> list:
    """A batch as the steps that run it, in order: a write script alone, or a list of consecutive
    SetWrites of one kind with distinct keys (one statement; a repeated key starts the next list)."""
    steps: list = []
    keys: set = set()
    for write in writes:
        if not isinstance(write, SetWrite):
            steps.append(write)
            continue
        run = steps[-1] if steps and isinstance(steps[-1], list) else None
        if run is None or run[0].kind is not write.kind or write.key in keys:
            run, keys = [], set()
            steps.append(run)
        run.append(write)
        keys.add(write.key)
    return steps


def _translate(exc: BaseException) -> BaseException:
    """asyncpg's errors, as the rest of the bot knows them (see the module docstring)."""
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        new: BaseException = PgIntegrityError(exc)
    elif isinstance(exc, _BUSY):
        log.warning("PostgreSQL busy or unreachable: %s", type(exc).__name__)
        new = StorageBusy()
    else:
        return exc
    new.__cause__ = exc
    return new


class _translated:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Literal[False]:
        if exc is None:
            return False
        translated = _translate(exc)
        if translated is not exc:
            raise translated from exc
        return False


# -- scratch databases (tests, benchmark) ------------------------------------------------------
def database_url(url: str, name: str) -> str:
    """The same server and user, another database."""
    return urlsplit(url)._replace(path="/" + name).geturl()


@asynccontextmanager
async def scratch_database(server_url: str, prefix: str = "peerpulse_scratch") -> AsyncIterator[str]:
    """A new, empty database on the server of ``server_url`` (the user needs CREATEDB), dropped after
    (with FORCE: connections left by killed processes don't keep it)."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(server_url, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield database_url(server_url, name)
    finally:
        admin = await asyncpg.connect(server_url, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
