"""Pacing of the bot's REST requests, so Discord never has to refuse one.

discord.py reads the per-route bucket headers (``X-RateLimit-Remaining`` / ``-Reset-After``) and waits
when a bucket is empty, but it does not pace to the *global* limit (50 requests a second per bot token):
it sends until Discord answers 429 with ``global: true``, then stops everything for ``retry_after``.
At a check-in peak (thousands of posts due in the same minute) that means a 429 storm. So the adapter
paces every request itself, at the one point every request passes: aiohttp's trace hooks on
discord.py's HTTP session (given to the client as ``http_trace``), so retries are paced too and the
request leaves right after its place was granted.

* **Global**: at most ``limit`` requests in any ``per + margin`` seconds, where a request holds its place
  from the moment it leaves until ``per + margin`` after its answer came back (:class:`_Window`): Discord
  counted it somewhere in between, so however long it was on its way (a busy loop, a slow network, a
  stalled server), it is never counted here for less time than there. With several processes sharing
  one token (a sharded bot), each process takes its share: ``limit = rate // processes`` (50 a second
  over 3 processes: 16 each), and since each share holds as Discord counts, the shares add up to at
  most the limit with nothing shared between the processes. ``margin`` only covers the edges of
  Discord's window (a request exactly ``per`` after another).
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
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp

GLOBAL_RATE = 50           # requests a second per bot token (Discord's default)
CHANNEL_CREATES = 5        # message creations per channel ...
CHANNEL_PER = 5.0          # ... in this many seconds
_API = re.compile(r"/api/v\d+(/.*)$")
_CREATE = re.compile(r"/channels/(\d+)/messages")


class _Window:
    """At most ``limit`` requests in any ``span`` seconds *as Discord counts them*, granted in arrival order.

    Discord counts a request when it reaches it, somewhere between the moment the bot let it go and the
    moment the answer came back; under load that gap varies (a busy event loop, a slow connection, a
    stalled server), and a window kept on send times alone lets a burst through when delayed requests
    arrive together with later ones. So a request holds its place from the moment it is granted until
    ``span`` after its answer (or failure) came back: whenever Discord counted it, it is still in this
    window for as long as it can be in Discord's. Each process that holds at most its share this way
    keeps the sum of all processes within the limit, with no state shared between them.
    """

    def __init__(self, limit: int, span: float, clock: Callable[[], float]):
        self.limit, self.span, self.clock = limit, span, clock
        self.in_flight = 0                                        # granted, no answer yet
        self.answered: collections.deque[float] = collections.deque()   # when their answers came, in order
        self.lock = asyncio.Lock()
        self._answer = asyncio.Event()

    def _expire(self, now: float) -> None:
        while self.answered and self.answered[0] <= now - self.span:
            self.answered.popleft()

    async def acquire(self) -> float:
        """Waits for a place; returns the seconds waited. Each acquire is followed by one :meth:`release`."""
        start = self.clock()
        async with self.lock:
            while True:
                now = self.clock()
                self._expire(now)
                if self.in_flight + len(self.answered) < self.limit:
                    self.in_flight += 1
                    return now - start
                # the oldest answered place frees first; with every place in flight, the next answer may
                pause = self.answered[0] + self.span - now if self.answered else None
                self._answer.clear()
                try:
                    await asyncio.wait_for(self._answer.wait(), pause)
                except TimeoutError:
                    pass

    def release(self) -> None:
        """The request's answer (or its failure) came back: its place frees ``span`` from now."""
        self.in_flight -= 1
        self.answered.append(self.clock())
        self._answer.set()

    @property
    def idle(self) -> bool:
        self._expire(self.clock())
        return not self.lock.locked() and not self.in_flight and not self.answered


class Pacer:
    def __init__(self, rate: int = GLOBAL_RATE, processes: int = 1, *, per: float = 1.0, margin: float = 0.02,
                 channel_creates: int = CHANNEL_CREATES, channel_per: float = CHANNEL_PER,
                 clock: Callable[[], float] = time.monotonic):
        self.limit = max(1, rate // max(1, processes))
        self.clock = clock
        self.global_window = _Window(self.limit, per + margin, clock)
        self.channel_creates, self.channel_span = channel_creates, channel_per + margin
        self._channels: dict[str, _Window] = {}
        self.paced = 0          # requests that went through the pacer
        self.waited = 0.0       # seconds they waited in all

    async def acquire(self, method: str, api_path: str) -> tuple[_Window, ...]:
        """Waits until the request may leave; returns the windows it holds a place in, to be given to
        :meth:`release` when its answer comes. ``api_path`` is the path below ``/api/vN``."""
        if api_path.startswith(("/interactions/", "/webhooks/")):
            return ()
        held: list[_Window] = []
        waited = 0.0
        m = _CREATE.fullmatch(api_path) if method == "POST" else None
        try:
            if m is not None:
                window = self._channels.get(m.group(1))
                if window is None:
                    self._prune()
                    window = self._channels[m.group(1)] = _Window(self.channel_creates, self.channel_span, self.clock)
                waited += await window.acquire()
                held.append(window)
            waited += await self.global_window.acquire()
            held.append(self.global_window)
        except BaseException:   # cancelled while waiting: give back the place it already had
            self.release(held)
            raise
        self.paced += 1
        self.waited += waited
        return tuple(held)

    @staticmethod
    def release(held: Sequence[_Window]) -> None:
        for window in held:
            window.release()

    def _prune(self) -> None:
        if len(self._channels) > 4096:   # bounded memory: forget channels whose window has passed
            for key in [k for k, w in self._channels.items() if w.idle]:
                del self._channels[key]

    def trace_config(self) -> aiohttp.TraceConfig:
        """The aiohttp hooks that pace every REST request of the session they are given to: a place is
        taken as the request starts and given back when its answer (or failure) arrives. aiohttp sends
        one of the two ends to every trace that saw the start."""
        trace = aiohttp.TraceConfig()

        async def on_request_start(_session: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
            m = _API.match(params.url.path)
            if m is not None:   # REST only (not the gateway's websocket, not attachment downloads)
                context.peerpulse_held = await self.acquire(params.method.upper(), m.group(1))

        async def on_request_done(_session: Any, context: Any, _params: Any) -> None:
            self.release(getattr(context, "peerpulse_held", ()))
            context.peerpulse_held = ()

        trace.on_request_start.append(on_request_start)
        trace.on_request_end.append(on_request_done)
        trace.on_request_exception.append(on_request_done)
        return trace
