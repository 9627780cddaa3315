"""A file a member hands the bot on a chat platform (an import), saved only while its command runs.

The adapter checks the platform's declared size first (a file past the limit is never downloaded),
then streams the bytes into a temporary file in a private directory (mode 0700, the file 0600) and
stops the moment more than the limit arrives: a declared size is the sender's word, not a fact. The
file and its directory are deleted when the command has answered, whatever happened (:func:`kept_while`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from bot.imports.detect import MAX_FILE_BYTES
from bot.imports.records import FileRefused, Upload
from bot.vocabulary.i18n import _, num

PREFIX = "peerpulse-upload-"


def refuse_size(declared: int | None, limit: int = MAX_FILE_BYTES) -> None:
    """Raises FileRefused when the platform says the file is larger than the bot reads."""
    if declared is not None and declared > limit:
        raise FileRefused(too_big(declared, limit))


def too_big(size: int, limit: int = MAX_FILE_BYTES) -> str:
    return _("That file is {size} MB; I read files up to {limit} MB. Nothing was stored.",
             size=num(size / 2**20, ".1f"), limit=num(limit / 2**20, ".0f"))


@contextlib.asynccontextmanager
async def kept_while(chunks: AsyncIterator[bytes], name: str, limit: int = MAX_FILE_BYTES,
                     base: str | os.PathLike[str] | None = None) -> AsyncIterator[Upload]:
    """The member's file as an :class:`Upload`, for the block; deleted when the block ends.

    ``chunks`` are the file's bytes as they arrive; more than ``limit`` of them refuses the file
    (FileRefused) at once, with nothing more read or kept. ``base`` is where the private directory
    is made (the system's temporary directory by default)."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))   # mode 0700: only the bot's user enters
    try:
        path = folder / "upload"
        size = 0
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise FileRefused(_("That file is larger than {limit} MB, the most I read. Nothing was stored.",
                                            limit=num(limit / 2**20, ".0f")))
                    out.write(chunk)
        finally:
            stop = getattr(chunks, "aclose", None)   # a download cut short lets go of its connection now
            if stop is not None:
                await stop()
        yield Upload(path, name, size)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
