"""`peerpulse run`: the bot on Discord and/or Matrix with the real clock and scheduler."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.app import build_app
from bot.clock import SystemClock
from bot.config import Config, ConfigError

log = logging.getLogger("peerpulse")


class _NoSecrets(logging.Filter):
    """Belt and braces: drop any log record that would carry a configured secret."""

    def __init__(self, secrets: list[str]):
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


async def run(config: Config) -> int:
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if config.discord is None and config.matrix is None:
        raise ConfigError("the config has neither a [discord] nor a [matrix] section; try `peerpulse console` instead")
    app = await build_app(config, SystemClock())
    tasks = []
    secrets = []
    if config.discord is not None:
        from bot.adapters.discord_adapter import DiscordAdapter
        token = config.discord.token()
        secrets.append(token)
        discord_adapter = DiscordAdapter(app, config.discord)
        tasks.append(asyncio.create_task(discord_adapter.start(token), name="discord"))
    if config.matrix is not None:
        from bot.adapters.matrix_adapter import MatrixAdapter
        matrix_adapter = MatrixAdapter(app, config.matrix)
        secrets.extend([config.matrix.access_token() or "", config.matrix.password() or ""])
        tasks.append(asyncio.create_task(matrix_adapter.run(), name="matrix"))
    for handler in logging.getLogger().handlers:
        handler.addFilter(_NoSecrets(secrets))
    await app.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:
            pass
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*tasks, waiter], return_when=asyncio.FIRST_COMPLETED)
    for task in [*tasks, waiter]:
        task.cancel()
    await app.stop()
    for task in done:
        if task is not waiter and isinstance(task.exception(), ConfigError):
            raise task.exception()   # a start-up failure the member-facing CLI prints as one line
        if task is not waiter and task.exception() is not None:
            log.error("%s stopped: %s", task.get_name(), type(task.exception()).__name__)
            return 1
    return 0
