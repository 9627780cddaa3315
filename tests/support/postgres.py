"""The PostgreSQL server the ``postgres`` tier runs against, and whether it can be reached.

PEERPULSE_TEST_POSTGRES names the server (default postgresql://postgres@127.0.0.1:5432/postgres); each
test gets a throwaway database on it (random name), dropped afterwards. Without a reachable server the
tests skip, and fail when CI=true (CI must test both backends)."""

from __future__ import annotations

import asyncio
import functools
import os
from concurrent.futures import ThreadPoolExecutor

SERVER = os.environ.get("PEERPULSE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def in_ci() -> bool:
    """CI must run every tier: there a missing server or library fails the run instead of skipping."""
    return os.environ.get("CI") == "true"


@functools.cache
def unreachable() -> str | None:
    """Why the server can't be used (asyncpg missing, refused, timed out, bad credentials), or None."""
    try:
        import asyncpg
    except ImportError:   # the `test` extra installs it
        return "asyncpg is not installed (pip install -e '.[test]')"

    async def probe() -> None:
        conn = await asyncpg.connect(SERVER, timeout=3)
        await conn.close()

    try:
        # In a thread of its own: asyncio.run must not touch the test's event loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, probe()).result(timeout=10)
    except Exception as exc:   # refused, timed out, bad credentials...
        return f"{type(exc).__name__}: {exc}"
    return None


def server_or_skip() -> str:
    """The server's URL; skips the calling test when it can't be reached (fails it under CI=true)."""
    import pytest

    from storage.postgres import redact

    problem = unreachable()
    if problem is not None:
        message = (f"PostgreSQL is not reachable at {redact(SERVER)} ({problem}). Start it "
                   "(pg_ctlcluster --skip-systemctl-redirect <version> main start) or point PEERPULSE_TEST_POSTGRES at one.")
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return SERVER
