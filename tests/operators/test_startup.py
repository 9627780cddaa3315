"""Start-up as an operator meets it: `peerpulse run` as a real process with each bad config exits
non-zero within seconds, says in one line per problem which key is wrong and how to fix it, never
repeats a secret, and opens nothing (no database file) before the config and secrets are checked.
Also `--version`, `check-config`, `--help` speed and the config schema's rules."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import ConfigError, config_from_dict, load_config

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.startup-token-never-printed-4f9a"
PASSWORD = "correct-horse-battery-staple-7731"


def peerpulse(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 5.0):
    """The CLI as a subprocess; returns (exit code, stdout + stderr, seconds). Fails if it outlives ``timeout``."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PEERPULSE_")}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True,
                            env=full_env, cwd=cwd or ROOT, timeout=timeout)
    return result.returncode, result.stdout + result.stderr, time.monotonic() - start


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\npath = "{tmp_path / "bot.db"}"\n' + text, encoding="utf-8")
    return path


BAD_CONFIGS = [
    # (name, config body, environment, words the message must hold)
    ("token variable unset", '[discord]\ntoken_env = "PP_TEST_UNSET_TOKEN"\n', {},
     ["[discord] token_env", "PP_TEST_UNSET_TOKEN is not set", "export PP_TEST_UNSET_TOKEN"]),
    ("a token pasted into token_env", f'[discord]\ntoken_env = "{TOKEN}"\n', {},
     ["[discord] token_env", "NAME of an environment variable", "not shown"]),
    ("a Matrix token pasted into access_token_env", '[matrix]\nhomeserver = "https://m.example.org"\n'
     'user_id = "@bot:example.org"\naccess_token_env = "syt_cGVlcnB1bHNl_AbCdEfGhIjKlMnOp_2x9Yq1"\n', {},
     ["[matrix] access_token_env", "NAME of an environment variable", "not shown"]),
    ("a token in the file", f'[discord]\ntoken = "{TOKEN}"\n', {},
     ["[discord] token", "never go in the config file", "token_env"]),
    ("matrix without a secret", '[discord]\ntoken_env = "PP_TEST_TOKEN"\n[matrix]\nhomeserver = "https://m.example.org"\n'
     'user_id = "@bot:example.org"\naccess_token_env = "PP_TEST_MX_TOKEN"\npassword_env = "PP_TEST_MX_PASSWORD"\n',
     {"PP_TEST_TOKEN": TOKEN}, ["[matrix]", "PP_TEST_MX_TOKEN", "PP_TEST_MX_PASSWORD", "is set"]),
    ("min_group_size as a word", '[privacy]\nmin_group_size = "three"\n[discord]\n', {"PEERPULSE_DISCORD_TOKEN": TOKEN},
     ["[privacy] min_group_size", "whole number", '"three"', "min_group_size = 3"]),
    ("unknown log level", '[bot]\nlog_level = "verbose"\n[discord]\n', {"PEERPULSE_DISCORD_TOKEN": TOKEN},
     ["[bot] log_level", '"DEBUG", "INFO"', '"verbose"']),
    ("unknown key in [bot]", '[bot]\nloglevel = "INFO"\n[discord]\n', {"PEERPULSE_DISCORD_TOKEN": TOKEN},
     ["[bot] loglevel", "did you mean log_level?"]),
    ("unknown key in [storage]", '[discord]\n', {"PEERPULSE_DISCORD_TOKEN": TOKEN},   # `pathh` appended below
     ["[storage] pathh", "did you mean path?"]),
    ("misspelt section", '[privcy]\nmin_group_size = 3\n[discord]\n', {"PEERPULSE_DISCORD_TOKEN": TOKEN},
     ["unknown section [privcy]", "did you mean privacy?"]),
    ("a password in the PostgreSQL URL", '[discord]\n', {"PEERPULSE_DISCORD_TOKEN": TOKEN},   # url appended below
     ["[storage] url", "without a password", "PGPASSWORD"]),
    ("no platform at all", '[privacy]\nmin_group_size = 3\n', {}, ["neither a [discord] nor a [matrix]"]),
    ("not TOML", '[discord\n', {}, ["not valid TOML", "line"]),
    ("a removed key", '[bot]\noutput_dir = "x"\n[discord]\n', {"PEERPULSE_DISCORD_TOKEN": TOKEN},
     ["[bot] output_dir", "removed"]),
]


