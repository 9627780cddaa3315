"""Shared fixtures: the console transcript (``bot``) on either backend, the PostgreSQL server, the tiers.

The tiers are pytest markers (registered in pyproject.toml): ``synapse``, ``discord`` and ``postgres``
mark the tests that need those servers, so ``-m "not synapse"`` and the like pick a tier; the default run
takes everything. A test that asks for ``pg_server`` (directly or through ``pg_url``/``pg_bot``) is marked
``postgres`` here, so nobody has to remember to."""

from __future__ import annotations

import logging
import os

import pytest

from tests.support.postgres import server_or_skip
from tests.support.transcript import make_transcript

BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


def pytest_generate_tests(metafunc):
    """Every test that takes ``bot`` (a console transcript) runs once on SQLite and once on PostgreSQL,
    so the whole suite holds on both backends; the second carries the ``postgres`` marker, so
    ``-m "not postgres"`` leaves it out. A test about the SQLite file itself is marked ``sqlite_file``."""
    if "bot" in metafunc.fixturenames and metafunc.definition.get_closest_marker("sqlite_file") is None:
        metafunc.parametrize("bot", BACKENDS, indirect=True)


def pytest_collection_modifyitems(items):
    for item in items:
        if "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def pg_server() -> str:
    """The PostgreSQL server's URL (tests/support/postgres.py): skips without one, fails so under CI=true."""
    return server_or_skip()


@pytest.fixture
async def pg_url(pg_server):
    """A throwaway database on the server, dropped after the test."""
    from storage.postgres import scratch_database
    async with scratch_database(pg_server, "peerpulse_test") as url:
        yield url


@pytest.fixture
async def pg_bot(tmp_path, pg_url):
    t = await make_transcript(tmp_path, database=pg_url)
    yield t
    await t.app.stop()


@pytest.fixture
async def bot(request, tmp_path):
    """The console transcript on a fresh database: SQLite or PostgreSQL (see pytest_generate_tests)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        t = await make_transcript(tmp_path)
        yield t
        await t.app.stop()
        return
    from storage.postgres import scratch_database
    # The server fixture is a plain one, so asking for it here is safe; the database is made inline
    # (an async fixture can't be requested from inside another one's running loop).
    async with scratch_database(request.getfixturevalue("pg_server"), "peerpulse_test") as url:
        t = await make_transcript(tmp_path, database=url)
        yield t
        await t.app.stop()


@pytest.fixture(scope="session", autouse=True)
def _logs_to_a_file_for_the_log_proof():
    """With PEERPULSE_TEST_LOG_FILE set (tests/adapters/test_library_logs.py runs the end-to-end tests so),
    every log record of the session goes to that file at DEBUG: through the bot's own logging set-up, or
    with PEERPULSE_TEST_LOG_RAW=1 through a bare handler (the control that shows what libraries would log)."""
    path = os.environ.get("PEERPULSE_TEST_LOG_FILE")
    if not path:
        yield
        return
    with open(path, "w", encoding="utf-8") as stream:
        if os.environ.get("PEERPULSE_TEST_LOG_RAW") == "1":
            handler = logging.StreamHandler(stream)
            handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
            logging.getLogger().addHandler(handler)
            logging.getLogger().setLevel(logging.DEBUG)
            for name in ("discord", "nio", "aiohttp", "asyncio", "apscheduler", "aiosqlite"):
                logging.getLogger(name).setLevel(logging.DEBUG)
        else:
            from bot.logs import setup_logging
            setup_logging("DEBUG", "text", stream=stream)
        yield
        for handler in logging.getLogger().handlers:
            handler.flush()
