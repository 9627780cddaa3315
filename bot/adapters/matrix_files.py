"""A file a member sent the bot on Matrix (an `m.file` event), read from the media repository.

The bytes come through nio's client (its session, the homeserver's authenticated media endpoint and
the bot's token) as a stream, never whole in memory: an export can be hundreds of MB. A file sent in
an encrypted room carries its key, IV and the ciphertext's SHA-256 in ``file``; it is decrypted as it
arrives (AES-CTR, as :func:`nio.crypto.attachments.decrypt_attachment` does it, but piece by piece) and
refused, with nothing kept, when the hash does not match or the key can't be read.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlparse

from nio import RoomEncryptedFile
from nio.api import Api

from bot.adapters.uploads import refuse_size
from bot.imports.records import FileRefused
from bot.vocabulary.i18n import _

CHUNK = 64 * 1024
DOWNLOAD_SECONDS = 600


def declared_size(content: Mapping[str, Any]) -> int | None:
    size = (content.get("info") or {}).get("size")
    return size if isinstance(size, int) and not isinstance(size, bool) else None


def file_name(content: Mapping[str, Any]) -> str:
    """What the member called the file (shown back to them, never trusted for the format)."""
    name = content.get("filename") or content.get("body") or ""
    return str(name)[:200]


def _unreachable() -> FileRefused:
    return FileRefused(_("I couldn't fetch your file from the homeserver; please send it again. Nothing was stored."))


async def media_chunks(client, mxc: str, limit: int) -> AsyncGenerator[bytes, None]:
    """The bytes of ``mxc://server/media`` as they arrive; refused at once when the homeserver says it
    is larger than ``limit`` (the caller also counts what arrives: bot.adapters.uploads.kept_while)."""
    url = urlparse(mxc or "")
    media_id = url.path.strip("/")
    if url.scheme != "mxc" or not url.netloc or not media_id or "/" in media_id:
        raise _unreachable()
    _method, path = Api.download(url.netloc, media_id)
    path = path.split("?", 1)[0]   # the token goes in the header, never in the URL (nio's own download does the same)
    try:
        response = await client.send("GET", path, headers={"Authorization": f"Bearer {client.access_token}"},
                                     timeout=DOWNLOAD_SECONDS)
    except Exception:   # connection refused, a timeout: the homeserver is away
        raise _unreachable() from None
    try:
        if response.status != 200:
            raise _unreachable()
        refuse_size(response.content_length, limit)
        async for chunk in response.content.iter_chunked(CHUNK):
            yield chunk
    finally:
        response.release()


async def member_file(client, event, limit: int) -> AsyncGenerator[bytes, None]:
    """The file of an m.file event, decrypted where it is an encrypted file."""
    async with contextlib.aclosing(media_chunks(client, event.url, limit)) as fetched:
        source = (fetched if not isinstance(event, RoomEncryptedFile)
                  else decrypted(fetched, event.key, event.hashes, event.iv))
        async with contextlib.aclosing(source) as plain:
            async for chunk in plain:
                yield chunk


async def decrypted(chunks: AsyncIterator[bytes], key: Mapping[str, Any] | None, hashes: Mapping[str, Any] | None,
                    iv: str | None) -> AsyncGenerator[bytes, None]:
    """An encrypted attachment (Matrix's v2 scheme: AES-256-CTR, SHA-256 of the ciphertext), decrypted
    piece by piece. The hash is checked when the last piece has arrived: on a mismatch FileRefused
    is raised, so the caller drops everything it wrote."""
    import unpaddedbase64
    from Crypto.Cipher import AES
    from Crypto.Hash import SHA256
    from Crypto.Util import Counter

    refusal = FileRefused(_("I couldn't decrypt your file (its keys are missing or damaged); please send it again. "
                            "Nothing was stored."))
    try:
        if not key or key.get("alg", "A256CTR") != "A256CTR" or not hashes or not iv:
            raise ValueError("not an attachment this client can decrypt")
        byte_key = unpaddedbase64.decode_base64(str(key["k"]))
        expected = unpaddedbase64.decode_base64(str(hashes["sha256"]))
        byte_iv = unpaddedbase64.decode_base64(iv)
        counter = Counter.new(64, prefix=byte_iv[:8], initial_value=int.from_bytes(byte_iv[8:], "big"))
        cipher = AES.new(byte_key, AES.MODE_CTR, counter=counter)
    except (KeyError, TypeError, ValueError):
        raise refusal from None
    digest = SHA256.new()
    async for chunk in chunks:
        digest.update(chunk)
        yield cipher.decrypt(chunk)
    if digest.digest() != expected:
        raise refusal
