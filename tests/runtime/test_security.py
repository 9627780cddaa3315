"""Security: moderator commands need a moderator, members reach only their own data, and neither
tokens nor members' values ever reach the logs."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import sys
import tempfile
import types
from pathlib import Path

import pytest

from bot.adapters.base import Inbound
from bot.commands import ParamType, Permission
from bot.config import Config, ConfigError, DiscordConfig, load_config
from bot.runner import _NoSecrets

ROOT = Path(__file__).resolve().parents[2]
P = ParamType

PLAUSIBLE = {P.METRIC: "steps", P.QUANTITY: "8000", P.WHEN: "yesterday", P.LEVEL: "public", P.CAP: "trend",
             P.CHANNEL: "#walkers", P.TIME: "19:00", P.TIMEZONE: "UTC", P.WEEKDAY: "sunday", P.INT: "30",
             P.TEXT: "walkathon", P.MEMBER: "@mia"}
# `import` on the console takes a path: a real file of the member's own values, so the command stores something.
IMPORT_FILE = Path(tempfile.gettempdir()) / "peerpulse-security-import.csv"
IMPORT_FILE.write_text("date,metric,value\n2026-11-15,steps,4321\n2026-11-14,sleep,7\n", encoding="utf-8")
PLAUSIBLE[P.FILE] = str(IMPORT_FILE)
PLAUSIBLE_WORDS = {"name": "meditation", "unit": "min", "min": "0", "max": "240"}


def plausible_args(spec) -> list[str]:
    out = []
    for p in spec.params:
        if p.type is P.CHOICE:
            out.append(p.choices[0])
        elif p.type in (P.WORD, P.NUMBER):
            out.append(PLAUSIBLE_WORDS.get(p.name, "walkathon"))
        else:
            out.append(PLAUSIBLE[p.type])
    return out


def command_line(spec) -> str:
    return " ".join([spec.name, *plausible_args(spec)])


async def dump(db) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    out = {}
    for table in sorted(await db.table_names()):
        rows = await db.fetchall(f"SELECT * FROM {table}")
        out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out


async def member_rows(db, member_id: int) -> dict[str, list[tuple]]:
    """Everything stored about one member: their profile, every row with their member_id, and the
    posts that hold their data."""
    out = {"members": [tuple(r) for r in await db.fetchall("SELECT * FROM members WHERE id=?", (member_id,))]}
    for table in await db.table_names():
        columns = await db.column_names(table)
        if "member_id" in columns:
            rows = await db.fetchall(f"SELECT * FROM {table} WHERE member_id=?", (member_id,))
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    out["their posts"] = [tuple(r) for r in await db.fetchall(
        "SELECT p.* FROM posts p WHERE p.id IN (SELECT post_id FROM post_disclosures WHERE member_id=?) ORDER BY p.id",
        (member_id,))]
    return out


async def member_id(bot, name: str) -> int:
    return await bot.db.fetchval("SELECT id FROM members WHERE external_id=?", (name,))


# ---- moderator commands ------------------------------------------------------------------------

async def test_non_moderators_are_refused_every_mod_command(bot):
    mod_specs = [s for s in bot.app.registry.all() if s.permission is Permission.MODERATOR]
    assert {"mod rule", "mod rules", "mod metric add", "mod schedule"} <= {s.name for s in mod_specs}
    await bot.run(":moderator mia", "mia@#walkers: mod rule #walkers weight off",
                  "bob@#walkers: privacy set steps public", "bob@dm: log steps 5000", "bob@#walkers: checkin join")
    before = await dump(bot.db)
    for spec in mod_specs:
        for where in ("#walkers", "dm"):
            line = f"bob@{where}: {command_line(spec)}"
            assert await bot.run(line) == [f"[@bob] Only moderators can use `{spec.name}`."], line
        # The pre-parsed path (Discord slash commands) is checked in the same place.
        sent = await bot.app.handle(Inbound(
            platform="console", community_external_id="console", community_name="console community",
            channel_external_id="walkers", channel_name="walkers", member_external_id="bob", member_name="bob",
            is_moderator=False, command=spec.name, arguments=dict(zip((p.name for p in spec.params), plausible_args(spec), strict=False))))
        assert [d.text for d in sent] == [f"Only moderators can use `{spec.name}`."]
        # Asking for confirmation first must not open a way round the check either.
        assert "nothing waiting" in await bot.say("bob@#walkers: confirm")
    assert await dump(bot.db) == before
    # The same lines from a moderator get past the check (so the arguments above were plausible).
    for spec in mod_specs:
        out = await bot.say(f"mia@#walkers: {command_line(spec)}")
        assert "Only moderators" not in out and "went wrong" not in out, out
    assert await dump(bot.db) != before


# ---- one member, another member's data ---------------------------------------------------------

ALICE_SECRETS = ["43210", "43,210", "77.7", "123,456", "123456", "alicesecret", "06:45", "Asia/Tokyo", "alice"]


async def test_a_member_never_reads_or_changes_another_members_data(bot):
    await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
                  "alice@dm: timezone Asia/Tokyo",
                  "alice@#walkers: privacy set steps public", "alice@#walkers: checkin join",
                  "alice@dm: log steps 43210 yesterday alicesecret", "alice@dm: log weight 77.7kg",
                  "alice@dm: goal steps 123456", "alice@dm: remind on 06:45",
                  "alice@#walkers: chart steps 7 share")
    assert "deletes all your entries" in await bot.say("alice@dm: mydata forget")   # alice's forget is pending
    alice = await member_id(bot, "alice")
    alice_before = await member_rows(bot.db, alice)
    assert alice_before["entries"] and alice_before["their posts"] and alice_before["goals"] and alice_before["reminders"]

    def bob_saw(out: list[str], line: str) -> None:
        for o in out:
            if o.startswith("[@mia] "):
                # bob may offer mia his own data (a partner invite); nothing of alice's is in it
                assert "bob would like to be accountability partners" in o or "bob offers" in o, (line, o)
                continue
            assert o.startswith("[@bob] ") or o.startswith("[#"), (line, o)
            if o.startswith("[@bob] "):
                assert not any(s in o for s in ALICE_SECRETS), (line, o)

    # bob's confirm cannot confirm alice's pending forget
    out = await bot.run("bob@dm: confirm")
    assert out == ["[@bob] There is nothing waiting for your confirmation."]
    assert await member_rows(bot.db, alice) == alice_before
    # every command bob can type, with plausible arguments, in the channel and in private
    await bot.run("bob@dm: log steps 5000", "bob@#walkers: privacy set steps public")
    for spec in bot.app.registry.all():
        for where in ("#walkers", "dm"):
            line = f"bob@{where}: {command_line(spec)}"
            bob_saw(await bot.run(line), line)
            assert await member_rows(bot.db, alice) == alice_before, line
    # the commands that read or change "my" data, explicitly
    for line in ("bob@dm: history", "bob@dm: history steps", "bob@dm: history weight", "bob@dm: undo", "bob@dm: undo",
                 "bob@dm: mydata shared", "bob@#walkers: checkin leave", "bob@dm: remind off"):
        bob_saw(await bot.run(line), line)
    out = await bot.run("bob@dm: mydata export")
    bob_saw(out, "mydata export")
    files = [Path(o.split("file: ", 1)[1]) for o in out if "file: " in o]
    assert files and all(path.exists() for path in files)
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not any(s in text for s in ALICE_SECRETS), (path.name, text[:500])
    exported = json.loads(next(p for p in files if p.suffix == ".json").read_text(encoding="utf-8"))
    assert [r["external_id"] for r in exported["profile"]] == ["bob"]
    # bob forgets himself: alice is untouched, her post stays
    await bot.run("bob@dm: log steps 6000")
    bob_saw(await bot.run("bob@dm: mydata forget"), "forget")
    out = await bot.run("bob@dm: confirm")
    bob_saw(out, "confirm")
    assert "deleted everything" in out[-1]
    assert await member_id(bot, "bob") is None
    assert await member_rows(bot.db, alice) == alice_before
    # and alice's own pending forget survived all of that, and is hers alone to confirm
    mia_rows = await member_rows(bot.db, await member_id(bot, "mia"))
    out = await bot.run("alice@dm: confirm")
    assert "deleted everything" in out[-1]
    assert await member_id(bot, "alice") is None
    assert await member_rows(bot.db, await member_id(bot, "mia")) == mia_rows


# ---- tokens and values never reach the logs ----------------------------------------------------

TOKEN = "MTIzNDU2Nzg5MDEy.GhIjKl.test-token-do-not-log-4f9a"


def test_the_secrets_filter_withholds_a_token_however_it_is_logged(monkeypatch):
    monkeypatch.setenv("PEERPULSE_DISCORD_TOKEN", TOKEN)
    token = DiscordConfig().token()
    assert token == TOKEN
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_NoSecrets([token, ""]))
    log = logging.getLogger("peerpulse.test_security")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    try:
        log.info("connecting with %s", token)
        log.info(f"connecting with {token}")
        log.debug("headers: %r", {"Authorization": f"Bot {token}"})
        try:
            raise RuntimeError(f"login refused for token {token}")
        except RuntimeError:
            log.exception("login failed")                       # the token is in the traceback, not the message
        log.error("gateway closed", exc_info=ConnectionError(f"wss://gateway?token={token}"))
        log.warning("an ordinary line")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    text = stream.getvalue()
    assert token not in text and token[:24] not in text, text
    assert text.count("withheld") == 5 and "an ordinary line" in text


async def test_a_token_given_to_the_runner_never_reaches_its_logs(tmp_path, monkeypatch, caplog):
    """`peerpulse run` with a Discord token from the environment, against a stand-in adapter that logs
    the token the way a careless library might: the runner's filter withholds those lines."""
    from bot import runner

    class LeakyDiscord:
        def __init__(self, app, config):
            self.app = app

        async def start(self, token):
            logging.getLogger("discord.client").info("logging in using static token %s", token)
            await asyncio.sleep(0)
            try:
                raise PermissionError(f"401 Unauthorized for {token}")
            except PermissionError:
                logging.getLogger("discord.client").exception("login failed")
            raise RuntimeError(f"giving up on {token}")

    monkeypatch.setenv("PEERPULSE_DISCORD_TOKEN", TOKEN)
    # The runner imports the adapter when it starts; it gets the stand-in (and discord.py is never loaded).
    monkeypatch.setitem(sys.modules, "bot.adapters.discord_adapter", types.SimpleNamespace(DiscordAdapter=LeakyDiscord))
    caplog.set_level(logging.DEBUG)
    root = logging.getLogger()
    try:
        config = Config(database=str(tmp_path / "run.db"), chart_processes=0, discord=DiscordConfig())
        assert await runner.run(config) == 1   # the adapter stopped: reported by its exception's type only
    finally:
        for h in root.handlers:
            for f in [f for f in h.filters if isinstance(f, _NoSecrets)]:
                h.removeFilter(f)
    assert "discord stopped: RuntimeError" in caplog.text
    assert TOKEN not in caplog.text and "withheld" in caplog.text


