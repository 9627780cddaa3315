"""The operator's tools, run from the command line against the configured database.

- ``backup``: SQLite's online backup API copies a consistent snapshot page by page while the bot keeps
  writing (WAL mode: readers never block the writer); PostgreSQL is backed up with its own tools.
- ``member export|forget``: what a member's `mydata export|forget` does, for a member who asks the
  operator (by mail, or after leaving the platform), found by their platform ids. These use the same
  repositories as the chat commands, so nothing a feature stores is missed.
- ``community forget``: everything about a community, when the bot was removed from it.

``member forget`` connects to the member's platform for REST calls only (Discord: the bot token, no
gateway session; Matrix: the access token or password, no sync) and takes the member out of every post,
as their own `mydata forget` would. With ``--offline``, or when the platform is not configured or can't
be reached, the ledger is brought in line (nothing in the database still holds the member's data) and
the messages that showed the member's data are listed by channel and message id, for the operator to
delete on the platform. Stop the bot first for the forget commands: a running bot keeps members in memory.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Config
from bot.vocabulary.words import counted
from storage.backup import copy_sqlite_online


def backup(config: Config, target: str) -> int:
    from storage.database import is_postgres_url

    source = config.storage_url or config.database
    if is_postgres_url(source):
        print("peerpulse: the database is PostgreSQL; back it up with its own tools, e.g.\n"
              "  pg_dump --format=custom --file=peerpulse.dump <database>   (restore: pg_restore --dbname=<empty db>)\n"
              "pg_dump takes a consistent snapshot while the bot runs.", file=sys.stderr)
        return 2
    if not Path(source).is_file():
        print(f"peerpulse: there is no database at {source} ([storage] path)", file=sys.stderr)
        return 2
    if Path(target).exists():
        print(f"peerpulse: {target} exists already; choose a new file name", file=sys.stderr)
        return 2
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    partial = Path(str(target) + ".partial")
    if not copy_sqlite_online(source, partial):
        partial.unlink(missing_ok=True)
        print("peerpulse: the copy failed its integrity check; nothing was written", file=sys.stderr)
        return 1
    partial.rename(target)
    print(f"Backed up {source} to {target} ({Path(target).stat().st_size:,} bytes). "
          f"To restore: stop the bot, copy {target} to {source}, start the bot.")
    return 0


async def health(config: Config, max_age: int) -> int:
    """Reads the heartbeat the running bot writes every 30 s (bot.runner); never creates a database."""
    from bot.runner import heartbeat_key
    from storage.connect import open_database
    from storage.database import is_postgres_url
    from storage.platform_state import PlatformState

    target = config.storage_url or config.database
    if not is_postgres_url(target) and not Path(target).is_file():
        print(f"unhealthy: no database at {target}", file=sys.stderr)
        return 1
    db = await open_database(target)
    try:
        beat = await PlatformState(db).get(heartbeat_key())
    finally:
        await db.close()
    if beat is None:
        print("unhealthy: no heartbeat yet", file=sys.stderr)
        return 1
    age = (datetime.now(UTC) - datetime.fromisoformat(beat)).total_seconds()
    if age > max_age:
        print(f"unhealthy: the last heartbeat is {age:.0f} s old", file=sys.stderr)
        return 1
    print(f"healthy: heartbeat {age:.0f} s ago")
    return 0


async def _app(config: Config):
    from bot.app import build_app
    from bot.vocabulary.clock import SystemClock
    return await build_app(config, SystemClock())


async def _find_member(app, platform: str, community: str, member: str) -> int | None:
    return await app.services.community.find_member(platform, community, member)


async def export_member(config: Config, platform: str, community: str, member: str, target: str | None) -> int:
    app = await _app(config)
    try:
        member_id = await _find_member(app, platform, community, member)
        if member_id is None:
            print(f"peerpulse: no member {member} in {platform} community {community}", file=sys.stderr)
            return 1
        from cogs.mydata import MyData
        mydata = app.cog(MyData)
        data = await mydata.collect(member_id)
        text = json.dumps(data, indent=2, default=str)
        if target:
            Path(target).write_text(text, encoding="utf-8")
            counts = ", ".join(f"{len(rows)} {name}" for name, rows in data.items())
            print(f"Wrote {target} ({counts}). Send it to the member only.")
        else:
            print(text)
        return 0
    finally:
        await app.stop()


async def forget_member(config: Config, platform: str, community: str, member: str, offline: bool = False) -> int:
    """Like the member's own `mydata forget`: takes them out of every post (edited or deleted on the
    platform when it can be reached), then deletes every record. ``offline`` (or a platform that is not
    configured or not reachable) changes the ledger only and lists the messages left as they were."""
    app = await _app(config)
    disconnect = None
    try:
        member_id = await _find_member(app, platform, community, member)
        if member_id is None:
            print(f"peerpulse: no member {member} in {platform} community {community}; nothing to delete", file=sys.stderr)
            return 1
        s = app.services
        shown = await _posts_shown(app, await s.posts.live_posts_with(member_id))
        if shown and not offline:
            disconnect = await _connect(app, config, platform)
        edited, deleted = await app.take_back(member_id, remove=True)
        removed = 0
        for repo in s.all_member_data():
            removed += await repo.delete_member(member_id)
        if platform == "matrix":
            removed += await _forget_matrix_rooms(s.state, member)
        print(f"Deleted {counted(removed, 'record')} of member {member} ({platform} community {community}).")
        if disconnect is not None:
            print(f"Took the member out of {counted(edited + deleted, 'post')} on {platform} ({deleted} removed).")
        else:
            _report_posts(shown)
        return 0
    finally:
        if disconnect is not None:
            await disconnect()
        await app.stop()


async def _connect(app, config: Config, platform: str):
    """Attach the platform's adapter for REST calls only (no gateway or sync), so take-back can edit and
    delete the bot's own posts. Returns how to disconnect, or None when the platform can't be reached."""
    from bot.config import ConfigError
    try:
        if platform == "discord" and config.discord is not None:
            from bot.adapters.discord_adapter import DiscordAdapter
            adapter = DiscordAdapter(app, config.discord)
            await adapter.client.login(config.discord.token())
            return adapter.client.close
        if platform == "matrix" and config.matrix is not None:
            from bot.adapters.matrix_adapter import MatrixAdapter
            matrix_adapter = MatrixAdapter(app, config.matrix)
            await matrix_adapter.login()
            return matrix_adapter.client.close
    except ConfigError as exc:
        print(f"peerpulse: not connecting to {platform}: {exc}", file=sys.stderr)
    except Exception as exc:   # the type only: library messages may carry tokens
        print(f"peerpulse: could not connect to {platform} ({type(exc).__name__})", file=sys.stderr)
    app.transports.pop(platform, None)
    return None


async def forget_community(config: Config, platform: str, community: str) -> int:
    app = await _app(config)
    try:
        s = app.services
        community_id = await s.community.find_community(platform, community)
        if community_id is None:
            print(f"peerpulse: no {platform} community {community}; nothing to delete", file=sys.stderr)
            return 1
        members = await s.community.member_external_ids(community_id)
        if platform == "matrix":
            for external_id in members:
                await _forget_matrix_rooms(s.state, external_id)
        await s.community.delete_community(community_id)
        print(f"Deleted {platform} community {community}: {len(members)} members and all their data, its channels, "
              f"rules, schedules, challenges and post ledger ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC).")
        return 0
    finally:
        await app.stop()


async def _posts_shown(app, posts) -> list[tuple[str, str]]:
    out = []
    for post in posts:
        channel = await app.services.community.channel_by_id(post.channel_id)
        for message_id in post.platform_message_id.split(","):
            out.append((channel.external_id if channel else "?", message_id))
    return out


def _report_posts(shown: list[tuple[str, str]]) -> None:
    if not shown:
        print("No channel post showed this member's data.")
        return
    print(f"{counted(len(shown), 'message')} on the platform showed this member's data; the command line cannot edit them. "
          "Delete them there if the member asks (channel, message):")
    for channel, message in shown:
        print(f"  {channel} {message}")


async def _forget_matrix_rooms(state, user_id: str) -> int:
    """The Matrix adapter remembers each member's direct room; forgetting the member forgets that too."""
    room = await state.get(f"matrix:dm:{user_id}")
    keys = [f"matrix:dm:{user_id}"] + ([f"matrix:dm-room:{room}", f"matrix:dm-community:{room}"] if room else [])
    removed = 0
    for k in keys:
        removed += await state.delete(k)
    return removed
