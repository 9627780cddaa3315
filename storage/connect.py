"""Opening the configured database: the one place that knows both drivers."""

from __future__ import annotations

from pathlib import Path

from storage.database import Database, is_postgres_url
from storage.sqlite import SqliteDatabase


async def open_database(target: str | Path) -> Database:
    """A PostgreSQL URL opens :class:`storage.postgres.PgDatabase` (asyncpg, the `postgres` extra);
    anything else is a SQLite file (or ``sqlite:///path``)."""
    if is_postgres_url(target):
        from storage.postgres import PgDatabase
        return await PgDatabase.open(target)
    if isinstance(target, str) and target.startswith("sqlite:///"):
        target = target[len("sqlite:///"):]
    elif isinstance(target, str) and "://" in target:
        raise ValueError("storage url must start with postgresql:// (or be a SQLite file path)")
    return await SqliteDatabase.open(target)