@pytest.mark.parametrize("name, body, env, expected", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_run_with_a_bad_config_fails_fast_and_clearly(tmp_path, name, body, env, expected):
    path = write(tmp_path, body)
    if name == "unknown key in [storage]":
        path.write_text(path.read_text().replace("[storage]\n", "[storage]\npathh = 'x'\n"), encoding="utf-8")
    if name == "a password in the PostgreSQL URL":
        path.write_text(path.read_text().replace("[storage]\n", f"[storage]\nurl = 'postgresql://pp:{PASSWORD}@127.0.0.1/pp'\n"),
                        encoding="utf-8")
    code, out, seconds = peerpulse("run", "--config", str(path), env=env)
    assert code == 2, out
    assert seconds < 5
    for words in expected:
        assert words in out, (words, out)
    assert TOKEN not in out and TOKEN[:24] not in out and PASSWORD not in out and "syt_" not in out
    assert "Traceback" not in out
    problems = [line for line in out.splitlines() if line.startswith("peerpulse: ")]
    assert problems and all(len(p) < 400 for p in problems)
    assert not (tmp_path / "bot.db").exists(), "nothing may be opened before the config and secrets are checked"


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, '[bot]\nlog_level = "loud"\nchart_procs = 2\n[privacy]\nmin_group_size = 1\n'
                           '[checkins]\ntime = "25:00"\nweekday = "sonday"\n[discord]\n')
    code, out, _ = peerpulse("run", "--config", str(path))
    assert code == 2
    lines = [line for line in out.splitlines() if line.startswith("peerpulse: ")]
    assert len(lines) == 5, out
    assert any("did you mean chart_processes?" in line for line in lines)
    assert any("[privacy] min_group_size" in line and "from 3" in line for line in lines)


def test_a_platform_that_stops_at_run_time_ends_the_process_with_its_name(tmp_path):
    """A Discord login refused at start (the stand-in gateway is not there): logged by type, exit 1."""
    path = write(tmp_path, '[bot]\nchart_processes = 0\n[discord]\napi_base = "http://127.0.0.1:9/api/v10"\n'
                           'gateway_url = "ws://127.0.0.1:9/gateway"\n')
    code, out, seconds = peerpulse("run", "--config", str(path), env={"PEERPULSE_DISCORD_TOKEN": TOKEN}, timeout=30)
    assert code == 1, out
    assert "discord stopped:" in out and TOKEN not in out


def test_version():
    code, out, _ = peerpulse("--version")
    assert code == 0 and out.strip().startswith("peerpulse ") and any(c.isdigit() for c in out)


def test_check_config_prints_the_effective_config_with_secrets_as_set_or_missing(tmp_path):
    path = write(tmp_path, '[bot]\nlog_level = "debug"\n[discord]\ntoken_env = "PP_TEST_TOKEN"\n'
                           '[matrix]\nhomeserver = "https://m.example.org"\nuser_id = "@bot:example.org"\n'
                           'access_token_env = "PP_TEST_MX"\npassword_env = "PP_TEST_MX_PW"\n')
    code, out, _ = peerpulse("check-config", "--config", str(path), env={"PP_TEST_TOKEN": TOKEN, "PP_TEST_MX": PASSWORD})
    assert code == 0, out
    assert 'log_level = "DEBUG"' in out and "min_group_size = 3" in out and 'prefix = "!pp"' in out
    assert "PP_TEST_TOKEN: set" in out and "PP_TEST_MX: set" in out and "PP_TEST_MX_PW: missing" in out
    assert TOKEN not in out and PASSWORD not in out
    # What it prints is itself a valid config (minus the comments), so it can be saved and edited.
    assert load_config_text(out).log_level == "DEBUG"
    # A missing secret: the config is shown, then the problem, and the exit code says so.
    code, out, _ = peerpulse("check-config", "--config", str(path))
    assert code == 2 and "PP_TEST_TOKEN is not set" in out and "[discord]" in out


