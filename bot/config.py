"""Configuration from a TOML file. Secrets are never read from the file: only the *names* of the
environment variables (or files outside the repository) that hold them."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class PrivacyConfig:
    min_group_size: int = 3
    retention_days: int = 0          # 0 keeps entries until the member deletes them


@dataclass(frozen=True)
class CheckinConfig:
    weekday: str = "sunday"
    time: str = "18:00"
    timezone: str = "UTC"
    grace_hours: float = 12.0        # a missed weekly post still goes out this late after downtime


@dataclass(frozen=True)
class ChallengeConfig:
    members_can_create: bool = False


@dataclass(frozen=True)
class DiscordConfig:
    token_env: str = "PEERPULSE_DISCORD_TOKEN"
    dev_guild_id: int | None = None  # sync commands to this guild only (development); None = global
    api_base: str | None = None      # self-hosted / test stand-ins only
    gateway_url: str | None = None
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    def token(self) -> str:
        return _secret(self.token_env)


@dataclass(frozen=True)
class MatrixConfig:
    homeserver: str = ""
    user_id: str = ""
    device_id: str = "PEERPULSE"
    password_env: str = "PEERPULSE_MATRIX_PASSWORD"
    access_token_env: str = "PEERPULSE_MATRIX_TOKEN"
    prefix: str = "!pp"
    moderator_power_level: int = 50
    allowed_inviters: tuple[str, ...] = ()   # user ids or ":server" suffixes; empty = anyone
    store_dir: str = "peerpulse-matrix-store"   # encryption keys and sessions (with the e2e extra)
    encryption: bool = True                   # end-to-end encryption when matrix-nio's e2e extra is installed
    sync_timeline_limit: int = 50             # events per room per sync; more are read back as a gap
    gap_page_size: int = 100                  # events per /messages page when reading a gap
    gap_max_pages: int = 100                  # a longer gap loses its oldest events (logged)
    startup_attempts: int = 5                 # tries to reach the homeserver at start before giving up

    def access_token(self) -> str | None:
        return os.environ.get(self.access_token_env) or None

    def password(self) -> str | None:
        return os.environ.get(self.password_env) or None


@dataclass(frozen=True)
class Config:
    database: str = "peerpulse.db"
    storage_url: str | None = None   # postgresql://... selects PostgreSQL instead of the SQLite file
    output_dir: str = "peerpulse-out"
    default_timezone: str = "UTC"
    log_level: str = "INFO"
    chart_processes: int = 2         # worker processes for charts (0: threads, as the console and tests use)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    checkins: CheckinConfig = field(default_factory=CheckinConfig)
    challenges: ChallengeConfig = field(default_factory=ChallengeConfig)
    discord: DiscordConfig | None = None
    matrix: MatrixConfig | None = None


def _secret(env_name: str) -> str:
    value = os.environ.get(env_name, "")
    file_env = os.environ.get(env_name + "_FILE")
    if not value and file_env:
        value = Path(file_env).read_text(encoding="utf-8").strip()
    if not value:
        raise ConfigError(f"set the environment variable {env_name} (or {env_name}_FILE) to the secret")
    return value


_SECRET_KEYS = {"token", "password", "access_token", "secret"}


def _section(cls, data: dict[str, Any] | None, name: str):
    if data is None:
        return cls()
    leaked = _SECRET_KEYS & set(data)
    if leaked:
        raise ConfigError(f"[{name}] must not hold secrets ({', '.join(sorted(leaked))}); "
                          "name an environment variable instead (e.g. token_env)")
    known = set(cls.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"[{name}] has unknown keys: {', '.join(sorted(unknown))}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    return cls(**values)


def load_config(path: str | Path | None) -> Config:
    if path is None:
        return Config()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    bot = data.get("bot", {})
    storage = data.get("storage", {})
    return Config(
        database=storage.get("path", "peerpulse.db"),
        storage_url=storage.get("url"),
        output_dir=bot.get("output_dir", "peerpulse-out"),
        default_timezone=bot.get("default_timezone", "UTC"),
        log_level=bot.get("log_level", "INFO"),
        chart_processes=int(bot.get("chart_processes", 2)),
        privacy=_section(PrivacyConfig, data.get("privacy"), "privacy"),
        checkins=_section(CheckinConfig, data.get("checkins"), "checkins"),
        challenges=_section(ChallengeConfig, data.get("challenges"), "challenges"),
        discord=_section(DiscordConfig, data["discord"], "discord") if "discord" in data else None,
        matrix=_section(MatrixConfig, data["matrix"], "matrix") if "matrix" in data else None,
    )
