"""The one logging set-up (bot/logs.py): libraries clamped and filtered, token shapes redacted, JSON lines,
the scheduler quiet; and what `peerpulse run` does when one of two platforms stops."""

from __future__ import annotations

import io
import json
import logging
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.logs import redact_tokens, setup_logging, unguard_handlers

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.logging-token-never-printed-4f9a"


@pytest.fixture
def logged():
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    saved = {name: logging.getLogger(name).level for name in ("discord", "discord.http", "apscheduler", "nio", "aiohttp")}
    yield stream
    unguard_handlers()
    root.setLevel(level)
    for name, lv in saved.items():
        logging.getLogger(name).setLevel(lv)


def test_debug_turns_up_the_bots_own_lines_only(logged):
    setup_logging("DEBUG", "text", stream=logged)
    logging.getLogger("bot.runtime").debug("own debug line")
    logging.getLogger("discord.gateway").debug("For Shard ID None: WebSocket Event: {'d': {'token': 'abc', 'value': '8,000'}}")
    logging.getLogger("nio.responses").debug("Validating response schema: {'body': '!pp log steps 8000'}")
    logging.getLogger("apscheduler.executors.default").info('Running job "maintain" (scheduled at ...)')
    # A library that resets its own level, or a logger the clamp does not list, is still filtered.
    logging.getLogger("discord.http").setLevel(logging.DEBUG)
    logging.getLogger("discord.http").debug("POST /interactions/1/tok with {'content': '8,000'} has returned 204")
    logging.getLogger("somelib").info("somelib payload 8,000")
    text = logged.getvalue()
    assert "own debug line" in text
    assert "8,000" not in text and "8000" not in text and "Running job" not in text, text


def test_library_warnings_pass_with_token_shapes_redacted(logged):
    setup_logging("INFO", "text", stream=logged)
    logging.getLogger("discord.http").warning(
        "We are being rate limited. POST https://discord.com/api/v10/interactions/123456/aW50ZXJhY3Rpb246MTIz/callback "
        "responded with 429")
    logging.getLogger("discord.webhook.async_").warning("Webhook /webhooks/42/tokenvalue-xyz failed")
    logging.getLogger("nio.client").warning("GET /sync?access_token=syt_cGVlcnB1bHNl_abcdefghijklmn failed")
    try:
        raise ConnectionError(f"Authorization: Bot {TOKEN}")
    except ConnectionError:
        logging.getLogger("aiohttp.client").exception("request failed")
    text = logged.getvalue()
    assert "rate limited" in text and "/interactions/123456/<token>" in text and "/webhooks/42/<token>" in text
    for secret in ("aW50ZXJhY3Rpb246MTIz", "tokenvalue-xyz", "syt_cGVlcnB1bHNl", TOKEN, TOKEN[:24]):
        assert secret not in text, secret


def test_a_configured_secret_is_withheld_even_from_the_bots_own_lines(logged):
    setup_logging("DEBUG", "text", secrets=[TOKEN], stream=logged)
    logging.getLogger("bot.runner").error("oops %s", TOKEN)
    assert TOKEN not in logged.getvalue() and "withheld" in logged.getvalue()


def test_json_format_is_one_object_a_line(logged):
    setup_logging("INFO", "json", stream=logged)
    logging.getLogger("bot.scheduler").info("posted %s", "checkin")
    try:
        1 / 0   # noqa: B018  (raises: the test needs a real traceback)
    except ZeroDivisionError:
        logging.getLogger("bot.runtime").exception("command log failed")
    lines = [json.loads(line) for line in logged.getvalue().splitlines()]
    assert lines[0]["level"] == "INFO" and lines[0]["logger"] == "bot.scheduler" and lines[0]["message"] == "posted checkin"
    assert "ZeroDivisionError" in lines[1]["exception"] and lines[1]["time"].endswith("+00:00")


def test_the_scheduler_is_at_warning_by_default(logged):
    setup_logging("INFO", "text", stream=logged)
    assert not logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.INFO)
    assert logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.WARNING)
    assert logging.getLogger("bot.scheduler").isEnabledFor(logging.INFO)


def test_redaction_leaves_ordinary_text_alone():
    assert redact_tokens("synced 12 slash commands (guild)") == "synced 12 slash commands (guild)"


# -- one platform stops ------------------------------------------------------------------------

def _start(tmp_path: Path, failure: str) -> subprocess.Popen:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\npath = "{tmp_path / "bot.db"}"\n[bot]\nchart_processes = 0\nlog_format = "json"\n'
                    f'platform_failure = "{failure}"\n'
                    '[discord]\napi_base = "http://127.0.0.1:9/api/v10"\ngateway_url = "ws://127.0.0.1:9/gateway"\n'
                    '[matrix]\nhomeserver = "http://127.0.0.1:9"\nuser_id = "@bot:example.org"\n'
                    "startup_attempts = 100\n", encoding="utf-8")   # Matrix keeps trying while Discord stops
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PEERPULSE_")}, "PYTHONPATH": str(ROOT),
           "PEERPULSE_DISCORD_TOKEN": TOKEN, "PEERPULSE_MATRIX_TOKEN": "syt_matrix_token_never_printed_1234"}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(path)], stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _read_until(proc: subprocess.Popen, needle: str, timeout: float = 30) -> list[dict]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(json.loads(line))
            if needle in lines[-1]["message"]:
                return lines
    raise AssertionError(f"no line with {needle!r}: {lines}")


def _health(tmp_path: Path) -> tuple[int, str]:
    result = subprocess.run([sys.executable, "-m", "bot.cli", "health", "--config", str(tmp_path / "config.toml")],
                            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            timeout=30)
    return result.returncode, result.stdout + result.stderr


def test_keep_running_logs_the_stopped_platform_and_serves_the_other(tmp_path):
    proc = _start(tmp_path, "keep_running")
    try:
        lines = _read_until(proc, "keep running")
        assert any(l["level"] == "ERROR" and l["message"].startswith("discord stopped:") for l in lines)
        assert proc.poll() is None, "Matrix keeps running"
        deadline = time.monotonic() + 10
        while _health(tmp_path)[0] != 0 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _health(tmp_path)[0] == 0, "the healthcheck sees the heartbeat"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        out = proc.stderr.read()
    assert TOKEN not in out and "never_printed" not in out


def test_stop_ends_the_process_when_one_platform_stops(tmp_path):
    proc = _start(tmp_path, "stop")
    try:
        _read_until(proc, "stopping the other platforms")
        assert proc.wait(10) == 1
    finally:
        proc.kill()


def test_health_is_unhealthy_without_a_database_or_with_a_stale_heartbeat(tmp_path):
    import sqlite3

    from bot.runner import heartbeat_key

    (tmp_path / "config.toml").write_text(f'[storage]\npath = "{tmp_path / "bot.db"}"\n', encoding="utf-8")
    code, out = _health(tmp_path)
    assert code == 1 and "no database" in out and not (tmp_path / "bot.db").exists()
    subprocess.run([sys.executable, "-m", "bot.cli", "console", "--db", str(tmp_path / "bot.db")], input="",
                   text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60, check=True)
    assert "no heartbeat" in _health(tmp_path)[1]
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        conn.execute("INSERT INTO platform_state(key, value) VALUES (?, '2026-01-01T00:00:00+00:00')", (heartbeat_key(),))
    code, out = _health(tmp_path)
    assert code == 1 and "s old" in out