def load_config_text(text: str):
    import tomllib
    body = "\n".join(line for line in text.splitlines() if not line.startswith("peerpulse:"))
    return config_from_dict(tomllib.loads(body))


def test_help_is_fast_and_imports_nothing_heavy():
    code = ("import sys, time; t = time.perf_counter(); import bot.cli; "
            "heavy = [m for m in ('matplotlib', 'discord', 'nio', 'aiohttp', 'apscheduler', 'aiosqlite') if m in sys.modules]; "
            "print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=30)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
    code, out, _ = peerpulse("--help")
    assert code == 0 and "check-config" in out and "backup" in out


def test_console_and_a_command_that_draws_nothing_never_import_matplotlib(tmp_path):
    code = ("import sys, asyncio, io; from bot.cli import main; "
            "sys.stdin = io.StringIO('alice@dm: log steps 8000\\nalice@dm: about\\n'); main(['console']); "
            "print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert "Logged 8,000 steps" in result.stdout and "GNU Affero" in result.stdout, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


# -- the schema ----------------------------------------------------------------------------------

def test_every_key_of_the_example_config_is_known_and_typed():
    config = load_config(ROOT / "config.example.toml")
    assert config.default_timezone == "UTC" and config.log_format == "text"


@pytest.mark.parametrize("section, key, value", [
    ("bot", "chart_processes", "2"), ("bot", "chart_processes", True), ("bot", "log_format", "xml"),
    ("bot", "default_timezone", "Mars/Olympus"), ("bot", "source_url", "github.com/x"),
    ("privacy", "retention_days", -1), ("checkins", "grace_hours", "12"), ("challenges", "members_can_create", "yes"),
    ("discord", "dev_guild_id", "123"), ("discord", "shard_ids", ["0"]), ("matrix", "moderator_power_level", 101),
    ("matrix", "allowed_inviters", ["admin"]), ("matrix", "prefix", "! pp"),
])
def test_wrong_types_and_values_are_one_clear_line(section, key, value):
    data = {section: {key: value}}
    if section == "matrix":
        data[section].update(homeserver="https://m.example.org", user_id="@bot:example.org")
    with pytest.raises(ConfigError) as caught:
        config_from_dict(data)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"[{section}] {key}: expected ")


async def test_default_timezone_is_where_new_members_start(tmp_path):
    from tests.support.transcript import make_transcript

    t = await make_transcript(tmp_path, config_from_dict({"bot": {"default_timezone": "Europe/Berlin"}}))
    try:
        await t.say("alice@dm: log steps 8000")
        assert await t.db.fetchval("SELECT timezone FROM members WHERE display_name='alice'") == "Europe/Berlin"
    finally:
        await t.app.stop()


async def test_about_shows_the_version_and_the_source_url_from_config(tmp_path):
    from bot import version
    from tests.support.transcript import make_transcript

    t = await make_transcript(tmp_path, config_from_dict({"bot": {"source_url": "https://git.example.org/club/peerpulse"}}))
    try:
        out = await t.run("alice@#walkers: about")
    finally:
        await t.app.stop()
    assert all(line.startswith("[@alice]") for line in out), "a private answer"
    text = "\n".join(out)
    assert f"peerpulse {version()}" in text and "https://git.example.org/club/peerpulse" in text
    assert "Affero General Public License" in text
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("                    GNU AFFERO GENERAL PUBLIC LICENSE")
