"""End-to-end encryption for the Matrix adapter, or an honest word where it can't be had.

With matrix-nio's ``e2e`` extra installed (``pip install 'peerpulse[e2e]'``) the client keeps its
device keys and Megolm sessions in ``store_dir`` (so a restart keeps reading old sessions), reads
and answers in encrypted rooms, creates its direct rooms encrypted and encrypts attachments.

Device trust (documented in the README): the bot encrypts to every device of the room's members
without asking for verification (``ignore_unverified_devices``), as most bots do; it cannot verify
members interactively. A member who wants stronger guarantees verifies the bot's device.

Without the extra, an encrypted room is unreadable to the bot: it says so once per room (in plain
text, holding no member data) instead of staying silent, and its direct rooms stay unencrypted.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.vocabulary.i18n import N_

log = logging.getLogger(__name__)

MEGOLM = "m.megolm.v1.aes-sha2"
# Posted in the room, in the community's language (the adapter translates them when it posts).
CANNOT_READ = N_("I can't read this room: it is end-to-end encrypted and this peerpulse runs without "
                 "encryption support. Ask the host to install `peerpulse[e2e]`, or talk to me in an unencrypted room.")
CANNOT_DECRYPT = N_("I couldn't decrypt a message here (my keys for it are missing). If it was a command, "
                    "please send it again.")


def encryption_installed() -> bool:
    try:
        from nio.crypto import ENCRYPTION_ENABLED
    except ImportError:   # pragma: no cover - nio always has the module
        return False
    return bool(ENCRYPTION_ENABLED)


class Encryption:
    """Keeps keys moving after each sync, and tells a room once when the bot can't read it."""

    def __init__(self, client, state, enabled: bool, store_dir: str):
        self.client = client
        self.state = state
        self.enabled = enabled
        if enabled:
            Path(store_dir).mkdir(parents=True, exist_ok=True)

    def direct_room_state(self) -> list[dict]:
        """Initial state for a new direct room: encrypted only when the bot can read it."""
        if not self.enabled:
            return []
        return [{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}]

    def know_new_direct_room(self, room_id: str, member: str) -> None:
        """A direct room the bot just created is not in the client's state until a sync; to encrypt the
        first answer at once, the client learns it now, with the invited member (who gets the room key
        though not joined yet, so the answer is readable once they join)."""
        if not self.enabled or room_id in self.client.rooms:
            return
        from nio.rooms import MatrixRoom

        room = MatrixRoom(room_id, self.client.user_id, encrypted=True)
        room.add_member(self.client.user_id, None, None)
        room.add_member(member, None, None, invited=True)
        self.client.rooms[room_id] = room
        self.client.encrypted_rooms.add(room_id)

    def room_encrypted(self, room_id: str) -> bool:
        room = self.client.rooms.get(room_id)
        return bool(room and room.encrypted)

    async def after_login(self) -> None:
        if self.enabled:   # the store was loaded by the login (restore_login or login)
            if self.client.should_upload_keys:
                await self.client.keys_upload()

    async def after_sync(self) -> None:
        """What nio's sync_forever would do: publish keys, learn members' devices, send room keys."""
        if not self.enabled:
            return
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            await self.client.keys_claim(self.client.get_users_for_key_claiming())
        await self.client.send_to_device_messages()

    async def unreadable(self, room_id: str) -> str | None:
        """The line to post when an encrypted event can't be read, once per room; else None."""
        key = f"matrix:e2ee-told:{'decrypt' if self.enabled else 'read'}:{room_id}"   # once per room and per cause
        if await self.state.get(key):
            return None
        await self.state.set(key, "1")
        return CANNOT_DECRYPT if self.enabled else CANNOT_READ
