"""The operator's tools as an operator runs them: `peerpulse backup` while the bot writes, restored to a
working database; `member export|forget` by platform ids; `community forget` after the bot is removed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def env() -> dict:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PEERPULSE_")}, "PYTHONPATH": str(ROOT)}


def cli(*args: str, stdin: str | None = None, timeout: float = 60):
    result = subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                            env=env(), cwd=ROOT, timeout=timeout)
    return result.returncode, result.stdout + result.stderr


def config_for(tmp_path: Path, db: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\npath = "{db}"\n[bot]\nchart_processes = 0\n', encoding="utf-8")
    return path


def console(db: Path, *lines: str) -> str:
    code, out = cli("console", "--db", str(db), "--start", "2026-11-16T09:00:00+00:00", stdin="\n".join(lines) + "\n")
    assert code == 0, out
    return out


def test_a_backup_taken_while_the_bot_writes_restores_to_a_working_database(tmp_path):
    db = tmp_path / "live.db"
    console(db, "alice@dm: log steps 1000")
    # The bot keeps writing (a console session fed a stream of logs) while the backup runs.
    writer = subprocess.Popen([sys.executable, "-m", "bot.cli", "console", "--db", str(db), "--start",
                               "2026-11-16T09:00:00+00:00"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=env(), cwd=ROOT)
    stop = threading.Event()

    def feed():
        i = 0
        while not stop.is_set():
            writer.stdin.write(f"m{i % 300}@dm: log steps {1000 + i} \n")
            writer.stdin.flush()
            i += 1
        writer.stdin.close()

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        deadline = time.monotonic() + 30
        while _count(db, "SELECT COUNT(*) FROM members") < 50 and time.monotonic() < deadline:
            time.sleep(0.1)
        before = _count(db, "SELECT COUNT(*) FROM entries")
        assert before > 20, "the writer is writing"
        code, out = cli("backup", "--config", str(config_for(tmp_path, db)), "--to", str(tmp_path / "backup.db"))
        assert code == 0, out
        assert "Backed up" in out and "To restore" in out
        time.sleep(0.3)
        after = _count(db, "SELECT COUNT(*) FROM entries")
    finally:
        stop.set()
        feeder.join(10)
        writer.wait(30)
    assert after > before, "writes went on during the backup"
    backup = tmp_path / "backup.db"
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copied = conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    assert before <= copied
    # Restored: the bot starts on the copy, reads what was there and takes new writes.
    out = console(backup, "alice@dm: history steps", "zoe@dm: log steps 4321", "zoe@dm: history steps")
    assert "1,000" in out and "4,321" in out
    # A second backup never overwrites the first.
    code, out = cli("backup", "--config", str(config_for(tmp_path, db)), "--to", str(backup))
    assert code == 2 and "exists already" in out


def test_backup_of_postgresql_points_to_pg_dump(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[storage]\nurl = "postgresql://peerpulse@127.0.0.1:5432/peerpulse"\n', encoding="utf-8")
    code, out = cli("backup", "--config", str(path), "--to", str(tmp_path / "b.dump"))
    assert code == 2 and "pg_dump" in out and not (tmp_path / "b.dump").exists()


def _count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_operator_exports_and_forgets_one_member_by_platform_id(tmp_path):
    db = tmp_path / "bot.db"
    console(db, "alice@#walkers: privacy set steps public", "alice@#walkers: log steps 8123",
            "alice@#walkers: chart steps 7 share", "bob@#walkers: log steps 5555")
    config = str(config_for(tmp_path, db))
    code, out = cli("member", "export", "--config", config, "--platform", "console", "--community", "console",
                    "--member", "alice", "--to", str(tmp_path / "alice.json"))
    assert code == 0, out
    exported = json.loads((tmp_path / "alice.json").read_text())
    assert [e["value"] for e in exported["entries"]] == [8123]
    assert "5555" not in (tmp_path / "alice.json").read_text()

    code, out = cli("member", "forget", "--config", config, "--platform", "console", "--community", "console",
                    "--member", "alice")
    assert code == 0, out
    assert "Deleted" in out and "on the platform showed this member's data" in out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM members WHERE external_id='alice'").fetchone()[0] == 0
        # No table still holds alice's value: not the entries, not the post ledger's copy of the post.
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
            for row in conn.execute(f"SELECT * FROM {table}").fetchall():
                assert not any("8123" in str(v) or "8,123" in str(v) for v in row), (table, row)
        assert conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 1   # bob's stays
    code, out = cli("member", "forget", "--config", config, "--platform", "console", "--community", "console",
                    "--member", "alice")
    assert code == 1 and "nothing to delete" in out


def test_operator_forgets_a_community(tmp_path):
    db = tmp_path / "bot.db"
    console(db, "alice@#walkers: log steps 8123", ":moderator mia", "mia@#walkers: mod rule #walkers steps off")
    config = str(config_for(tmp_path, db))
    code, out = cli("community", "forget", "--config", config, "--platform", "console", "--community", "console")
    assert code == 0 and "2 members" in out, out
    with sqlite3.connect(db) as conn:
        for table in ("communities", "channels", "members", "entries", "channel_rules", "sharing"):
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table


@pytest.mark.discord
async def test_operator_forget_takes_the_member_out_of_their_discord_posts(tmp_path, monkeypatch, capsys):
    """The operator forgets alice by her Discord id while the bot is stopped: her data goes, and the
    check-in post that showed her steps is edited over Discord's REST API (the suite's stand-in)."""
    import asyncio
    from datetime import datetime

    import discord

    from bot import operator_tools
    from bot.adapters.discord_adapter import DiscordAdapter
    from bot.app import build_app
    from bot.config import Config, DiscordConfig, PrivacyConfig
    from bot.vocabulary.clock import FakeClock
    from tests.discord_standin.server import DEFAULT_PERMISSIONS, DiscordStandIn

    standin = DiscordStandIn(guild_name="Walkers Club")
    await standin.start()
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    monkeypatch.setenv("PP_TEST_DISCORD_TOKEN", "not-a-real-token")
    config = Config(database=str(tmp_path / "bot.db"), privacy=PrivacyConfig(min_group_size=3), chart_processes=0,
                    discord=DiscordConfig(token_env="PP_TEST_DISCORD_TOKEN", api_base=standin.api_base,
                                          gateway_url=standin.gateway_url, dev_guild_id=int(standin.guild_id)))
    try:
        walkers = standin.add_channel(standin.guild_id, "walkers")
        alice, bob = standin.user_id, standin.add_member(standin.guild_id, "bob")
        mia = standin.add_member(standin.guild_id, "mia")
        clock = FakeClock(datetime.fromisoformat("2026-11-16T09:00:00+00:00"))
        app = await build_app(config, clock)
        adapter = DiscordAdapter(app, config.discord, guild_ready_timeout=0.05)
        await app.start()
        task = asyncio.create_task(adapter.start("not-a-real-token"))
        await asyncio.wait_for(adapter.synced.wait(), 20)

        async def run(name, options, user, **kw):
            inj = await standin.inject_command(name, options, user_id=user, channel_id=walkers, **kw)
            await inj.wait_response()

        await run("mod", {"schedule": {"channel": walkers, "weekday": "sunday", "time": "18:00", "zone": "UTC"}}, mia,
                  permissions=str(int(DEFAULT_PERMISSIONS) | (1 << 4)))
        for user, value in ((alice, "8123"), (bob, "5000")):
            for name, options in (("privacy", {"set": {"metric": "steps", "level": "public"}}), ("checkin", {"join": {}}),
                                  ("log", {"metric": "steps", "value": value})):
                await run(name, options, user)
        await app.advance_clock(clock, datetime.fromisoformat("2026-11-22T19:00:00+00:00"))
        (message_id,) = [m for m in standin.channel_messages[walkers] if "Weekly check-in" in str(standin.messages[m])]
        assert "8,123" in str(standin.messages[message_id])
        await adapter.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await app.stop()   # the operator stops the bot first

        assert await operator_tools.forget_member(config, "discord", standin.guild_id, alice) == 0
        shown = str(standin.messages[message_id])
        assert "8,123" not in shown and "5,000" in shown
        out = capsys.readouterr().out
        assert "Took the member out of 1 post on discord" in out
    finally:
        await standin.stop()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
