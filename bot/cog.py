"""The contract between the runtime and a feature module (a cog).

A cog gets two typed dependencies: the :class:`Services` (repositories, clock, config, gate, charts)
and a :class:`Publisher` (the runtime's outbound side: publish through the gate, take back, confirm).
It declares commands with :func:`bot.commands.command`, and overrides the hooks it needs:
:meth:`Cog.member_data` (every repository holding member data, so export and forget reach it: this is
part of the contract, not an afterthought), :meth:`Cog.sharing_lines` and :meth:`Cog.before_forget` (what
it shares outside channel posts, for `mydata shared` and `mydata forget`), :meth:`Cog.after_log` and
:meth:`Cog.after_undo` (what follows a stored or undone log: milestones), :meth:`Cog.schedules`,
:meth:`Cog.start` and :meth:`Cog.stop`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.vocabulary.reply import Destination, Reply

if TYPE_CHECKING:   # typing only: the runtime imports this module
    from bot.commands import Invocation, Registry
    from bot.gate import Delivery
    from bot.scheduler import Schedule
    from bot.services import Services
    from bot.vocabulary.metrics import MetricDef
    from storage.contract import MemberData
    from storage.entries import Entry


class Publisher(Protocol):
    """What a cog may ask of the runtime. Everything it sends goes through the gate and the ledger."""

    registry: Registry
    cogs: list[Cog]

    async def publish(self, reply: Reply, destination: Destination, *, locale: str | None = None) -> Delivery | None: ...

    async def locale_for(self, destination: Destination) -> str:
        """The language a destination reads (a channel its community's, a member their own)."""
        ...

    async def take_back(self, member_id: int, channel_id: int | None = None, remove: bool = False,
                        kind: str | None = None, viewer_id: int | None = None,
                        post_ids: set[int] | None = None) -> tuple[int, int]: ...

    async def take_back_channel(self, channel_id: int) -> tuple[int, int]: ...

    async def last_release(self, channel_id: int, subject: str) -> Reply | None: ...

    async def message_link(self, channel_id: int, message_id: str) -> str: ...

    async def confirm(self, inv: Invocation, choice: str | None = None) -> Any: ...

    def ask(self, inv: Invocation, command: str, args: dict[str, Any],
            choices: dict[str, dict[str, Any]] | None = None, window: timedelta = ...) -> None: ...

    def cancel(self, member_id: int) -> bool: ...


class Cog:
    """Base of every feature module; the hooks do nothing unless a cog overrides them."""

    #: What each group of this cog's commands is for ("privacy": ..., "mod metric": ...): the group's
    #: line in help and its description on Discord, where a group is a command of its own.
    command_groups: dict[str, str] = {}

    def __init__(self, services: Services, app: Publisher):
        self.s = services
        self.app = app

    def member_data(self) -> Sequence[MemberData]:
        """The repositories this cog owns that hold member data (exported and deleted with the member)."""
        return ()

    async def schedules(self) -> list[Schedule]:
        """The cog's scheduled work as of now; asked again whenever schedules change."""
        return []

    async def sharing_lines(self, member_id: int, now: datetime) -> list[str]:
        """What this feature shares of the member beyond channel posts, and with whom, in plain lines
        (`mydata shared` shows every cog's)."""
        return []

    async def after_log(self, inv: Invocation, metric: MetricDef, entry: Entry, new_day: bool) -> list[Reply]:
        """A value was stored (``entry``: the day's value now; ``new_day``: the day had none before).
        Returns private replies for the member (a milestone). Called after the log is committed; an
        error here is logged and never fails the log."""
        return []

    async def after_undo(self, inv: Invocation, entries: list[Entry]) -> list[str]:
        """`undo` removed these rows: withdraw what they started. Returns sentences for the answer."""
        return []

    async def before_forget(self, member_id: int) -> tuple[int, int]:
        """`mydata forget`, before any record is deleted: take back what this feature sent of the
        member outside channel posts. Returns (edited, deleted)."""
        return 0, 0

    def cancelled(self, member_id: int) -> None:
        """The member cancelled what was waiting for their confirmation: drop what it kept for it."""

    async def start(self) -> None:
        """Called once transports are attached, before the scheduler starts."""

    async def stop(self) -> None:
        """Called on shutdown, in reverse order, after the scheduler stopped."""
