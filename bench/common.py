"""What the bench's parts share: the start time, a transport that sends nowhere, percentiles."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.adapters.base import Inbound, Target

START = datetime(2026, 11, 16, 9, tzinfo=timezone.utc)


class NullTransport:
    platform = "bench"

    def __init__(self):
        self.sent = 0

    async def send(self, target: Target, delivery) -> str | None:
        self.sent += 1
        return str(self.sent) if target.kind == "channel" else None

    async def edit(self, target, message_id, delivery, keep_images=False):
        return None

    async def delete(self, target, message_id):
        return None


def inbound(member: str, text: str) -> Inbound:
    """A direct message from ``member`` in the bench community."""
    return Inbound("bench", "c", "c", None, "", member, member, False, text=text)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
