"""Library loggers never carry message bodies, slash options, interaction tokens or bot tokens, at any
level: the Discord and Matrix end-to-end tests are run again at DEBUG with the bot's logging set-up,
and their whole log holds none of what the members typed and no token. The same runs with a bare
DEBUG handler are the control: they show the libraries do log those things, so the check can fail."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.matrix_harness import synapse_available

ROOT = Path(__file__).resolve().parents[2]
# The two end-to-end tests that go through every kind of traffic (commands, posts, edits, images, DMs).
E2E = ["tests/adapters/test_discord_e2e.py::test_discord_end_to_end", "tests/adapters/test_matrix_e2e.py::test_matrix_end_to_end"]

# What members typed in the end-to-end tests (Discord options and Matrix messages) and the tokens.
TYPED = ["8,000", "8000", "9000", "5000", "5,500", "lots", "1.5L", "steps 7 share", "log steps", "!pp "]
TOKENS = [re.compile(r"not-a-real-token"), re.compile(r"itok\.[0-9a-f]{32}"),   # Discord bot and interaction tokens
          re.compile(r"syt_[\w-]+"), re.compile(r"pw-(alice|bob|mia|peerpulse)")]   # Matrix access tokens, passwords

pytestmark = [pytest.mark.synapse, pytest.mark.discord, pytest.mark.slow,
              pytest.mark.skipif(not synapse_available() and os.environ.get("CI") != "true",
                                 reason="matrix-synapse is not installed (pip install -e '.[test]')")]


def run_e2e_logged(tmp_path: Path, raw: bool) -> str:
    log_file = tmp_path / ("raw.log" if raw else "bot.log")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PEERPULSE_TEST_LOG_FILE": str(log_file),
           "PEERPULSE_TEST_LOG_RAW": "1" if raw else "0"}
    result = subprocess.run([sys.executable, "-m", "pytest", *E2E, "-o", "addopts=", "-q", "-p", "no:cacheprovider",
                             "-p", "no:logging"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "2 passed" in result.stdout, result.stdout[-2000:]
    return log_file.read_text(encoding="utf-8")


def leaks(text: str) -> list[str]:
    found = [value for value in TYPED if value in text]
    found += [m.group(0) for pattern in TOKENS for m in [pattern.search(text)] if m]
    return found


def test_at_debug_the_end_to_end_logs_hold_no_typed_value_and_no_token(tmp_path):
    text = run_e2e_logged(tmp_path, raw=False)
    # DEBUG was on: the bot's own DEBUG and INFO lines are there (names and counts only).
    assert re.search(r"DEBUG bot\.runtime: discord command log answered", text), text[:2000]
    assert re.search(r"DEBUG bot\.runtime: matrix command log answered", text)
    assert "INFO bot.runtime: posted checkin in channel" in text
    assert leaks(text) == [], [line for line in text.splitlines() if leaks(line)][:10]


def test_control_without_the_setup_the_libraries_do_log_bodies_and_tokens(tmp_path):
    found = leaks(run_e2e_logged(tmp_path, raw=True))
    assert "8,000" in found or "8000" in found           # slash options / message bodies
    assert any(f.startswith("itok.") for f in found)     # interaction tokens (in gateway events and URLs)
    assert "!pp " in found                               # Matrix message bodies in nio's sync responses
