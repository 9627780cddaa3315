"""The one logging set-up: quiet by default, text or JSON, and never a token or a member's value.

The bot's own code logs names, counts and exception types, never values (a rule its tests check).
Libraries are another matter: at DEBUG, discord.py logs every gateway event and REST body (message
contents, slash options, interaction tokens), matrix-nio every sync response and header, aiohttp
and aiosqlite requests and statement parameters. So, whatever ``log_level`` says:

- library loggers are clamped to WARNING at the source, and a filter on every handler drops any
  library record below WARNING that gets through anyway (a library resetting its level, a handler
  added later), so ``log_level = "DEBUG"`` turns up the bot's own lines only;
- library records that are let through have token-shaped text redacted (interaction and webhook
  URLs carry a token in their path, Authorization headers, ``access_token=`` parameters, Discord
  and Matrix token shapes), in the message and in the traceback;
- any record holding one of the configured secrets verbatim is withheld (``NoSecrets``).

The scheduler logs at WARNING by default: the bot writes one INFO line per scheduled post or its
failure itself (bot.scheduler), instead of APScheduler's two lines a minute.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

#: Loggers of the bot's own code; everything else is a library.
OWN_NAMESPACES = ("bot", "cogs", "storage", "peerpulse", "bench")
#: Libraries known to log payloads below WARNING; clamped at the source (others are caught by the filter).
LIBRARY_LOGGERS = ("discord", "nio", "aiohttp", "asyncio", "apscheduler", "aiosqlite", "asyncpg", "websockets",
                   "h11", "h2", "urllib3", "matplotlib", "PIL", "peewee", "logbook")
LIBRARY_FLOOR = logging.WARNING

_TOKEN_PATTERNS = [
    (re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/\s?\"']+"), r"\1<token>"),
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bot|bearer)?\s*)[^\s'\",}]+"), r"\1<token>"),
    (re.compile(r"(?i)((?:access_token|token|password)['\"]?\s*[=:]\s*['\"]?)[^\s&'\",}]+"), r"\1<token>"),
    (re.compile(r"\b[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,}\b"), "<token>"),       # a Discord bot token
    (re.compile(r"\b(?:syt|syr|mct)_[\w-]{10,}"), "<token>"),                    # Synapse / MAS tokens
]


def is_own(name: str) -> bool:
    return name == "root" or name.split(".", 1)[0] in OWN_NAMESPACES


def redact_tokens(text: str) -> str:
    for pattern, replacement in _TOKEN_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class LibraryPayloads(logging.Filter):
    """Drops library records below WARNING; redacts token shapes in the library records it lets through."""

    def filter(self, record: logging.LogRecord) -> bool:
        if is_own(record.name):
            return True
        if record.levelno < LIBRARY_FLOOR:
            return False
        message = record.getMessage()
        cleaned = redact_tokens(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_tokens(record.exc_text)
        return True


class NoSecrets(logging.Filter):
    """Belt and braces: withhold any record that would carry a configured secret verbatim."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        # The traceback counts too: libraries put tokens in exception messages (URLs, "401 for ...").
        parts = [record.getMessage(), record.exc_text or "", record.stack_info or ""]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        if any(secret in part for part in parts for secret in self.secrets):
            kind = f" ({record.exc_info[0].__name__})" if record.exc_info and record.exc_info[0] else ""
            record.msg, record.args = "[a log line holding a secret was withheld]" + kind, ()
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
               "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = record.exc_text
        return json.dumps(out, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _OurHandler(logging.StreamHandler):
    """The handler this module installs (a second set-up replaces it instead of doubling lines). Without
    an explicit stream it writes to whatever ``sys.stderr`` is at the time of each line."""

    def __init__(self, stream: TextIO | None = None):
        self._follow_stderr = stream is None
        super().__init__(stream)

    @property
    def stream(self) -> TextIO:
        return sys.stderr if self._follow_stderr else self._stream

    @stream.setter
    def stream(self, value: TextIO) -> None:
        self._stream = value


def setup_logging(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = (),
                  stream: TextIO | None = None) -> logging.Handler:
    """Install the bot's handler on the root logger, clamp libraries, and guard every root handler."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(handler)
    handler = _OurHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        if library.getEffectiveLevel() < LIBRARY_FLOOR or library.level < LIBRARY_FLOOR:
            library.setLevel(LIBRARY_FLOOR)
    guard_handlers(secrets)
    return handler


def guard_handlers(secrets: Iterable[str] = ()) -> None:
    """Put the library filter and the secrets filter on every root handler (idempotent)."""
    secrets = [s for s in secrets if s]
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, LibraryPayloads) for f in handler.filters):
            handler.addFilter(LibraryPayloads())
        if secrets:
            handler.addFilter(NoSecrets(secrets))


def unguard_handlers() -> None:
    """Remove this module's filters and handler again (tests that run the bot in their own process)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _OurHandler):
            root.removeHandler(handler)
            continue
        for f in [f for f in handler.filters if isinstance(f, (LibraryPayloads, NoSecrets))]:
            handler.removeFilter(f)
