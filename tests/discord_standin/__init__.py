"""Local stand-in for Discord's REST API and gateway (see server.py)."""

from .server import DiscordStandIn, InjectedInteraction, RecordedRequest

__all__ = ["DiscordStandIn", "InjectedInteraction", "RecordedRequest"]
