"""Faults: a hard kill mid-burst, a locked or full database, restarts at random moments around
scheduled runs. What the bot acknowledged is stored, what it refused is not, and each weekly post
happens exactly once (or, past the grace window, is skipped and logged)."""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.database import StorageBusy, migrations
from storage.sqlite import SqliteDatabase
from tests.support.transcript import START, make_transcript

ROOT = Path(__file__).resolve().parents[2]


async def count_entries(bot) -> int:
    return await bot.db.fetchval("SELECT COUNT(*) FROM entries")


# ---- a hard kill in the middle of a burst of logs ---------------------------------------------

_ACK = re.compile(r"^\[@(m\d+)\] Logged ([\d,]+) steps for (today|yesterday|\d{4}-\d{2}-\d{2})\.")


def test_hard_kill_mid_burst_loses_no_acknowledged_value(tmp_path):
    """The console answers `Logged ...` only after the write is committed: EntryRepository.log awaits
    SqliteDatabase.write, whose future is resolved by the writer task after `_run_batch` ran COMMIT. With WAL
    and synchronous=NORMAL a commit is in the WAL file (the OS page cache) when COMMIT returns, which
    survives the death of the process (SIGKILL here); it is not guaranteed to survive a power loss or
    kernel crash (that would need synchronous=FULL), which this test does not and cannot simulate."""
    db_path = tmp_path / "x.db"
    today = date.fromisoformat(START[:10])
    members, burst = 20, 3000
    lines, sent = [], {}
    for i in range(burst):
        member, day, value = f"m{i % members}", today - timedelta(days=i // members), 10_000 + i   # all distinct
        lines.append(f"{member}@dm: log steps {value} {day.isoformat()}")
        sent[value] = (member, day)
    stderr = open(tmp_path / "stderr.txt", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "console", "--db", str(db_path), "--start", START,
                             "--out", str(tmp_path / "out")],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1)
    out: queue.Queue = queue.Queue()

    def write() -> None:
        try:
            for line in lines:
                proc.stdin.write(line + "\n")
            proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass   # killed while we were still writing: that's the point

    def read() -> None:
        for raw in proc.stdout:
            out.put(raw.rstrip("\n"))
        out.put(None)

    threading.Thread(target=write, daemon=True).start()
    threading.Thread(target=read, daemon=True).start()
    acked: list[tuple[str, date, float]] = []
    other: list[str] = []

    def take(line: str) -> None:
        m = _ACK.match(line)
        if m is None:
            other.append(line)
            return
        value = int(m.group(2).replace(",", ""))
        day = {"today": today, "yesterday": today - timedelta(days=1)}.get(m.group(3)) or date.fromisoformat(m.group(3))
        assert sent[value] == (m.group(1), day), line   # the answer is about exactly what was typed
        acked.append((m.group(1), day, float(value)))

    try:
        while len(acked) < 400:
            line = out.get(timeout=60)
            assert line is not None, "the console stopped before it was killed"
            take(line)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stderr.close()
    while (line := out.get(timeout=30)) is not None:   # what it printed before it died was acknowledged too
        take(line)
    assert proc.returncode == -signal.SIGKILL
    assert not other, other[:5]
    assert len(acked) < burst, "the burst finished before the kill; make it longer"

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {(r[0], date.fromisoformat(r[1]), r[2]) for r in conn.execute(
            "SELECT m.external_id, e.day, e.value FROM entries e JOIN members m ON m.id=e.member_id WHERE e.active=1")}
    finally:
        conn.close()
    lost = [a for a in acked if a not in stored]
    assert not lost, f"{len(lost)} acknowledged values lost, e.g. {lost[:3]}"

    async def reopen() -> tuple[list[int], list[int], int]:
        db = await SqliteDatabase.open(db_path)
        try:
            applied = await db.migrate()
            done = [r[0] for r in await db.fetchall("SELECT number FROM schema_migrations ORDER BY number")]
            return applied, done, await db.fetchval("SELECT COUNT(*) FROM entries")
        finally:
            await db.close()

    applied, done, count = asyncio.run(reopen())
    assert applied == [] and done == [n for n, _, _ in migrations()]
    assert count >= len(acked)


