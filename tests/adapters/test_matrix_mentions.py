"""Every message the bot sends on Matrix declares that it mentions nobody (`m.mentions: {}`), so the
homeserver's legacy push rules never ping a member whose name is in a post, nor the room for "@room"
(check-ins name members; `share` posts carry members' own words)."""

from __future__ import annotations

from types import SimpleNamespace

from bot.adapters.matrix_send import RoomSender, text_content


class _Client:
    def __init__(self):
        self.sent: list[dict] = []

    async def room_send(self, room_id, event_type, content, tx_id=None, ignore_unverified_devices=False):
        self.sent.append(content)
        return SimpleNamespace(event_id=f"$e{len(self.sent)}")


async def test_every_sent_message_mentions_nobody():
    client = _Client()
    sender = RoomSender(client, 1)
    await sender.send("!r:x", text_content("ann shares:\nthanks bob and room for the walk"))
    await sender.send("!r:x", {"msgtype": "m.image", "body": "chart of ann and bob", "url": "mxc://x/y"})
    await sender.send("!r:x", {**text_content("x"), "m.mentions": {"user_ids": ["@bob:x"]}})   # never widened
    assert [c["m.mentions"] for c in client.sent] == [{}, {}, {}]
    assert client.sent[0]["body"].startswith("ann shares")
