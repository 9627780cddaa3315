"""Pacing of the bot's REST requests, so Discord never has to refuse one.

discord.py reads the per-route bucket headers (``X-RateLimit-Remaining`` / ``-Reset-After``) and waits
when a bucket is empty, but it does not pace to the *global* limit (50 requests a second per bot token):
it sends until Discord answers 429 with ``global: true``, then stops everything for ``retry_after``.
At a check-in peak (thousands of posts due in the same minute) that means a 429 storm. So the adapter
paces every request itself, at the one point every request passes: aiohttp's ``on_request_start``
trace hook of discord.py's HTTP session (given to the client as ``http_trace``), so retries are paced
too and the request leaves right after its slot was granted.

* **Global**: a sliding window; at most ``limit`` requests in any ``per + margin`` seconds. With several
  processes sharing one token (a sharded bot), each process takes its share: ``limit = rate // processes``
  (50 a second over 3 processes: 16 each). ``margin`` absorbs the jitter between the moment a request is
  sent and the moment Discord counts it.
* **Message creation per channel**: Discord allows 5 per 5 s in a channel; a post split across several
  messages, or a channel with several posts at once, waits for its channel's window here, *outside* the
  global queue, so one busy channel never holds the others up.
* **Fair**: waiters are served first come, first served (asyncio locks are FIFO): posts leave in the
  order they asked, and no community is starved by another.
* Interaction callbacks and webhook followups (answers to members' commands) are not bound by the
  global limit on Discord, and are not paced here: members' commands stay fast during a peak.
"""

from __future__ import annotations

import asyncio
import collections
import re
import time
from collections.abc import Callable
from typing import Any

import aiohttp

GLOBAL_RATE = 50           # requests a second per bot token (Discord's default)
CHANNEL_CREATES = 5        # message creations per channel ...
CHANNEL_PER = 5.0          # ... in this many seconds
_API = re.compile(r"/api/v\d+(/.*)$")
_CREATE = re.compile(r"/channels/(\d+)/messages")


class _Window:
    """At most ``limit`` acquisitions in any ``span`` seconds, granted in arrival order."""

    def __init__(self, limit: int, span: float, clock: Callable[[], float]):
        self.limit, self.span, self.clock = limit, span, clock
        self.sent: collections.deque[float] = collections.deque()
        self.lock = asyncio.Lock()

    async def acquire(self) -> float:
        """Waits for a slot; returns the seconds waited."""
        waited = 0.0
        async with self.lock:
            while True:
                now = self.clock()
                while self.sent and self.sent[0] <= now - self.span:
                    self.sent.popleft()
                if len(self.sent) < self.limit:
                    self.sent.append(now)
                    return waited
                pause = self.sent[0] + self.span - now
                waited += pause
                await asyncio.sleep(pause)

    @property
    def idle(self) -> bool:
        return not self.lock.locked() and (not self.sent or self.sent[-1] <= self.clock() - self.span)


class Pacer:
    def __init__(self, rate: int = GLOBAL_RATE, processes: int = 1, *, per: float = 1.0, margin: float = 0.1,
                 channel_creates: int = CHANNEL_CREATES, channel_per: float = CHANNEL_PER,
                 clock: Callable[[], float] = time.monotonic):
        self.limit = max(1, rate // max(1, processes))
        self.clock = clock
        self.global_window = _Window(self.limit, per + margin, clock)
        self.channel_creates, self.channel_span = channel_creates, channel_per + margin
        self._channels: dict[str, _Window] = {}
        self.paced = 0          # requests that went through the pacer
        self.waited = 0.0       # seconds they waited in all

    async def acquire(self, method: str, api_path: str) -> None:
        """Waits until the request may leave. ``api_path`` is the path below ``/api/vN``."""
        if api_path.startswith(("/interactions/", "/webhooks/")):
            return
        waited = 0.0
        m = _CREATE.fullmatch(api_path) if method == "POST" else None
        if m is not None:
            window = self._channels.get(m.group(1))
            if window is None:
                self._prune()
                window = self._channels[m.group(1)] = _Window(self.channel_creates, self.channel_span, self.clock)
            waited += await window.acquire()
        waited += await self.global_window.acquire()
        self.paced += 1
        self.waited += waited

    def _prune(self) -> None:
        if len(self._channels) > 4096:   # bounded memory: forget channels whose window has passed
            for key in [k for k, w in self._channels.items() if w.idle]:
                del self._channels[key]

    def trace_config(self) -> aiohttp.TraceConfig:
        """The aiohttp hook that paces every REST request of the session it is given to."""
        trace = aiohttp.TraceConfig()

        async def on_request_start(_session: Any, _context: Any, params: aiohttp.TraceRequestStartParams) -> None:
            m = _API.match(params.url.path)
            if m is not None:   # REST only (not the gateway's websocket, not attachment downloads)
                await self.acquire(params.method.upper(), m.group(1))

        trace.on_request_start.append(on_request_start)
        return trace