# ---- a locked or full database ----------------------------------------------------------------

@pytest.mark.sqlite_file
async def test_locked_database_asks_to_try_again_and_stores_nothing(bot):
    assert "Logged" in await bot.say("alice@dm: log steps 1000 yesterday")
    # The bot waits busy_timeout (5000 ms in SqliteDatabase.open) for a lock; shorter here to keep the test fast.
    assert await bot.db.fetchval("PRAGMA busy_timeout=200") == 200
    before = await count_entries(bot)
    holder = sqlite3.connect(bot.db.path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")   # another writer holds the database's write lock
        for line, member in [("alice@dm: log steps 4321", "alice"),
                             ("alice@#walkers: log steps 4321 2026-11-14 a note", "alice"),
                             ("alice@dm: goal steps 70000", "alice"),
                             ("alice@dm: privacy set steps public", "alice"),
                             ("newbie@dm: log steps 4321", "newbie"),          # first message: the member row can't be written
                             ("alice@#newroom: log steps 4321", "alice")]:     # first message in a new channel
            out = await bot.run(line)
            assert len(out) == 1 and out[0].startswith(f"[@{member}] "), (line, out)
            assert "try again" in out[0] and "went wrong" not in out[0], (line, out)
        assert holder.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == before
        assert holder.execute("SELECT COUNT(*) FROM goals").fetchone()[0] == 0
        assert holder.execute("SELECT COUNT(*) FROM sharing").fetchone()[0] == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "Logged 4,321 steps" in await bot.say("alice@dm: log steps 4321")
    assert "Logged 4,321 steps" in await bot.say("newbie@dm: log steps 4321")
    assert "Logged" in await bot.say("alice@#newroom: log steps 5 2026-11-10")
    assert await count_entries(bot) == before + 3


@pytest.mark.sqlite_file
async def test_full_database_asks_to_try_again_and_stores_nothing(bot):
    assert "Logged" in await bot.say("alice@dm: log steps 1000 2026-01-01")
    # A full disk, simulated: the bot's own connection may not grow the file past its current size.
    pages = await bot.db.fetchval("PRAGMA page_count")
    assert await bot.db.fetchval(f"PRAGMA max_page_count={pages}") == pages
    acked, refused = [], None
    day = date(2026, 11, 16)
    for i in range(400):
        when = day - timedelta(days=i)
        value = 20_000 + i
        out = await bot.run(f"alice@dm: log steps {value} {when.isoformat()} {'n' * 200}")
        assert len(out) == 1 and out[0].startswith("[@alice] "), out
        assert "went wrong" not in out[0], out
        if "Logged" in out[0]:
            acked.append((when.isoformat(), float(value)))
            continue
        assert "try again" in out[0] and "Nothing was stored" in out[0], out
        refused = (when.isoformat(), float(value))
        break
    assert refused is not None, "the database never filled up"
    rows = {(r[0], r[1]) for r in await bot.db.fetchall("SELECT day, value FROM entries WHERE active=1")}
    assert set(acked) <= rows and refused not in rows
    # The other write path (SqliteDatabase.transaction, used by most repositories) says the same, rather
    # than failing on a ROLLBACK that SQLite already did itself.
    with pytest.raises(StorageBusy):
        await bot.db.execute("INSERT INTO platform_state(key, value) VALUES (?, ?)", ("filler", "x" * 200_000))
    assert await bot.db.fetchval("SELECT COUNT(*) FROM platform_state WHERE key='filler'") == 0
    assert "Removed 20,0" in await bot.say("alice@dm: undo")   # deleting needs no space: still works (notes are now at most 200 characters, so more rows fit)
    acked.pop()
    await bot.db.fetchval("PRAGMA max_page_count=1073741823")   # space again
    assert "Logged 20,999 steps" in await bot.say(f"alice@dm: log steps 20999 {refused[0]}")


# ---- restarts at random moments around the weekly check-in ------------------------------------

SUNDAYS = [datetime(2026, 11, 22, 18, tzinfo=UTC), datetime(2026, 11, 29, 18, tzinfo=UTC),
           datetime(2026, 12, 6, 18, tzinfo=UTC)]
LABELS = ["Nov 16–Nov 22", "Nov 23–Nov 29", "Nov 30–Dec 6"]
GRACE = timedelta(hours=12)   # config checkins.grace_hours (default)
HOUR = 60


@st.composite
def downtime(draw):
    """None (no restart that week), or (down, up) in minutes relative to that Sunday's 18:00, up >= down:
    the bot stops at `down` and starts again at `up` (the clock moved on while it was down)."""
    if draw(st.integers(0, 4)) == 0:
        return None
    down = draw(st.one_of(st.sampled_from([-1, 0, 1]), st.integers(-20 * HOUR, 20 * HOUR)))
    up = draw(st.one_of(st.sampled_from([0, 1, 12 * HOUR - 1, 12 * HOUR, 12 * HOUR + 1]),
                        st.integers(-20 * HOUR, 32 * HOUR)))
    return down, max(up, down)


def skipped(plan, sunday: datetime) -> bool:
    """Down across the fire time and back only at or after fire time + grace: too late, skipped.
    (At exactly `down` the bot was still running: `:time` runs what falls due up to and including it.)"""
    if plan is None:
        return False
    down, up = sunday + timedelta(minutes=plan[0]), sunday + timedelta(minutes=plan[1])
    return down < sunday <= up and up - sunday >= GRACE


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logged=st.lists(st.booleans(), min_size=3, max_size=3), plans=st.lists(downtime(), min_size=3, max_size=3))
def test_restarts_around_weekly_runs_post_exactly_once(logged, plans):
    asyncio.run(_restart_scenario(logged, plans))


