"""The one place an imported file is opened: a plain file or a zip, read with its guards on.

A member's export is untrusted input of any size. Every reader opens it through here, so the limits
below hold for every format at once and are stated in one place (the pipeline and the README quote
them). A zip is recognised by its magic bytes, never by its name; its members are streamed, never
extracted to disk, and a zip inside the zip is not followed. Each guard raises
:class:`~bot.imports.records.FileRefused` with a reason the member reads.

The guards:

* a zip: at most :data:`MAX_MEMBERS` members (counted from the end record before anything is parsed),
  the declared sizes at most :data:`MAX_MEMBER_BYTES` per member and :data:`MAX_ARCHIVE_BYTES` in all,
  and, while a member streams, never more than it declared (zipfile stops there and checks the CRC)
  nor more than :data:`MAX_MEMBER_BYTES`,
  and past :data:`RATIO_CHECK_AFTER` inflated bytes never more than :data:`MAX_RATIO` times its
  compressed size (a zip bomb's signature);
* text (CSV, JSON, XML): strict UTF-8 (a UTF-8 byte-order mark is dropped; a UTF-16 one is decoded),
  no NUL characters; in CSV and XML no line longer than :data:`MAX_LINE_BYTES` (JSON is often written
  on one line, and has its own cap);
* a JSON file at most :data:`MAX_JSON_BYTES` (it is parsed whole).
"""

from __future__ import annotations

import codecs
import itertools
import lzma
import struct
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO

from bot.imports.records import FileRefused
from bot.vocabulary.i18n import _, count

#: Told how many bytes each piece read holds (inflated, for a zip member), while set: how the import's
#: progress messages know how far a long file has got, whatever the format.
BYTES_READ: ContextVar[Callable[[int], None] | None] = ContextVar("peerpulse_import_bytes_read", default=None)

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

MAX_MEMBERS = 200_000                 # members in one zip
MAX_MEMBER_BYTES = 4 * GIB            # one member, inflated
MAX_ARCHIVE_BYTES = 16 * GIB          # all members together, as declared
MAX_RATIO = 100                       # inflated : compressed, checked once a member has inflated...
RATIO_CHECK_AFTER = 64 * MIB          # ...this much (small, very regular files compress well and are fine)
MAX_LINE_BYTES = 64 * KIB             # one line of a text format
MAX_JSON_BYTES = 64 * MIB             # one JSON file (parsed whole)
HEAD_BYTES = 8 * KIB                  # what a format's sniff sees of a file

CHUNK = 64 * KIB
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")   # a local file header; an empty archive's end record
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}
# What zipfile and its decompressors raise on a truncated or corrupted archive.
_BROKEN = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error, lzma.LZMAError)
_TEXT_ENDINGS = (".xml", ".csv", ".json")


def _damaged() -> FileRefused:
    return FileRefused(_("That zip file is damaged or incomplete: download the export again and send the new file."))


