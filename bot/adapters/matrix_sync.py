"""Every new event of a joined room, once and in order, however many arrived between two syncs.

A sync returns at most the filter's timeline limit per room; when more happened, Synapse marks the
timeline ``limited`` and hands a ``prev_batch`` token. The gap is then read with ``/messages``
backwards from ``prev_batch`` down to the previous sync's ``next_batch`` (the spec's ``to`` token),
page by page. If the gap cannot be read, the caller must not advance its sync token: the same sync is
tried again, and the answered-event claims keep the replay from answering anything twice.
"""

from __future__ import annotations

import logging
from typing import Any

from nio import MessageDirection, RoomMemberEvent, RoomMessagesError

log = logging.getLogger(__name__)


class GapUnavailable(Exception):
    """The homeserver did not return a timeline gap; the sync must be retried, not skipped."""


def sync_filter(timeline_limit: int) -> dict[str, Any]:
    """The bot reads commands and room state only: no presence, receipts, typing or account data."""
    return {
        "presence": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
        "room": {
            "timeline": {"limit": timeline_limit},
            "ephemeral": {"not_types": ["*"]},
            "account_data": {"not_types": ["*"]},
        },
    }


async def new_room_events(client, room_id: str, timeline, since: str | None, *, page_size: int,
                          max_pages: int) -> list:
    """The room's events since the last sync, oldest first: the gap (if the timeline was cut) and
    the timeline, minus what happened before the bot's own join (history, not commands to it)."""
    events = list(timeline.events)
    if timeline.limited and since and timeline.prev_batch:
        events = await _gap(client, room_id, timeline.prev_batch, since, page_size, max_pages) + events
    return _after_own_join(events, client.user_id)


async def _gap(client, room_id: str, start: str, since: str, page_size: int, max_pages: int) -> list:
    newest_first: list = []
    token = start
    for _ in range(max_pages):
        response = await client.room_messages(room_id, start=token, end=since, direction=MessageDirection.back,
                                              limit=page_size)
        if isinstance(response, RoomMessagesError):
            raise GapUnavailable(f"the homeserver did not return the room's missed messages ({response.status_code})")  # i18n: logged
        newest_first.extend(response.chunk)
        if not response.chunk or not response.end or response.end == token:
            break
        token = response.end
    else:
        log.warning("a room's gap was longer than %d events; the oldest were skipped", page_size * max_pages)
    seen: set[str | None] = set()
    ordered = []
    for event in reversed(newest_first):
        event_id = getattr(event, "event_id", None)
        if event_id in seen:
            continue
        seen.add(event_id)
        ordered.append(event)
    return ordered


def _after_own_join(events: list, own_user_id: str) -> list:
    """Drop what came before the bot joined in this stretch: history that was visible on joining."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if (isinstance(event, RoomMemberEvent) and event.state_key == own_user_id and event.membership == "join"
                and event.prev_membership != "join"):
            return events[index + 1:]
    return events
