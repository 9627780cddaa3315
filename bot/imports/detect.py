"""Which format a file is, by its content (never its name): the first reader whose ``sniff`` says yes.

A zip is recognised by its magic bytes and looked into by its member names only (its central
directory), so detection reads a few kilobytes whatever the file's size.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from bot.imports.formats import plain_csv
from bot.imports.records import FileRefused, Reader
from bot.vocabulary.i18n import _, count

MAX_FILE_BYTES = 512 * 2**20    # the largest file the bot reads (an Apple Health export.zip is usually far less)
HEAD_BYTES = 64 * 1024
MAX_ZIP_MEMBERS = 200_000

#: Tried in this order; plain CSV last, as the most general.
READERS: tuple[Reader, ...] = (plain_csv.READER,)


def head(path: Path) -> tuple[bytes, tuple[str, ...]]:
    """The file's first bytes and, for a zip, its member names."""
    with open(path, "rb") as f:
        first = f.read(HEAD_BYTES)
    if not first.startswith(b"PK\x03\x04"):
        return first, ()
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise FileRefused(_("That zip file is damaged or cut short; I couldn't read it. Nothing was stored.")) from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise FileRefused(_("That zip file holds more than {n} files; exports don't. Nothing was stored.",
                            n=count(MAX_ZIP_MEMBERS)))
    return first, tuple(i.filename for i in infos)


def detect(path: Path) -> Reader:
    first, names = head(path)
    if not first:
        raise FileRefused(_("That file is empty. Nothing was stored."))
    for reader in READERS:
        if reader.sniff(first, names):
            return reader
    raise FileRefused(_("I don't recognise that file. I read {formats}. Nothing was stored.",
                        formats=", ".join(r.name for r in READERS)))