def _too_big() -> FileRefused:
    return FileRefused(_("That file unpacks to more than I read ({limit} GiB): export a shorter period if you can.",
                         limit=MAX_MEMBER_BYTES // GIB))


def is_zip(path: Path) -> bool:
    """A zip by its first four bytes (a renamed ``export.zip`` is still a zip; a ``.zip`` that is not, is not)."""
    with path.open("rb") as f:
        return f.read(4) in ZIP_MAGIC


def _declared_members(path: Path) -> int:
    """How many members the zip's end record declares, read before :mod:`zipfile` parses the central
    directory (which it holds in memory whole): a directory of millions of entries is refused unread."""
    size = path.stat().st_size
    with path.open("rb") as f:
        tail_start = max(0, size - (22 + 65_535))
        f.seek(tail_start)
        tail = f.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            raise _damaged()
        count = struct.unpack("<H", tail[at + 10:at + 12])[0]
        if count != 0xFFFF:
            return count
        locator = at - 20   # zip64: the end-of-central-directory locator sits just before the end record
        if locator < 0 or tail[locator:locator + 4] != b"PK\x06\x07":
            raise _damaged()
        (record_offset,) = struct.unpack("<Q", tail[locator + 8:locator + 16])
        f.seek(record_offset)
        record = f.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            raise _damaged()
        return int(struct.unpack("<Q", record[32:40])[0])


class Archive:
    """An open zip whose guards that need no inflating have passed: many members are read from it
    without parsing its directory again (a Fitbit export holds hundreds of files)."""

    def __init__(self, archive: zipfile.ZipFile):
        self._zip = archive
        self.names = tuple(i.filename for i in archive.infolist() if not i.is_dir())

    def chunks(self, member: str) -> Iterator[bytes]:
        """One member's bytes in pieces of :data:`CHUNK`, streamed with the guards on (see the module)."""
        try:
            info = self._zip.getinfo(member)
        except KeyError:
            raise _damaged() from None
        guarded = _GuardedMember(self._zip, info)
        told = BYTES_READ.get()
        try:
            while data := guarded.read(CHUNK):
                if told is not None:
                    told(len(data))
                yield data
        finally:
            guarded.close()

    def text(self, member: str) -> Iterator[str]:
        """One member's lines, decoded and guarded (see :func:`decoded`, :func:`lines`)."""
        return lines(decoded(self.chunks(member)))

    def json_text(self, member: str) -> str:
        """One member whole as text, under :data:`MAX_JSON_BYTES`."""
        return _json_text(self.chunks(member))


@contextmanager
def open_zip(path: Path) -> Iterator[Archive]:
    """The archive, after the guards that need no inflating: member count and declared sizes."""
    if _declared_members(path) > MAX_MEMBERS:
        raise _too_many()
    try:
        archive = zipfile.ZipFile(path)
    except _BROKEN:
        raise _damaged() from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _too_many()
        if any(i.file_size > MAX_MEMBER_BYTES for i in infos) or sum(i.file_size for i in infos) > MAX_ARCHIVE_BYTES:
            raise _too_big()
        yield Archive(archive)


def _too_many() -> FileRefused:
    return FileRefused(_("That zip holds more than {limit} files: I don't read it.", limit=count(MAX_MEMBERS)))


def member_names(path: Path) -> tuple[str, ...]:
    """The names of a zip's files (directories left out), in the archive's order."""
    with open_zip(path) as archive:
        return archive.names


class _GuardedMember:
    """A zip member's bytes, streamed, counting what comes out against the caps as it goes."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo):
        self.info = info
        try:
            self.stream: IO[bytes] = archive.open(info)
        except NotImplementedError:   # e.g. Deflate64, which Windows uses for large files
            raise FileRefused(_("That zip is packed in a way I can't unpack: zip it again with ordinary compression.")) from None
        except _BROKEN:
            raise _damaged() from None
        except RuntimeError:   # an encrypted member
            raise FileRefused(_("That zip is password-protected: export it again without a password.")) from None
        self.inflated = 0
        self.first = True

    def read(self, size: int = CHUNK) -> bytes:
        try:
            data = self.stream.read(size)
        except _BROKEN:
            raise _damaged() from None
        if self.first and data:
            self.first = False
            if data[:4] in ZIP_MAGIC:
                raise FileRefused(_("That zip holds another zip: unpack the outer one and send the inner file."))
        self.inflated += len(data)
        if self.inflated > MAX_MEMBER_BYTES:
            raise _too_big()
        if self.inflated > RATIO_CHECK_AFTER and self.inflated > MAX_RATIO * max(1, self.info.compress_size):
            raise FileRefused(_("That zip unpacks to far more than its size (a zip bomb?): I don't read it."))
        return data

    def close(self) -> None:
        self.stream.close()


def chunks(path: Path, member: str | None = None) -> Generator[bytes, None, None]:
    """The bytes of the file, or of one member of a zip, in pieces of :data:`CHUNK`, with the zip guards
    on. A plain file's size needs no guard here: it is already on disk at the size the member sent."""
    if member is not None:
        with open_zip(path) as archive:
            yield from archive.chunks(member)
        return
    told = BYTES_READ.get()
    with path.open("rb") as f:
        while data := f.read(CHUNK):
            if told is not None:
                told(len(data))
            yield data


def head(path: Path) -> tuple[bytes, tuple[str, ...]]:
    """What the formats' ``sniff`` sees: a plain file's first :data:`HEAD_BYTES` and no names; a zip's
    member names and the first bytes of its first text member (``.xml``, ``.csv``, ``.json``, in the
    archive's order; empty when it has none). An empty file is refused here."""
    if path.stat().st_size == 0:
        raise FileRefused(_("That file is empty."))
    if not is_zip(path):
        with path.open("rb") as f:
            return f.read(HEAD_BYTES), ()
    names = member_names(path)
    text = next((n for n in names if n.lower().endswith(_TEXT_ENDINGS)), None)
    return (first_bytes(path, text) if text else b""), names


def first_bytes(path: Path, member: str | None = None, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of the file or of one zip member."""
    out = b""
    pieces = chunks(path, member)
    try:
        for data in pieces:
            out += data
            if len(out) >= size:
                break
    finally:
        pieces.close()
    return out[:size]


def _not_utf8() -> FileRefused:
    return FileRefused(_("That file is not UTF-8 text: save or export it as UTF-8 and send it again."))


def decoded(pieces: Iterator[bytes]) -> Iterator[str]:
    """Text from bytes, strictly: UTF-8 (its byte-order mark dropped) or, after a UTF-16 byte-order mark,
    UTF-16. Anything that does not decode, or holds a NUL character (binary data), is refused."""
    first = b""
    for data in pieces:
        first += data
        if len(first) >= 4:
            break
    encoding = "utf-8"
    if first.startswith(_UTF8_BOM):
        first = first[len(_UTF8_BOM):]
    else:
        for bom, name in _UTF16_BOMS.items():
            if first.startswith(bom):
                encoding, first = name, first[len(bom):]
                break
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        for piece in itertools.chain((first,), pieces):
            text = decoder.decode(piece)
            if "\x00" in text:
                raise _not_utf8()
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _not_utf8() from None
    if tail:
        yield tail


def _too_long(number: int) -> FileRefused:
    return FileRefused(_("Line {n} of that file is longer than {limit} KiB: it is not an export I read.",
                         n=count(number), limit=MAX_LINE_BYTES // KIB))


def lines(pieces: Iterator[str]) -> Iterator[str]:
    """Lines with their endings (as a text file iterates; the csv module wants them so), none longer
    than :data:`MAX_LINE_BYTES` (counted in characters: at least as many bytes)."""
    buffer = ""
    number = 0
    for text in pieces:
        buffer += text
        start = 0
        while (end := buffer.find("\n", start)) >= 0:
            number += 1
            if end + 1 - start > MAX_LINE_BYTES:
                raise _too_long(number)
            yield buffer[start:end + 1]
            start = end + 1
        buffer = buffer[start:]
        if len(buffer) > MAX_LINE_BYTES:
            raise _too_long(number + 1)
    if buffer:
        yield buffer


def open_text(path: Path, member: str | None = None) -> Iterator[str]:
    """The lines of a text file or zip member, decoded and guarded (see :func:`decoded`, :func:`lines`)."""
    return lines(decoded(chunks(path, member)))


def line_guarded(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Bytes passed through unchanged, refused once a line runs past :data:`MAX_LINE_BYTES`: for a parser
    that decodes itself (expat), which would otherwise buffer a gigabyte-long token."""
    run = 0       # bytes since the last newline
    number = 1    # the line the current piece starts in
    for data in pieces:
        parts = data.split(b"\n")
        if len(parts) == 1:
            run += len(data)
        else:
            if run + len(parts[0]) > MAX_LINE_BYTES or max(map(len, parts[1:-1]), default=0) > MAX_LINE_BYTES:
                raise _too_long(number)
            run = len(parts[-1])
            number += len(parts) - 1
        if run > MAX_LINE_BYTES:
            raise _too_long(number)
        yield data


def read_json_text(path: Path, member: str | None = None) -> str:
    """A whole JSON file as text, refused past :data:`MAX_JSON_BYTES` (it is parsed in one piece)."""
    if member is None and path.stat().st_size > MAX_JSON_BYTES:
        raise _json_too_big()
    return _json_text(chunks(path, member))


def _json_text(pieces: Iterator[bytes]) -> str:
    size = 0

    def counted() -> Iterator[bytes]:
        nonlocal size
        for data in pieces:
            size += len(data)
            if size > MAX_JSON_BYTES:
                raise _json_too_big()
            yield data

    return "".join(decoded(counted()))


def as_utf8(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """UTF-8 bytes for a parser that takes bytes (expat, told the encoding is UTF-8): passed through
    as they are, unless the file starts with a UTF-16 byte-order mark, then decoded and re-encoded."""
    first = next(pieces, b"")
    if not first.startswith(tuple(_UTF16_BOMS)):
        yield first
        yield from pieces
        return
    for text in decoded(itertools.chain((first,), pieces)):
        yield text.encode("utf-8")


def _json_too_big() -> FileRefused:
    return FileRefused(_("A JSON file in that export is larger than {limit} MiB: I don't read it.",
                         limit=MAX_JSON_BYTES // MIB))
