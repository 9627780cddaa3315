"""Scheduled work with one scheduling truth and a run ledger.

Each schedule is an APScheduler 3 trigger (a ``CronTrigger`` in the channel's or member's time zone).
In production an ``AsyncIOScheduler`` fires it; when the console's fake clock jumps, the same triggers'
``get_next_fire_time`` list the runs that fell due on the way, in order. Either way a run goes through
the run ledger keyed by (job, period), so each period's work happens once across restarts, and after
downtime a missed run still happens if it is within the grace window (else it is skipped and logged).

Several processes may share one database (a sharded bot on PostgreSQL): each runs every schedule, and
the ledger lets exactly one of them run each period. A claim is one atomic insert of the (job, period)
row; a claim left `running` by a process that died is retaken after the lease by one conditional
update (so one process retakes it), by whichever process sweeps first (every minute when live, after
each clock move on a fake clock), while the period is still within its grace window. The lease is
measured in real time (``claimed_at`` is the wall clock), not on the schedule's clock: it asks whether
the claiming process is still alive, and processes with fake clocks (tests, the console) disagree
about the schedule's time but not about that.

A retaken run runs again from the start, but it must not send again what the dead process sent: while
a run runs, :data:`current_run` names it, and the runtime records each send in the run's send ledger
(storage.run_sends) *before* asking the platform. The retaken run skips what was sent and looks on the
platform for what was on its way when the process died (bot.runtime). A stale claim found past its
grace window is not run again; what it had on its way is settled the same way (:attr:`Scheduler.settle`).

Runs that fall due together (every community's check-in at Sunday 18:00) run a few at a time, admitted
in due order (bot.run_slots): drawing one post's charts overlaps sending another's, memory holds only
the few in flight, and no community waits behind one that fell due after it. A run cancelled while
others run beside it (the process is going down) stops them all, as a crash would.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

from bot.run_slots import RunSlots
from bot.vocabulary.clock import Clock, utc_iso
from storage.database import Database
from storage.job_runs import JobRunRepository

log = logging.getLogger(__name__)

RUNS_AT_ONCE = 4                # scheduled runs in flight at once (bot.run_slots)
LEASE = timedelta(minutes=10)   # a run claimed longer ago than this by a dead process may be retaken
MAINTENANCE = "peerpulse:maintenance"   # the live scheduler's own job: re-read schedules, retake stale claims


@dataclass(frozen=True)
class Schedule:
    key: str                                         # e.g. "checkin:12", "remind:34"
    trigger: BaseTrigger
    run: Callable[[datetime], Awaitable[None]]       # called with the period (the scheduled fire time, UTC)
    since: datetime                                  # no period before this (when the schedule was made)
    grace: timedelta
    channel_id: int | None = None                    # the channel the run posts in, if it posts in one


Provider = Callable[[], Awaitable[list[Schedule]]]


@dataclass
class Run:
    """The scheduled run in progress (one job, one period), as the runtime sees it while it sends."""

    job: str
    period: datetime
    _sends: dict[str, int] = field(default_factory=dict)
    ticket: int | None = None              # its place among runs due together (bot.run_slots)
    slots: RunSlots | None = None
    _posted: bool = False

    async def channel_turn(self) -> None:
        """Before the run's first channel post: wait until the runs due before it have handed theirs over."""
        if self.slots is not None and self.ticket is not None and not self._posted:
            await self.slots.wait_to_post(self.ticket)

    def channel_posting(self) -> None:
        """The run's first channel post is being handed over (or was, before a crash): the next may go."""
        if self.slots is not None and self.ticket is not None and not self._posted:
            self._posted = True
            self.slots.posted(self.ticket)

    def next_send(self, destination: str) -> str:
        """The key of the next send to ``destination`` in this run: the same on a retaken run, which
        sends in the same order (``channel:12#0``, ``channel:12#1``...)."""
        n = self._sends.get(destination, 0)
        self._sends[destination] = n + 1
        return f"{destination}#{n}"


current_run: contextvars.ContextVar[Run | None] = contextvars.ContextVar("peerpulse_run", default=None)


