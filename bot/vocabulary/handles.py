"""A post's handle: the ids of every platform message it took, kept whole in the post ledger.

Adapters make and read handles; the ledger stores them and finds a post by one of its messages, so
the format lives below both.
"""

from __future__ import annotations

from collections.abc import Iterable

MESSAGE_ID_SEPARATOR = ","


def join_message_ids(ids: Iterable[object]) -> str:
    """One post's handle from the ids of its platform messages (the post ledger stores it whole)."""
    return MESSAGE_ID_SEPARATOR.join(str(i) for i in ids)


def split_message_ids(handle: str | None) -> tuple[str, ...]:
    return tuple(i for i in (handle or "").split(MESSAGE_ID_SEPARATOR) if i)
