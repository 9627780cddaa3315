"""Configuration from a TOML file, checked by one small schema before anything is opened.

Each section is a frozen dataclass; each key is a field whose metadata says what it must be (a
``Key``). The loader refuses unknown sections and keys (with "did you mean"), wrong types and values
out of range, and reports every problem at once, one line each: the key, what was expected, the fix.
Secrets are never read from the file: only the *names* of the environment variables (or ``VAR_FILE``
files outside the repository) that hold them, and no message ever repeats a value that looks like one.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from bot.vocabulary.dates import WEEKDAYS

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")
PLATFORM_FAILURE = ("keep_running", "stop")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


class ConfigError(Exception):
    """One or more problems with the config or the secrets; each is one line an operator can act on."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


# -- the schema ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Key:
    """What one key must be. ``check`` returns None when the value is fine, else what was expected."""

    kind: type | tuple[type, ...]
    help: str
    check: Callable[[Any], str | None] | None = None
    toml_name: str | None = None       # the key's name in the file when it differs from the field's


def key(default: Any, kind, help: str, check=None, toml_name: str | None = None):
    """A config field: its default (immutable: lists are tuples) and what the file's value must be."""
    return field(default=default, metadata={"key": Key(kind, help, check, toml_name)})


def _between(lo, hi=None):
    def check(v):
        if v < lo or (hi is not None and v > hi):
            return f"a number from {lo}" + (f" to {hi}" if hi is not None else " up")
        return None
    return check


def _one_of(choices, fold=str.lower):
    def check(v):
        return None if fold(v) in choices else "one of " + ", ".join(f'"{c}"' for c in choices)
    return check


def _env_name(v: str) -> str | None:
    # A Matrix token (syt_...) has the shape of a name: upper-case names pass, a pasted secret does not.
    pasted = looks_like_secret(v) and not re.fullmatch(r"[A-Z][A-Z0-9_]*", v)
    return None if _ENV_NAME.fullmatch(v) and not pasted else "the NAME of an environment variable (e.g. PEERPULSE_DISCORD_TOKEN)"


def _timezone(v: str) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    try:
        ZoneInfo(v)
        return None
    except (ZoneInfoNotFoundError, ValueError):
        return 'a time zone such as "UTC" or "Europe/Berlin"'


def _language(v: str) -> str | None:
    from bot.vocabulary import i18n
    return None if i18n.normalize(v) == v.strip().lower() else "one of " + ", ".join(f'"{c}"' for c in i18n.available())


def _hhmm(v: str) -> str | None:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", v)
    return None if m and int(m[1]) < 24 and int(m[2]) < 60 else 'a time of day as "HH:MM", e.g. "18:00"'


def _url(*schemes: str, empty_ok: bool = False):
    def check(v: str) -> str | None:
        if empty_ok and v == "":
            return None
        return None if re.fullmatch(rf"({'|'.join(schemes)})://[^\s/]+\S*", v) else "a URL starting " + " or ".join(f"{s}://" for s in schemes)
    return check


def _postgres_url(v: str) -> str | None:
    if _url("postgresql", "postgres")(v) is not None:
        return "a postgresql:// URL"
    if re.match(r"\w+://[^/@]*:[^/@]*@", v):
        return "a URL without a password (put the password in the PGPASSWORD environment variable)"
    return None


def _matrix_user(v: str) -> str | None:
    return None if re.fullmatch(r"@[^:\s]+:\S+", v) else 'a Matrix user id such as "@peerpulse:example.org"'


def _prefix(v: str) -> str | None:
    return None if v and not any(c.isspace() for c in v) else 'a word without spaces, e.g. "!pp"'


def _inviters(v: tuple) -> str | None:
    bad = [x for x in v if not (x.startswith(":") or _matrix_user(x) is None)]
    return None if not bad else 'user ids ("@admin:example.org") or server suffixes (":example.org")'


