"""Counting words in member-facing text: "1 post", "2 posts", never "post(s)"."""

from __future__ import annotations

from bot.vocabulary.i18n import _, count, n_


def counted(n: int, word: str, plural: str | None = None) -> str:
    """English only (operator tools); member-facing counts use ``bot.vocabulary.i18n.n_`` (real plural forms)."""
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def changed_posts(edited: int, deleted: int, *, removed_because: str, where: str = "") -> str:
    """What take-back did, in one sentence: "I updated 1 earlier post and removed 2 that now said too much."."""
    if edited and deleted:
        return _("{updated}{where} and removed {deleted} {removed_because}.",
                 updated=n_("I updated {n} earlier post", "I updated {n} earlier posts", edited), where=where,
                 deleted=count(deleted), removed_because=removed_because)
    if edited:
        return n_("I updated {n} earlier post{where}.", "I updated {n} earlier posts{where}.", edited, where=where)
    return n_("I removed {n} earlier post{where} {removed_because}.", "I removed {n} earlier posts{where} {removed_because}.",
              deleted, where=where, removed_because=removed_because)