class Scheduler:
    def __init__(self, db: Database, clock: Clock, lease: timedelta = LEASE, runs_at_once: int = RUNS_AT_ONCE):
        self.runs = JobRunRepository(db)
        self.slots = RunSlots(runs_at_once)
        self.clock = clock
        self.lease = lease
        self._providers: list[Provider] = []
        self._schedules: dict[str, Schedule] = {}
        self._live: AsyncIOScheduler | None = None
        self._live_triggers: dict[str, str] = {}
        self._running: set[tuple[str, str]] = set()   # (job, period) this process is running now
        self._owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        # Set by the runtime: settles what a run left by a dead process had on its way, when it is too
        # late to run it again (bot.runtime.PeerPulse.settle_run).
        self.settle: Callable[[Run], Awaitable[None]] | None = None
        # Set by the runtime: whether this process serves a channel itself (its shard runs here), so it
        # posts there without asking the platform where the channel is (bot.runtime.PeerPulse.serves).
        self.serves: Callable[[list[int]], Awaitable[set[int]]] | None = None

    def add_provider(self, provider: Provider) -> None:
        self._providers.append(provider)

    async def refresh(self) -> None:
        """Rebuild the schedules from the database (at start and whenever a schedule changes)."""
        schedules: dict[str, Schedule] = {}
        for provider in self._providers:
            for s in await provider():
                schedules[s.key] = s
        self._schedules = schedules
        # Looked up now, in a few queries, so a peak's thousands of firings find their channels known
        # instead of each asking the database at the same moment, in front of members' commands.
        await self._away(list(schedules.values()))
        if self._live is not None:
            self._sync_live()

    async def start(self, live: bool) -> None:
        await self.refresh()
        await self.catch_up()
        if live:
            self._live = AsyncIOScheduler(timezone=UTC)
            self._sync_live()
            # Other processes may add schedules or die holding a claim: look every minute.
            self._live.add_job(self.maintain, "interval", minutes=1, id=MAINTENANCE, coalesce=True, max_instances=1)
            self._live.start()

    async def stop(self) -> None:
        if self._live is not None:
            self._live.shutdown(wait=False)
            self._live = None

    def _sync_live(self) -> None:
        assert self._live is not None
        wanted = set(self._schedules)
        for job in self._live.get_jobs():
            if job.id not in wanted and job.id != MAINTENANCE:
                job.remove()
                self._live_triggers.pop(job.id, None)
        for key, s in self._schedules.items():
            fingerprint = f"{s.trigger!r} {s.grace}"
            if self._live_triggers.get(key) == fingerprint:
                continue   # unchanged: keep its next run time
            self._live.add_job(self._fired, s.trigger, args=[key], id=key, replace_existing=True,
                               misfire_grace_time=int(s.grace.total_seconds()) or None, coalesce=True)
            self._live_triggers[key] = fingerprint

    async def maintain(self) -> None:
        """The live scheduler's minutely job: schedules made by other processes, stale claims."""
        try:
            await self.refresh()
            await self.retake_stale()
        except Exception:
            log.exception("scheduler maintenance failed")

    async def _fired(self, key: str) -> None:
        """APScheduler fired a trigger: run the period that is due now (the ledger drops duplicates)."""
        s = self._schedules.get(key)
        if s is None:
            return
        now = self.clock.now()
        due = self.fire_times(s, now - s.grace, now)
        if due:
            await self.run_in_turn(s, due[-1], (await self._away([s]))[0])

    # -- the one scheduling truth --------------------------------------------------------------
    @staticmethod
    def fire_times(s: Schedule, after: datetime, until: datetime) -> list[datetime]:
        """Fire times t with after < t <= until (and t > since), in order."""
        times: list[datetime] = []
        cursor = max(after, s.since) + timedelta(microseconds=1)
        previous = None
        while True:
            t = s.trigger.get_next_fire_time(previous, cursor)
            if t is None or t > until:
                return times
            times.append(t.astimezone(UTC))
            previous, cursor = t, t + timedelta(microseconds=1)
            if len(times) > 10_000:
                return times

    async def catch_up(self) -> None:
        """After start: run what was missed within the grace window; log what is too late."""
        now = self.clock.now()
        await self.run_together([(s, t) for s in list(self._schedules.values()) for t in self.fire_times(s, now - s.grace, now)])
        for s in list(self._schedules.values()):
            missed = self.fire_times(s, now - s.grace - timedelta(days=8), now - s.grace)
            if missed and not await self._claimed(s.key, missed[-1]):
                log.warning("skipped %s for %s: the bot was down past the grace window", s.key, utc_iso(missed[-1]))
                await self.runs.record_skipped(s.key, missed[-1], self._owner, _wall())

    async def advance(self, clock, until: datetime) -> None:
        """Move a fake clock to ``until``, running every period that falls due on the way, in order."""
        start = clock.now()
        while True:
            due = sorted((t, key) for key, s in self._schedules.items() for t in self.fire_times(s, start, until))
            if not due:
                break
            t = due[0][0]
            clock.set(t)
            # Every schedule due at this same moment runs now (two channels posting at Sunday 18:00);
            # the next pass starts after t, so none of them may be left for it.
            await self.run_together([(self._schedules[key], t) for when, key in due if when == t and key in self._schedules])
            start = t
        clock.set(until)
        await self.retake_stale()

    async def retake_stale(self) -> int:
        """Run the periods whose claim a dead process left behind (past the lease, within the grace)."""
        if not self._schedules:
            return 0
        now = self.clock.now()
        rows = await self.runs.stale_claims(_wall() - self.lease)
        retaken: list[tuple[Schedule, datetime]] = []
        for job, period in rows:
            s = self._schedules.get(job)
            when = datetime.fromisoformat(period)
            if s is None or (job, period) in self._running:
                continue
            if when <= now - s.grace:
                await self._abandon(s, when)
                continue
            log.warning("retaking %s for %s: its claim went stale", job, period)
            retaken.append((s, when))
        return sum(await self.run_together(retaken))

    async def run_together(self, runs: list[tuple[Schedule, datetime]]) -> list[bool]:
        """Runs due together, a few at a time in due order (:meth:`run_in_turn`). One of them cancelled
        (the process is stopping) cancels the caller, and so all of them, as a crash would."""
        # Known before any is asked for, and asked for in order, so that the first admitted (while slots
        # are free) are the first in order too, not the first looked up.
        away = await self._away([s for s, _t in runs])
        if len(runs) <= 1:
            return [await self.run_in_turn(s, t, a) for (s, t), a in zip(runs, away, strict=True)]
        caller = asyncio.current_task()
        order = sorted(range(len(runs)), key=lambda i: (runs[i][1], away[i], runs[i][0].key))

        async def one(s: Schedule, t: datetime, elsewhere: bool) -> bool:
            try:
                return await self.run_in_turn(s, t, elsewhere)
            except asyncio.CancelledError:
                if caller is not None:
                    caller.cancel()
                raise

        done = await asyncio.gather(*(one(*runs[i], away[i]) for i in order))
        results = [False] * len(runs)
        for i, ok in zip(order, done, strict=True):
            results[i] = ok
        return results

    async def run_in_turn(self, s: Schedule, period: datetime, away: bool = False) -> bool:
        """:meth:`run_period` once one of the run slots is free; waiting runs go by due time, then those
        this process serves itself before those whose channel another process serves (``away``), then
        key. Every process runs every schedule (the ledger lets one run each period), so with several
        processes each first posts in its own shards' channels, where it needs to ask the platform
        nothing first, and takes the others' only when it has run out of its own: what is still
        unclaimed then (the other process is slower, or down) it runs."""
        async with self.slots.turn((period, away, s.key)) as ticket:
            return await self.run_period(s, period, ticket)

    async def _away(self, schedules: list[Schedule]) -> list[bool]:
        """For each schedule: whether another process serves the channel it posts in (asked in one go)."""
        channels = [s.channel_id for s in schedules if s.channel_id is not None]
        if not channels or self.serves is None:
            return [False] * len(schedules)
        try:
            served = await self.serves(channels)
        except Exception:
            log.exception("could not tell which channels this process serves")
            return [False] * len(schedules)
        return [s.channel_id is not None and s.channel_id not in served for s in schedules]

    async def _abandon(self, s: Schedule, period: datetime) -> None:
        """A stale claim past its grace window: too late to run; settle what it was sending."""
        if not await self._claim(s.key, period):
            return
        log.warning("not retaking %s for %s: past the grace window", s.key, utc_iso(period))
        try:
            if self.settle is not None:
                await self.settle(Run(s.key, period))
        except Exception:
            log.exception("settling %s failed", s.key)
            return
        await self.runs.mark_abandoned(s.key, period)

    async def run_period(self, s: Schedule, period: datetime, ticket: int | None = None) -> bool:
        if (s.key, utc_iso(period)) in self._running or not await self._claim(s.key, period):
            return False
        self._running.add((s.key, utc_iso(period)))
        token = current_run.set(Run(s.key, period, ticket=ticket, slots=self.slots if ticket is not None else None))
        try:
            await s.run(period)
        except Exception:
            log.exception("scheduled job %s failed", s.key)
            await self.runs.release(s.key, period, self._owner)
            return False
        finally:
            current_run.reset(token)
            self._running.discard((s.key, utc_iso(period)))
        await self.runs.mark_done(s.key, period)
        return True

    async def _claim(self, key: str, period: datetime) -> bool:
        """True for the one process (and call) that may run this period now: a new claim, or a
        `running` claim whose holder let the lease run out."""
        now = _wall()
        return (await self.runs.claim_new(key, period, self._owner, now)
                or await self.runs.retake_stale(key, period, self._owner, now, now - self.lease))

    async def _claimed(self, key: str, period: datetime) -> bool:
        return await self.runs.is_claimed(key, period)


def _wall() -> datetime:
    """Real time, for leases (see the module docstring)."""
    return datetime.now(UTC)
