"""An online copy of the SQLite file while the bot keeps writing (PostgreSQL has its own tools)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def copy_sqlite_online(source: str, target: Path) -> bool:
    """Copy a consistent snapshot with SQLite's backup API, then check it. WAL mode: readers never
    block the writer; small steps with a pause let the bot's writer in between, and pages it changes
    are copied again. Returns whether the copy passed its integrity check."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=256, sleep=0.005)
        return dst.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        dst.close()
        src.close()
