"""What the bot puts into a Matrix room, and how it retries: HTML notices, images with alt text,
one file for a multi-file private delivery (an export), redactions, and matrix.to permalinks."""

from __future__ import annotations

import asyncio
import html
import io
import logging
import struct
import uuid
import zipfile
from typing import Any
from urllib.parse import quote

from nio import ErrorResponse, RoomSendError, UploadError

from bot.adapters.base import DeliveryFailed
from bot.gate import Attachment
from bot.vocabulary.i18n import N_, _

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 6
BUNDLE_NAME = "peerpulse-export.zip"


class RoomSender:
    """Sends, uploads and redacts for the adapter, retrying while the homeserver restarts or rate-limits."""

    def __init__(self, client, max_backoff: float):
        self.client = client
        self.max_backoff = max_backoff

    async def send(self, room_id: str, content: dict[str, Any]) -> str:
        # Intentional mentions (Matrix 1.7): with an empty `m.mentions` the homeserver no longer pings
        # anyone whose display name or user name appears in the body, nor the room for "@room". The bot
        # never means to ping: posts name members (check-ins, a chart's alt text) and carry members' own
        # words (`share`). Notices are also not notified by default push rules; images are.
        content = {**content, "m.mentions": {}}
        # One transaction id for every attempt: the homeserver treats a repeated (access token, txn id) as
        # the same event, so a retry after a lost answer (the message was stored, the reply never came)
        # or after a 429 can never post the message twice (Client-Server API, "Transaction identifiers").
        tx_id = uuid.uuid4().hex
        for attempt in range(SEND_ATTEMPTS):
            try:
                response = await self.client.room_send(room_id, "m.room.message", content, tx_id=tx_id,
                                                       ignore_unverified_devices=True)
            except Exception as exc:   # connection refused while the homeserver restarts
                log.warning("Matrix send failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(min(2 ** attempt, self.max_backoff))
                continue
            if isinstance(response, RoomSendError):
                if response.status_code == "M_LIMIT_EXCEEDED":   # rate-limited: wait as told, then resend
                    await asyncio.sleep((response.retry_after_ms or 1000) / 1000)
                    continue
                if response.status_code == "M_FORBIDDEN":
                    raise DeliveryFailed(N_("I'm not allowed to post in that room"))
                raise DeliveryFailed(N_("the homeserver refused the message ({code})"), code=response.status_code)
            return response.event_id
        raise DeliveryFailed(N_("the homeserver did not accept the message after several tries"))

    async def redact(self, room_id: str, event_id: str, reason: str) -> str | None:
        """Redacts one event; returns the refusal's error code (M_FORBIDDEN...) or None when it is gone."""
        for attempt in range(SEND_ATTEMPTS):
            try:
                response = await self.client.room_redact(room_id, event_id, reason=reason)
            except Exception as exc:
                log.warning("Matrix redaction failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(min(2 ** attempt, self.max_backoff))
                continue
            if isinstance(response, ErrorResponse):
                if response.status_code == "M_LIMIT_EXCEEDED":
                    await asyncio.sleep((getattr(response, "retry_after_ms", None) or 1000) / 1000)
                    continue
                return None if response.status_code == "M_NOT_FOUND" else (response.status_code or "error")
            return None
        return "unreachable"

    async def redact_or_fail(self, room_id: str, event_id: str) -> None:
        refused = await self.redact(room_id, event_id, _("peerpulse: a member changed what they "
                                                         "share"))
        if refused:
            raise DeliveryFailed(N_("I couldn't remove a message ({why})"), why=refused)

    async def attachment_content(self, attachment: Attachment, encrypt: bool) -> dict[str, Any]:
        """An m.image (alt text in ``body``) or m.file; in an encrypted room the file is encrypted too."""
        response, keys = await self.client.upload(io.BytesIO(attachment.data), content_type=attachment.mime,
                                                  filename=attachment.filename, filesize=len(attachment.data),
                                                  encrypt=encrypt)
        if isinstance(response, UploadError):
            raise DeliveryFailed(N_("the homeserver refused the upload"))
        info: dict[str, Any] = {"mimetype": attachment.mime, "size": len(attachment.data)}
        if attachment.mime == "image/png" and len(attachment.data) > 24:
            info["w"], info["h"] = struct.unpack(">II", attachment.data[16:24])
        is_image = attachment.mime.startswith("image/")
        content: dict[str, Any] = {"msgtype": "m.image" if is_image else "m.file", "info": info,
                                   "body": (attachment.alt_text or attachment.filename) if is_image else attachment.filename}
        if is_image:
            content["filename"] = attachment.filename   # with `filename` set, clients read `body` as the caption
        if encrypt:
            content["file"] = {**keys, "url": response.content_uri}
        else:
            content["url"] = response.content_uri
        return content


def one_file(attachments: tuple[Attachment, ...]) -> tuple[Attachment, ...]:
    """Several files for one member (an export) arrive as one zip: one download, the same files inside
    as on every other platform. Images stay separate: they are shown, not downloaded."""
    files = [a for a in attachments if not a.mime.startswith("image/")]
    if len(files) <= 1:
        return attachments
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            archive.writestr(f.filename, f.data)
    bundle = Attachment(BUNDLE_NAME, buffer.getvalue(), "application/zip")
    return tuple(a for a in attachments if a.mime.startswith("image/")) + (bundle,)


def text_content(text: str) -> dict[str, Any]:
    lines = text.splitlines()
    formatted = "<br>".join(_inline_code(html.escape(line)) for line in lines)
    return {"msgtype": "m.notice", "body": text, "format": "org.matrix.custom.html", "formatted_body": formatted}


def permalink(room_id: str, event_id: str) -> str:
    """A matrix.to link any client opens at the event (the spec's permalink form)."""
    return f"https://matrix.to/#/{quote(room_id, safe='!:')}/{quote(event_id, safe='$:')}"


def _inline_code(escaped: str) -> str:
    parts = escaped.split("`")
    if len(parts) % 2 == 0:
        return escaped
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
