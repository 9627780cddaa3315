"""Counting words in member-facing text: "1 post", "2 posts", never "post(s)"."""

from __future__ import annotations


def counted(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def changed_posts(edited: int, deleted: int, *, removed_because: str, where: str = "") -> str:
    """What take-back did, in one sentence: "I updated 1 earlier post and removed 2 that now said too much."."""
    if edited and deleted:
        return f"I updated {counted(edited, 'earlier post')}{where} and removed {deleted} {removed_because}."
    if edited:
        return f"I updated {counted(edited, 'earlier post')}{where}."
    return f"I removed {counted(deleted, 'earlier post')}{where} {removed_because}."