async def _restart_scenario(logged: list[bool], plans: list) -> None:
    records = _Records()
    logging.getLogger("bot.scheduler").addHandler(records)
    with tempfile.TemporaryDirectory() as tmp:
        bot = await make_transcript(Path(tmp))
        try:
            await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
                          "pub@#walkers: privacy set steps public", "pub@#walkers: checkin join",
                          "tre@#walkers: privacy set steps trend", "tre@#walkers: checkin join")
            for week, sunday in enumerate(SUNDAYS):
                await bot.run(f":time {(sunday - timedelta(days=4, hours=6)).isoformat()}")   # Wednesday noon
                if logged[week]:
                    await bot.run(f"pub@dm: log steps {1000 + week}", f"tre@dm: log steps {2000 + week}")
                plan = plans[week]
                if plan is not None:
                    await bot.run(f":time {(sunday + timedelta(minutes=plan[0])).isoformat()}")
                    bot.clock.set(sunday + timedelta(minutes=plan[1]))   # down: time passes, nothing runs
                    await bot.restart()
            await bot.run(":time 2026-12-10T00:00:00+00:00")
            out = bot.out.getvalue().splitlines()
            channel_id = await bot.db.fetchval("SELECT id FROM channels WHERE external_id='walkers'")
            for week, sunday in enumerate(SUNDAYS):
                skip = skipped(plans[week], sunday)
                posts = [line for line in out if line.startswith("[#walkers #")
                         and f"Weekly check-in for #walkers — {LABELS[week]}" in line]
                assert len(posts) == (1 if logged[week] and not skip else 0), (week, plans[week], posts)
                status = await bot.db.fetchval("SELECT status FROM job_runs WHERE job=? AND period=?",
                                               (f"checkin:{channel_id}", sunday.isoformat()))
                assert status == ("skipped" if skip else "done"), (week, plans[week], status)
                warned = [m for m in records.messages if f"skipped checkin:{channel_id} for {sunday.isoformat()}" in m]
                assert len(warned) == (1 if skip else 0), (week, plans[week], records.messages)
        finally:
            await bot.app.stop()
            logging.getLogger("bot.scheduler").removeHandler(records)