def _snowflakes(v: tuple) -> str | None:
    return None if all(x >= 0 for x in v) else "shard numbers from 0 up"


@dataclass(frozen=True)
class PrivacyConfig:
    min_group_size: int = key(3, int, "k: anonymous group figures need at least this many contributors", _between(3, 1000))
    retention_days: int = key(0, int, "delete entries older than this many days (0 keeps them)", _between(0))


@dataclass(frozen=True)
class CheckinConfig:
    weekday: str = key("sunday", str, "the default check-in day", _one_of(WEEKDAYS))
    time: str = key("18:00", str, "the default check-in time", _hhmm)
    timezone: str = key("UTC", str, "the default check-in time zone", _timezone)
    grace_hours: float = key(12.0, (int, float), "a missed weekly post still goes out this late after downtime",
                             _between(0, 24 * 6))


@dataclass(frozen=True)
class ChallengeConfig:
    members_can_create: bool = key(False, bool, "true lets every member run `challenge create`")


@dataclass(frozen=True)
class DiscordConfig:
    token_env: str = key("PEERPULSE_DISCORD_TOKEN", str, "the environment variable holding the bot token", _env_name)
    dev_guild_id: int | None = key(None, int, "sync slash commands to this guild only (development)", _between(1))
    api_base: str | None = key(None, str, "a self-hosted or test stand-in for Discord's REST API", _url("http", "https"))
    gateway_url: str | None = key(None, str, "a self-hosted or test stand-in for Discord's gateway", _url("ws", "wss"))
    shard_count: int | None = key(None, int, "shards across all processes (needs PostgreSQL)", _between(1, 10_000))
    shard_ids: tuple[int, ...] | None = key(None, (tuple, int), "the shards this process runs", _snowflakes)
    global_rate: int = key(50, int, "requests a second Discord allows the bot token (50 unless Discord raised it)",
                           _between(1, 10_000))
    token_processes: int | None = key(None, int, "processes sharing the token, each pacing to global_rate / this "
                                      "(default: shard_count / len(shard_ids))", _between(1, 1000))

    def token(self) -> str:
        return _secret(self.token_env)

    def processes(self) -> int:
        """How many processes share the token's global rate limit."""
        if self.token_processes:
            return self.token_processes
        if self.shard_count and self.shard_ids:
            return -(-self.shard_count // len(self.shard_ids))
        return 1


@dataclass(frozen=True)
class MatrixConfig:
    homeserver: str = key("", str, "the homeserver's URL", _url("http", "https"))
    user_id: str = key("", str, "the bot's Matrix user id", _matrix_user)
    device_id: str = key("PEERPULSE", str, "the device id the bot logs in as", _prefix)
    password_env: str = key("PEERPULSE_MATRIX_PASSWORD", str, "the environment variable holding the password", _env_name)
    access_token_env: str = key("PEERPULSE_MATRIX_TOKEN", str, "the environment variable holding an access token", _env_name)
    prefix: str = key("!pp", str, "commands start with this word", _prefix)
    moderator_power_level: int = key(50, int, "room members at or above this power level are moderators", _between(0, 100))
    allowed_inviters: tuple[str, ...] = key((), (tuple, str), "who may invite the bot (empty: anyone)", _inviters)
    store_dir: str = key("peerpulse-matrix-store", str, "where end-to-end encryption keys and sessions are kept "
                         "(keep it, and keep it private)")
    encryption: bool = key(True, bool, "end-to-end encryption when matrix-nio's e2e extra is installed")
    sync_timeline_limit: int = key(50, int, "events per room per sync; more are read back as a gap", _between(1, 1000))
    gap_page_size: int = key(100, int, "events per page when reading a gap back", _between(1, 1000))
    gap_max_pages: int = key(100, int, "pages read back at most (a longer gap loses its oldest events, logged)",
                             _between(1, 10000))
    startup_attempts: int = key(5, int, "tries to reach the homeserver at start before giving up", _between(1, 100))

    def access_token(self) -> str | None:
        return _optional_secret(self.access_token_env)

    def password(self) -> str | None:
        return _optional_secret(self.password_env)


@dataclass(frozen=True)
class Config:
    # [storage]
    database: str = key("peerpulse.db", str, "the SQLite file", toml_name="path")
    storage_url: str | None = key(None, str, "postgresql://... selects PostgreSQL instead of the SQLite file",
                                  _postgres_url, toml_name="url")
    # [bot]
    default_timezone: str = key("UTC", str, "members start in this time zone until they run `timezone`", _timezone)
    language: str = key("en", str, "the language of replies and posts until a moderator runs `mod language` or a "
                        "member runs `language` (a catalogue under bot/locale)", _language)
    log_level: str = key("INFO", str, "how much the bot itself logs (libraries stay at WARNING)",
                         _one_of(LOG_LEVELS, str.upper))
    log_format: str = key("text", str, "text lines, or one JSON object a line", _one_of(LOG_FORMATS))
    chart_processes: int = key(2, int, "worker processes for charts (0: threads)", _between(0, 64))
    source_url: str = key("", str, "where members get the source code of the bot you run (AGPL section 13)",
                          _url("http", "https", empty_ok=True))
    platform_failure: str = key("keep_running", str, "when one platform stops: keep the others running, or stop",
                                _one_of(PLATFORM_FAILURE))
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    checkins: CheckinConfig = field(default_factory=CheckinConfig)
    challenges: ChallengeConfig = field(default_factory=ChallengeConfig)
    discord: DiscordConfig | None = None
    matrix: MatrixConfig | None = None


#: Flat fields of Config, by the section they are written in.
_FLAT_SECTIONS = {"storage": ("database", "storage_url"),
                  "bot": ("default_timezone", "language", "log_level", "log_format", "chart_processes", "source_url",
                          "platform_failure")}
_NESTED = {"privacy": PrivacyConfig, "checkins": CheckinConfig, "challenges": ChallengeConfig,
           "discord": DiscordConfig, "matrix": MatrixConfig}
_OPTIONAL_SECTIONS = {"discord", "matrix"}   # present or not: the platforms the bot runs on
_SECRET_KEYS = {"token", "password", "access_token", "secret", "bot_token", "api_key"}
_REMOVED = {("bot", "output_dir"): "the console's --out option chooses the folder; `run` writes no files"}


# -- loading ------------------------------------------------------------------------------------

def load_config(path: str | Path | None) -> Config:
    """Read and check a config file; raises ConfigError listing every problem."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        # The parser's message names the line and column, never the value.
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return config_from_dict(data)


def config_from_dict(data: dict[str, Any]) -> Config:
    problems: list[str] = []
    known = [*_FLAT_SECTIONS, *_NESTED]
    for name, value in data.items():
        if name not in known:
            problems.append(f"unknown section [{name}]{_did_you_mean(name, known)}; the sections are "
                            + ", ".join(f"[{k}]" for k in known))
        elif not isinstance(value, dict):
            problems.append(f"{name} must be a section ([{name}] on a line of its own), not a single value")
    if problems:
        raise ConfigError(problems)
    flat: dict[str, Any] = {}
    flat_fields = {f.name: f for f in fields(Config)}
    for section, names in _FLAT_SECTIONS.items():
        by_toml = {_toml_name(flat_fields[n]): flat_fields[n] for n in names}
        flat.update(_read_section(section, data.get(section, {}), by_toml, problems))
    nested: dict[str, Any] = {}
    for section, cls in _NESTED.items():
        if section not in data and section in _OPTIONAL_SECTIONS:
            continue
        values = _read_section(section, data.get(section, {}), {_toml_name(f): f for f in fields(cls)}, problems)
        nested[section] = values
    if "matrix" in nested:
        for required in ("homeserver", "user_id"):
            if required not in data["matrix"]:
                problems.append(f"[matrix] {required}: missing; expected {_describe(MatrixConfig, required)}")
    discord = nested.get("discord", {})
    if discord.get("shard_ids") and not discord.get("shard_count"):
        problems.append("[discord] shard_ids: needs shard_count too; fix: add shard_count = <all shards>")
    elif discord.get("shard_ids") and any(i >= discord["shard_count"] for i in discord["shard_ids"]):
        problems.append("[discord] shard_ids: each must be below shard_count")
    if problems:
        raise ConfigError(problems)
    return Config(**flat, **{name: _NESTED[name](**values) for name, values in nested.items()})


def _toml_name(f) -> str:
    meta = f.metadata.get("key")
    return (meta.toml_name if meta and meta.toml_name else None) or f.name


def _read_section(section: str, data: dict[str, Any], by_toml: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in data.items():
        where = f"[{section}] {name}"
        if name in _SECRET_KEYS or name.endswith(("_token", "_password", "_secret")):
            hint = f"{name}_env" if f"{name}_env" in by_toml else "token_env / password_env / access_token_env"
            problems.append(f"{where}: secrets never go in the config file; put it in an environment variable "
                            f"and name that variable with {hint} (the value is not shown)")
            continue
        if (section, name) in _REMOVED:
            problems.append(f"{where}: this key was removed ({_REMOVED[(section, name)]}); delete the line")
            continue
        f = by_toml.get(name)
        if f is None:
            problems.append(f"{where}: unknown key{_did_you_mean(name, list(by_toml))}; "
                            f"[{section}] takes " + ", ".join(by_toml))
            continue
        meta: Key = f.metadata["key"]
        converted, expected = _convert(value, meta)
        if expected is None and meta.check is not None:
            expected = meta.check(converted)
        if expected is not None:
            example = _example(f)
            problems.append(f"{where}: expected {expected}, got {_shown(value, name)}"
                            + (f"; fix: {name} = {example}" if example else ""))
            continue
        if f.name == "log_level":
            converted = converted.upper()
        elif f.name in ("weekday", "log_format"):
            converted = converted.lower()
        out[f.name] = converted
    return out


def _convert(value: Any, meta: Key) -> tuple[Any, str | None]:
    kind = meta.kind
    if kind == (tuple, int) or kind == (tuple, str):
        inner = kind[1]
        if not isinstance(value, list) or not all(isinstance(v, inner) and not isinstance(v, bool) for v in value):
            return None, f"a list of {'whole numbers' if inner is int else 'texts'}"
        return tuple(value), None
    if kind is bool:
        return (value, None) if isinstance(value, bool) else (None, "true or false (without quotes)")
    if kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return (value, None) if ok else (None, "a whole number (without quotes)")
    if kind == (int, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return (float(value), None) if ok else (None, "a number (without quotes)")
    if kind is str:
        return (value, None) if isinstance(value, str) else (None, "a text in quotes")
    raise TypeError(kind)


def _example(f) -> str:
    default = f.default if f.default is not MISSING else None
    if default is None or default == "":
        return ""
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, str):
        return f'"{default}"'
    if isinstance(default, tuple):
        return "[" + ", ".join(repr(v) for v in default) + "]"
    return str(default)


def _describe(cls, name: str) -> str:
    """What a required key must be: its check's wording for an empty value, else its help."""
    meta: Key = next(f for f in fields(cls) if f.name == name).metadata["key"]
    return (meta.check("") if meta.check else None) or meta.help


def _did_you_mean(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def looks_like_secret(value: str) -> bool:
    """Long, mixed letters and digits, or a known token shape: never repeat it."""
    if re.fullmatch(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}", value) or value.startswith(("syt_", "mct_", "xox")):
        return True
    return len(value) >= 16 and any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _shown(value: Any, name: str) -> str:
    """A wrong value as the message may repeat it: short plain values only."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        if name.endswith("_env") or looks_like_secret(value) or len(value) > 40:
            return f"a text of {len(value)} characters (not shown)"
        return f'"{value}"'
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


# -- secrets ------------------------------------------------------------------------------------

def _read_secret(env_name: str) -> tuple[str | None, str | None]:
    """(the secret, None) or (None, the problem). Reads VAR, else the file VAR_FILE names."""
    value = os.environ.get(env_name, "")
    if value:
        return value.strip(), None
    file_env = os.environ.get(env_name + "_FILE")
    if file_env:
        try:
            value = Path(file_env).read_text(encoding="utf-8").strip()
        except OSError as exc:
            return None, f"{env_name}_FILE names a file that cannot be read ({exc.strerror or type(exc).__name__})"
        return (value, None) if value else (None, f"{env_name}_FILE names an empty file")
    return None, None


def _secret(env_name: str) -> str:
    value, problem = _read_secret(env_name)
    if value:
        return value
    raise ConfigError(problem or f"set the environment variable {env_name} (or {env_name}_FILE) to the secret")


def _optional_secret(env_name: str) -> str | None:
    return _read_secret(env_name)[0]


@dataclass(frozen=True)
class Secrets:
    """The secrets a run needs, read once from the environment, before anything is opened."""

    discord_token: str | None = None
    matrix_access_token: str | None = None
    matrix_password: str | None = None

    def values(self) -> list[str]:
        return [v for v in (self.discord_token, self.matrix_access_token, self.matrix_password) if v]


def check_secrets(config: Config) -> Secrets:
    """Every platform configured has its secret; raises ConfigError naming each missing one."""
    problems: list[str] = []
    discord_token = access = password = None
    if config.discord is not None:
        env = config.discord.token_env
        discord_token, problem = _read_secret(env)
        if not discord_token:
            problems.append(f"[discord] token_env: the environment variable {env} is not set; "
                            f"fix: export {env}=<the bot token> (or {env}_FILE=<a file holding it>)")
    if config.matrix is not None:
        m = config.matrix
        access, p1 = _read_secret(m.access_token_env)
        password, p2 = _read_secret(m.password_env)
        if not access and not password:
            detail = "; ".join(p for p in (p1, p2) if p)
            problems.append(f"[matrix] access_token_env / password_env: neither {m.access_token_env} nor {m.password_env} "
                            f"is set{' (' + detail + ')' if detail else ''}; fix: export one of them "
                            "(an access token, or the password to log in with)")
    if config.discord is None and config.matrix is None:
        problems.append("the config has neither a [discord] nor a [matrix] section, so there is nothing to run; "
                        "add one, or try `peerpulse console`")
    if problems:
        raise ConfigError(problems)
    return Secrets(discord_token, access, password)


# -- showing ------------------------------------------------------------------------------------

def effective_config(config: Config) -> list[str]:
    """The config as it will run, as TOML lines; secrets appear only as set or missing."""
    lines: list[str] = []
    flat = {f.name: f for f in fields(Config)}
    for section, names in _FLAT_SECTIONS.items():
        lines.append(f"[{section}]")
        for n in names:
            v = getattr(config, n)
            if v is None:
                lines.append(f"# {_toml_name(flat[n])} not set")
            else:
                shown = _toml_value(_without_password(v) if n == "storage_url" else v)
                lines.append(f"{_toml_name(flat[n])} = {shown}")
        lines.append("")
    for section, cls in _NESTED.items():
        value = getattr(config, section)
        if value is None:
            lines.append(f"# [{section}] not configured")
            lines.append("")
            continue
        lines.append(f"[{section}]")
        for f in fields(cls):
            v = getattr(value, f.name)
            if v is None:
                continue
            line = f"{f.name} = {_toml_value(v)}"
            if f.name.endswith("_env"):
                state = "set" if _read_secret(v)[0] else "missing"
                line += f"   # {v}: {state}"
            lines.append(line)
        lines.append("")
    return lines


def _without_password(url: str) -> str:
    return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return str(v)
