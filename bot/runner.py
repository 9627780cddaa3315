"""`peerpulse run`: the bot on Discord and/or Matrix with the real clock and scheduler.

Start-up order is the point: the config and every configured platform's secret are checked before
anything is opened (no database file is created, no connection made, no worker thread started), so
a mistake ends the process at once with exit code 2 and one line per problem.

When a platform stops for good after start (a revoked token, a login the homeserver refuses), the
other platform's fate is the config's ``[bot] platform_failure``: ``keep_running`` (the default) logs
an ERROR naming the stopped platform and keeps the other one serving its members; ``stop`` ends the
process. Either way the process exits 1 once no platform is left (a supervisor restarts it).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from datetime import UTC, datetime

from bot.config import Config, ConfigError, Secrets, check_secrets
from bot.logs import NoSecrets as _NoSecrets  # noqa: F401 (_NoSecrets: re-exported for tests)
from bot.logs import setup_logging

log = logging.getLogger("peerpulse")
HEARTBEAT_SECONDS = 30


def heartbeat_key() -> str:
    """One heartbeat row per host (a container's hostname is its id), read by `peerpulse health`."""
    return f"heartbeat:{socket.gethostname()}"


async def run(config: Config, secrets: Secrets | None = None) -> int:
    secrets = secrets or check_secrets(config)   # raises ConfigError before anything is opened
    setup_logging(config.log_level, config.log_format, secrets.values())
    if not config.source_url:
        log.warning("[bot] source_url is not set: members asking `about` cannot be pointed to the source code "
                    "(the AGPL asks you to offer it)")
    from bot.app import build_app
    from bot.vocabulary.clock import SystemClock

    app = await build_app(config, SystemClock())
    adapters: list = []
    try:
        tasks = _start_platforms(app, config, secrets, adapters)
        await app.start()
        beat = asyncio.create_task(_heartbeat(app), name="heartbeat")
        try:
            return await _serve(tasks, config)
        finally:
            beat.cancel()
    finally:
        for adapter in adapters:
            closer = getattr(adapter, "close", None)
            if closer is not None:
                try:
                    await closer()
                except Exception as exc:   # shutting down: a connection that is already gone is fine
                    log.warning("closing %s: %s", adapter.platform if hasattr(adapter, "platform") else "?",
                                type(exc).__name__)
        await app.stop()


def _start_platforms(app, config: Config, secrets: Secrets, adapters: list) -> list[asyncio.Task]:
    """Each adapter is imported only when its platform is configured (discord.py and nio are slow to import)."""
    tasks = []
    if config.discord is not None:
        from bot.adapters.discord_adapter import DiscordAdapter
        discord_adapter = DiscordAdapter(app, config.discord)
        adapters.append(discord_adapter)
        assert secrets.discord_token is not None  # check_secrets refuses a configured [discord] without its token
        tasks.append(asyncio.create_task(discord_adapter.start(secrets.discord_token), name="discord"))
    if config.matrix is not None:
        from bot.adapters.matrix_adapter import MatrixAdapter
        matrix_adapter = MatrixAdapter(app, config.matrix)
        tasks.append(asyncio.create_task(matrix_adapter.run(), name="matrix"))   # run() closes its own client
    return tasks


async def _heartbeat(app) -> None:
    """The event loop is alive and the database takes writes: what a container healthcheck asks."""
    from storage.platform_state import PlatformState
    state = PlatformState(app.services.db)
    while True:
        try:
            await state.set(heartbeat_key(), datetime.now(UTC).isoformat(timespec="seconds"))
        except Exception as exc:
            log.warning("heartbeat not written: %s", type(exc).__name__)
        await asyncio.sleep(HEARTBEAT_SECONDS)


async def _serve(tasks: list[asyncio.Task], config: Config) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:
            pass
    waiter = asyncio.create_task(stop.wait(), name="signal")
    running = set(tasks)
    failed = False
    try:
        while running:
            done, _ = await asyncio.wait([*running, waiter], return_when=asyncio.FIRST_COMPLETED)
            if waiter in done:
                log.info("stopping on a signal")
                return 0
            for task in done:
                running.discard(task)
                error = task.exception() if not task.cancelled() else None
                if isinstance(error, ConfigError) and not running and len(tasks) == 1:
                    raise error   # the only platform could not start: the CLI prints it as one line
                # The exception's type only: libraries put tokens and payloads in exception messages.
                reason = type(error).__name__ if error is not None else "its connection ended"
                log.error("%s stopped: %s", task.get_name(), reason)
                failed = True
            if running and config.platform_failure == "stop":
                log.error("stopping the other platforms too ([bot] platform_failure = \"stop\")")
                return 1
            if running:
                log.error("%s keep running ([bot] platform_failure = \"keep_running\")",
                          ", ".join(t.get_name() for t in running))
        return 1 if failed else 0
    finally:
        for task in [*tasks, waiter]:
            task.cancel()
        await asyncio.gather(*tasks, waiter, return_exceptions=True)