@pytest.mark.parametrize("section, key", [("discord", "token"), ("matrix", "password"), ("matrix", "access_token"),
                                          ("discord", "secret")])
def test_config_refuses_secrets_in_the_file(tmp_path, section, key):
    path = tmp_path / "config.toml"
    path.write_text(f'[{section}]\n{key} = "{TOKEN}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert key in str(caught.value) and TOKEN not in str(caught.value)


def test_the_example_config_loads_and_names_only_environment_variables(monkeypatch):
    monkeypatch.delenv("PEERPULSE_DISCORD_TOKEN", raising=False)
    config = load_config(ROOT / "config.example.toml")
    assert config.discord is not None and config.discord.token_env == "PEERPULSE_DISCORD_TOKEN"
    assert config.matrix is not None and config.matrix.access_token_env == "PEERPULSE_MATRIX_TOKEN"
    assert config.privacy.min_group_size >= 2
    with pytest.raises(ConfigError):
        config.discord.token()   # no token anywhere but the environment
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(token|password|access_token|secret)\s*=", text, re.M)


async def test_logs_never_hold_members_values(bot, caplog):
    caplog.set_level(logging.DEBUG)
    await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
                  "mia@#walkers: mod metric add meditation min 0 240",
                  "alice@#walkers: privacy set steps public", "alice@#walkers: checkin join",
                  "bob@#walkers: privacy set steps aggregate", "bob@#walkers: checkin join",
                  "alice@dm: log steps 48213 today privatenote913",
                  "alice@dm: log weight 81.37kg", "alice@dm: log meditation 37.25",
                  "alice@dm: goal steps 70123", "bob@dm: log steps 39157",
                  "alice@#walkers: chart steps 7 share", "alice@dm: history", "alice@dm: mydata export",
                  "alice@dm: log steps 99999999", "alice@dm: log steps 52817", "alice@dm: undo")
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    assert any("48,213" in o for o in out)   # the values did go through the bot (privately and in the post)
    # Everything was logged at DEBUG (and captured), yet no value is in it. Before the fix aiosqlite
    # logged every statement's parameters at DEBUG.
    for name in ("bot.runtime", "bot.scheduler", "storage.database", "cogs.checkins"):
        assert logging.getLogger(name).isEnabledFor(logging.DEBUG)
    for value in ("48213", "48,213", "81.37", "37.25", "70123", "70,123", "39157", "39,157", "52817", "52,817",
                  "99999999", "privatenote913"):
        assert value not in caplog.text, value
