"""Scheduled work with one scheduling truth and a run ledger.

Each schedule is an APScheduler 3 trigger (a ``CronTrigger`` in the channel's or member's time zone).
In production an ``AsyncIOScheduler`` fires it; when the console's fake clock jumps, the same triggers'
``get_next_fire_time`` list the runs that fell due on the way, in order. Either way a run goes through
the run ledger keyed by (job, period), so each period's work happens once across restarts, and after
downtime a missed run still happens if it is within the grace window (else it is skipped and logged).
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

from bot.clock import Clock, utc_iso
from storage.database import Database

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)   # a run claimed longer ago than this by a dead process may be retaken


@dataclass(frozen=True)
class Schedule:
    key: str                                         # e.g. "checkin:12", "remind:34"
    trigger: BaseTrigger
    run: Callable[[datetime], Awaitable[None]]       # called with the period (the scheduled fire time, UTC)
    since: datetime                                  # no period before this (when the schedule was made)
    grace: timedelta


Provider = Callable[[], Awaitable[list[Schedule]]]


class Scheduler:
    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock
        self._providers: list[Provider] = []
        self._schedules: dict[str, Schedule] = {}
        self._live: AsyncIOScheduler | None = None
        self._owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def add_provider(self, provider: Provider) -> None:
        self._providers.append(provider)

    async def refresh(self) -> None:
        """Rebuild the schedules from the database (at start and whenever a schedule changes)."""
        schedules: dict[str, Schedule] = {}
        for provider in self._providers:
            for s in await provider():
                schedules[s.key] = s
        self._schedules = schedules
        if self._live is not None:
            self._sync_live()

    async def start(self, live: bool) -> None:
        await self.refresh()
        await self.catch_up()
        if live:
            self._live = AsyncIOScheduler(timezone=timezone.utc)
            self._sync_live()
            self._live.start()

    async def stop(self) -> None:
        if self._live is not None:
            self._live.shutdown(wait=False)
            self._live = None

    def _sync_live(self) -> None:
        assert self._live is not None
        wanted = set(self._schedules)
        for job in self._live.get_jobs():
            if job.id not in wanted:
                job.remove()
        for key, s in self._schedules.items():
            self._live.add_job(self._fired, s.trigger, args=[key], id=key, replace_existing=True,
                               misfire_grace_time=int(s.grace.total_seconds()) or None, coalesce=True)

    async def _fired(self, key: str) -> None:
        """APScheduler fired a trigger: run the period that is due now (the ledger drops duplicates)."""
        s = self._schedules.get(key)
        if s is None:
            return
        now = self.clock.now()
        due = self.fire_times(s, now - s.grace, now)
        if due:
            await self.run_period(s, due[-1])

    # -- the one scheduling truth --------------------------------------------------------------
    @staticmethod
    def fire_times(s: Schedule, after: datetime, until: datetime) -> list[datetime]:
        """Fire times t with after < t <= until (and t > since), in order."""
        times = []
        cursor = max(after, s.since) + timedelta(microseconds=1)
        previous = None
        while True:
            t = s.trigger.get_next_fire_time(previous, cursor)
            if t is None or t > until:
                return times
            times.append(t.astimezone(timezone.utc))
            previous, cursor = t, t + timedelta(microseconds=1)
            if len(times) > 10_000:
                return times

    async def catch_up(self) -> None:
        """After start: run what was missed within the grace window; log what is too late."""
        now = self.clock.now()
        for s in list(self._schedules.values()):
            for t in self.fire_times(s, now - s.grace, now):
                await self.run_period(s, t)
            missed = self.fire_times(s, now - s.grace - timedelta(days=8), now - s.grace)
            if missed and not await self._claimed(s.key, missed[-1]):
                log.warning("skipped %s for %s: the bot was down past the grace window", s.key, utc_iso(missed[-1]))
                await self.db.execute("INSERT OR IGNORE INTO job_runs(job, period, status, claimed_at, owner) VALUES (?,?,?,?,?)",
                                      (s.key, utc_iso(missed[-1]), "skipped", utc_iso(now), self._owner))

    async def advance(self, clock, until: datetime) -> None:
        """Move a fake clock to ``until``, running every period that falls due on the way, in order."""
        start = clock.now()
        while True:
            due = sorted((t, key) for key, s in self._schedules.items() for t in self.fire_times(s, start, until))
            if not due:
                break
            t, key = due[0]
            clock.set(t)
            await self.run_period(self._schedules[key], t)
            start = t
        clock.set(until)

    async def run_period(self, s: Schedule, period: datetime) -> bool:
        if not await self._claim(s.key, period):
            return False
        try:
            await s.run(period)
        except Exception:
            log.exception("scheduled job %s failed", s.key)
            await self.db.execute("DELETE FROM job_runs WHERE job=? AND period=? AND owner=?",
                                  (s.key, utc_iso(period), self._owner))
            return False
        await self.db.execute("UPDATE job_runs SET status='done' WHERE job=? AND period=?", (s.key, utc_iso(period)))
        return True

    async def _claim(self, key: str, period: datetime) -> bool:
        now = self.clock.now()
        async with self.db.transaction():
            row = await self.db.fetchone("SELECT status, claimed_at FROM job_runs WHERE job=? AND period=?", (key, utc_iso(period)))
            if row is not None:
                stale = row["status"] == "running" and datetime.fromisoformat(row["claimed_at"]) < now - LEASE
                if not stale:
                    return False
                await self.db.execute("DELETE FROM job_runs WHERE job=? AND period=?", (key, utc_iso(period)))
            await self.db.execute("INSERT INTO job_runs(job, period, status, claimed_at, owner) VALUES (?,?,?,?,?)",
                                  (key, utc_iso(period), "running", utc_iso(now), self._owner))
        return True

    async def _claimed(self, key: str, period: datetime) -> bool:
        return await self.db.fetchval("SELECT 1 FROM job_runs WHERE job=? AND period=?", (key, utc_iso(period))) is not None
