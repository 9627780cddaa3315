"""At most N scheduled runs at once, admitted in due order: how a peak (thousands of check-ins due
the same minute) is carried.

One run after another leaves the chart workers idle while a post is sent and the connection idle
while a chart is drawn; all of them at once holds every built post and chart in memory and sends in
whatever order the builds happen to finish, so a community may wait behind thousands of others that
fell due after it. With a few runs in flight, one is drawn while the others send (the chart pool
has work whenever there is work), memory holds only those few, and because waiting runs are
admitted by (due time, key), and each run's channel post waits for the posts of the runs admitted
before it (:meth:`RunSlots.wait_to_post`), channel posts are handed to the platform in due order, then
in a stable order, whatever the time each took to build and draw. Only the first channel post of a
run waits (the private summaries after it do not), and only until the earlier posts have been handed
over, not answered: the requests still overlap.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


class RunSlots:
    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self.running = 0
        self.most = 0   # the most runs ever in flight at once (for tests and the bench)
        self._waiting: list[tuple[Any, int, asyncio.Future[None]]] = []
        self._arrival = itertools.count()   # equal order keys: first come, first served
        self._tickets = itertools.count()   # admission order: the order channel posts are handed over in
        self._posted: set[int] = set()
        self._all_posted_below = 0
        self._posts_moved = asyncio.Condition()

    @asynccontextmanager
    async def turn(self, order: Any) -> AsyncIterator[int]:
        """Holds one of the slots while the block runs; waiters get theirs smallest ``order`` first.
        Yields the run's ticket (its place in admission order) for :meth:`wait_to_post`."""
        await self._acquire(order)
        ticket = next(self._tickets)
        try:
            yield ticket
        finally:
            self._release()
            self.posted(ticket)   # a run that posted nothing (or failed) holds nobody up

    async def wait_to_post(self, ticket: int) -> None:
        """Until every run admitted before ``ticket`` has handed its channel post over (or ended)."""
        async with self._posts_moved:
            await self._posts_moved.wait_for(lambda: self._all_posted_below >= ticket)

    def posted(self, ticket: int) -> None:
        """``ticket``'s channel post is being handed to the platform: the next run's may follow."""
        if ticket < self._all_posted_below or ticket in self._posted:
            return
        self._posted.add(ticket)
        moved = False
        while self._all_posted_below in self._posted:
            self._posted.discard(self._all_posted_below)
            self._all_posted_below += 1
            moved = True
        if moved:
            asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self) -> None:
        async with self._posts_moved:
            self._posts_moved.notify_all()

    async def _acquire(self, order: Any) -> None:
        if self.running < self.limit and not self._waiting:
            self._take()
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (order, next(self._arrival), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release()   # granted just as it was cancelled: pass the slot on
            else:
                self._waiting = [w for w in self._waiting if w[2] is not future]
                heapq.heapify(self._waiting)
            raise

    def _take(self) -> None:
        self.running += 1
        self.most = max(self.most, self.running)

    def _release(self) -> None:
        self.running -= 1
        while self._waiting and self.running < self.limit:
            _order, _n, future = heapq.heappop(self._waiting)
            if not future.done():
                self._take()
                future.set_result(None)
