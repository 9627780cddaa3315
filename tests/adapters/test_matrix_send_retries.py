"""Sending on Matrix under the homeserver's rate limits and lost answers: a 429 (M_LIMIT_EXCEEDED) is waited
out for the `retry_after_ms` it names and the message resent; every attempt of one message carries the
same transaction id, so a homeserver that stored the message but whose answer was lost keeps it once."""

from __future__ import annotations

from types import SimpleNamespace

from nio import RoomSendError

from bot.adapters import matrix_send
from bot.adapters.matrix_send import RoomSender, text_content


class _Homeserver:
    """Stores events by transaction id like a homeserver: a repeated txn id returns the first event."""

    def __init__(self, script: list[str]):
        self.script = script            # per attempt: "ok", "limit" (a 429) or "lost" (stored, answer lost)
        self.events: dict[str, dict] = {}
        self.tx_ids: list[str] = []

    async def room_send(self, room_id, event_type, content, tx_id=None, ignore_unverified_devices=False):
        tx_id = tx_id or f"nio-{len(self.tx_ids)}"   # matrix-nio makes a new one when none is given
        self.tx_ids.append(tx_id)
        step = self.script.pop(0) if self.script else "ok"
        if step == "limit":
            return RoomSendError("Too many requests", "M_LIMIT_EXCEEDED", retry_after_ms=1500)
        self.events.setdefault(tx_id, content)
        if step == "lost":
            raise ConnectionResetError("the answer never came")
        return SimpleNamespace(event_id=f"${list(self.events).index(tx_id)}")


async def _no_sleep(waits, seconds):
    waits.append(seconds)


async def test_a_429_is_waited_out_for_the_time_it_names_then_the_message_is_sent_once(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(matrix_send.asyncio, "sleep", lambda s: _no_sleep(waits, s))
    hs = _Homeserver(["limit", "limit", "ok"])
    event = await RoomSender(hs, 1).send("!r:x", text_content("check-in"))
    assert event == "$0"
    assert waits == [1.5, 1.5]
    assert len(hs.events) == 1


async def test_a_retry_after_a_lost_answer_reuses_the_transaction_id_so_nothing_posts_twice(monkeypatch):
    monkeypatch.setattr(matrix_send.asyncio, "sleep", lambda s: _no_sleep([], s))
    hs = _Homeserver(["lost", "limit", "ok"])
    await RoomSender(hs, 1).send("!r:x", text_content("check-in"))
    assert len(hs.events) == 1                       # stored once, though sent three times
    assert len(hs.tx_ids) == 3 and len(set(hs.tx_ids)) == 1


async def test_two_messages_have_their_own_transaction_ids(monkeypatch):
    hs = _Homeserver([])
    sender = RoomSender(hs, 1)
    await sender.send("!r:x", text_content("one"))
    await sender.send("!r:x", text_content("two"))
    assert len(hs.events) == 2 and hs.tx_ids[0] != hs.tx_ids[1]
