"""What every platform adapter provides to the runtime, and what it hands in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from bot.gate import Delivery
from bot.imports.records import Upload


@dataclass(frozen=True)
class Target:
    """A platform address resolved from a Delivery's destination."""

    kind: Literal["channel", "member"]
    external_id: str             # channel id, or member id for a private message
    name: str
    community_external_id: str
    context_channel_external_id: str | None = None   # where the member typed (for in-channel private replies)


class Transport(Protocol):
    """Sends, edits and deletes messages on one platform. Accepts nothing but gated Deliveries."""

    platform: str

    async def send(self, target: Target, delivery: Delivery) -> str | None:
        """Returns the post's handle: the ids of every platform message it took, in order, joined
        with :func:`join_message_ids` (None for private replies that have none)."""

    async def edit(self, target: Target, message_id: str, delivery: Delivery, keep_images: bool = False) -> str | None:
        """Replace a post (every message of the handle) in place; returns its new handle where the
        platform needed new messages. ``keep_images``: the delivery's images equal the ones the post
        shows, so only the words change and the platform keeps (does not re-upload) the images it has."""

    async def delete(self, target: Target, message_id: str) -> None:
        """Delete every message of the post's handle."""


class DeliveryFailed(Exception):
    """The platform refused a message (missing permission, deleted channel, member gone).

    ``reason`` is an English message id (marked with ``N_``) with ``{placeholders}`` filled from
    ``details``: logs get it in English (:attr:`reason`), members in their language (:meth:`told`)."""

    def __init__(self, reason: str, **details):
        self.message_id, self.details = reason, details
        self.reason = reason.format(**details) if details else reason
        super().__init__(self.reason)

    def told(self) -> str:
        """The reason in the current language (bot.vocabulary.i18n)."""
        from bot.vocabulary.i18n import _
        return _(self.message_id, **self.details)


@dataclass
class Inbound:
    """A command as it arrived from any platform, before parsing."""

    platform: str
    community_external_id: str
    community_name: str
    channel_external_id: str | None     # None: a direct message to the bot
    channel_name: str
    member_external_id: str
    member_name: str
    is_moderator: bool
    text: str | None = None             # text grammar (console, Matrix)
    command: str | None = None          # or a pre-parsed command (Discord): its name and arguments
    arguments: dict[str, Any] | None = None
    confirmed: bool = False
    locale: str | None = None           # the platform's language for the member (Discord's interaction locale)
    upload: Upload | None = None        # a file the member handed over (the adapter deletes it after answering)


def require_delivery(obj: object) -> Delivery:
    if not isinstance(obj, Delivery):
        raise TypeError("adapters only send what the privacy gate released (a Delivery)")
    return obj
