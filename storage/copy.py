"""`peerpulse copy-db`: copy a SQLite database into an empty PostgreSQL database.

Both sides are first brought to the current schema (the same numbered migrations), so they have the
same tables and columns. Then, in one PostgreSQL transaction (all or nothing), every table is copied
with its ids, parents before children (the order follows the foreign keys), in batches of rows read in
rowid order (so an entry that replaces an older one comes after it) and written with COPY. Last, each
identity sequence is moved past the largest copied id, so new rows don't collide with copied ones.
Stop the bot before copying: rows written to SQLite during the copy may be missed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from storage.database import Database
from storage.postgres import PgDatabase
from storage.sqlite import SqliteDatabase

BATCH = 5000


class CopyError(Exception):
    """The copy can't be done (nothing was written)."""


async def copy_sqlite_to_postgres(source: str | Path, target_url: str, batch: int = BATCH,
                                  progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every table; returns rows copied per table."""
    if not Path(source).is_file():
        raise CopyError(f"there is no SQLite database at {source}")
    src = await SqliteDatabase.open(source)   # applies pending migrations, as the bot does at start
    try:
        dst = await PgDatabase.open(target_url)
        try:
            return await _copy(src, dst, batch, progress)
        finally:
            await dst.close()
    finally:
        await src.close()


async def _copy(src: Database, dst: PgDatabase, batch: int, progress) -> dict[str, int]:
    versions = [r[0] for r in await src.fetchall("SELECT number FROM schema_migrations ORDER BY number")]
    if versions != [r[0] for r in await dst.fetchall("SELECT number FROM schema_migrations ORDER BY number")]:
        raise CopyError("the two databases are at different migrations; run the same peerpulse version on both")
    tables = [t for t in await src.table_names() if t != "schema_migrations"]
    if set(tables) != set(await dst.table_names()) - {"schema_migrations"}:
        raise CopyError("the two databases have different tables")
    filled = [t for t in tables if await dst.fetchval(f"SELECT EXISTS (SELECT 1 FROM {t})")]
    if filled:
        raise CopyError(f"the PostgreSQL database already holds data ({', '.join(sorted(filled))}); copy into an empty one")
    counts: dict[str, int] = {}
    async with dst.transaction():
        for table in dependency_order(tables, await dst.foreign_key_parents()):
            columns = await src.column_names(table)
            types = await dst.column_types(table)
            if set(columns) != set(types):
                raise CopyError(f"table {table} has different columns in the two databases")
            converters = [_converter(types[c]) for c in columns]
            last, copied = None, 0
            while True:
                rows = await src.fetch_tuples(
                    f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE ? IS NULL OR rowid > ? ORDER BY rowid LIMIT ?",
                    (last, last, batch))
                if not rows:
                    break
                last = rows[-1][0]
                await dst.copy_rows(table, columns, [tuple(f(v) for f, v in zip(converters, row[1:], strict=False)) for row in rows])
                copied += len(rows)
            counts[table] = copied
            if progress is not None:
                progress(table, copied)
        await dst.reset_identities()
    return counts


def dependency_order(tables: list[str], parents: dict[str, set[str]]) -> list[str]:
    """Tables with every table they refer to before them (alphabetical among equals)."""
    left = {t: {p for p in parents.get(t, set()) if p in tables} for t in tables}
    order: list[str] = []
    while left:
        ready = sorted(t for t, ps in left.items() if not ps)
        if not ready:
            raise CopyError(f"foreign keys form a cycle among {', '.join(sorted(left))}")
        for t in ready:
            order.append(t)
            del left[t]
        for ps in left.values():
            ps.difference_update(ready)
    return order


def _converter(pg_type: str) -> Callable[[Any], Any]:
    """SQLite keeps whatever type a value came with; binary COPY wants the column's type exactly."""
    if pg_type in ("bigint", "integer", "smallint"):
        return lambda v: v if v is None or type(v) is int else int(v)
    if pg_type in ("double precision", "real", "numeric"):
        return lambda v: v if v is None or type(v) is float else float(v)
    if pg_type == "text":
        def text(v: Any) -> Any:
            if isinstance(v, bytes):
                raise CopyError("a text column holds binary data")
            return v if v is None or type(v) is str else str(v)
        return text
    return lambda v: v
