"""Which format a file is, by its content (never its name): the reader whose ``sniff`` says yes.

A zip is looked into by its member names only (its central directory, after its declared member count
was checked: :func:`bot.imports.opening.head`), so detection reads a few kilobytes whatever the
file's size. Two readers claiming one file (a Google Takeout zip holding both Google Fit and Fitbit
folders) would count the same steps twice if read together: the member is asked to send one.
"""

from __future__ import annotations

from pathlib import Path

from bot.imports import opening
from bot.imports.formats import apple_health, fitbit, garmin, google_fit, plain_csv
from bot.imports.records import FileRefused, Reader
from bot.vocabulary.i18n import _

MAX_FILE_BYTES = 512 * 2**20    # the largest file the bot takes (an Apple Health export.zip is usually far less)

#: Every format the bot reads; plain CSV is the most general, and the formats' sniffs exclude one another.
READERS: tuple[Reader, ...] = (apple_health.READER, google_fit.READER, fitbit.READER, garmin.READER, plain_csv.READER)


def detect(path: Path) -> Reader:
    first, names = opening.head(path)
    claims = [r for r in READERS if r.sniff(first, names)]
    if len(claims) > 1:
        raise FileRefused(_("That export holds data from {formats}, which would count the same days twice if "
                            "read together: export one of them (most services let you pick) and send that.",
                            formats=" and ".join(r.name for r in claims)))
    if not claims:
        raise FileRefused(_("I don't recognise that file. I read {formats}.",
                            formats=", ".join(r.name for r in READERS)))
    return claims[0]


def looks_like_export(path: Path) -> bool:
    """Whether a file is one of the exports the bot reads (any reader claims it): what decides that a
    file a member sent to a shared room holds their health data. A damaged or unreadable file is not
    taken for one."""
    try:
        first, names = opening.head(path)
    except FileRefused:
        return False
    return any(r.sniff(first, names) for r in READERS)
