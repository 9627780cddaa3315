"""The run ledger: one row per (scheduled job, period), so a period runs once across restarts and
processes. Each method is a single statement (or one transaction), atomic on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.vocabulary.clock import utc_iso
from storage.database import Database


def lease_iso(when: datetime) -> str:
    """A claim's wall-clock time, to the microsecond: whole seconds (utc_iso) would keep a claim
    fresh for up to a second past its lease. Strings of this one format compare as the times they
    are, and a row written in whole seconds by an older version sorts before every fraction of its
    second, so it stays comparable."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


class JobRunRepository:
    def __init__(self, db: Database):
        self.db = db

    async def claim_new(self, job: str, period: datetime, owner: str, now: datetime) -> bool:
        """Insert the claim row; the primary key (job, period) lets exactly one insert win."""
        return await self.db.execute_rowcount(
            "INSERT INTO job_runs(job, period, status, claimed_at, owner) VALUES (?,?,'running',?,?) "
            "ON CONFLICT (job, period) DO NOTHING", (job, utc_iso(period), lease_iso(now), owner)) > 0

    async def retake_stale(self, job: str, period: datetime, owner: str, now: datetime, stale_before: datetime) -> bool:
        """Take over a `running` claim older than the lease. The condition is re-checked on the row
        itself, so of several processes that see it stale, one updates it and the others update nothing.
        ISO strings in UTC (utc_iso) compare as the times they are."""
        return await self.db.execute_rowcount(
            "UPDATE job_runs SET claimed_at=?, owner=? WHERE job=? AND period=? AND status='running' AND claimed_at < ?",
            (lease_iso(now), owner, job, utc_iso(period), lease_iso(stale_before))) > 0

    async def record_skipped(self, job: str, period: datetime, owner: str, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO job_runs(job, period, status, claimed_at, owner) VALUES (?,?,'skipped',?,?) "
            "ON CONFLICT (job, period) DO NOTHING", (job, utc_iso(period), lease_iso(now), owner))

    async def stale_claims(self, stale_before: datetime) -> list[tuple[str, str]]:
        rows = await self.db.fetchall("SELECT job, period FROM job_runs WHERE status='running' AND claimed_at < ?",
                                      (lease_iso(stale_before),))
        return [(r[0], r[1]) for r in rows]

    async def release(self, job: str, period: datetime, owner: str) -> None:
        """A run that failed gives its period back, so a later attempt may run it."""
        await self.db.execute("DELETE FROM job_runs WHERE job=? AND period=? AND owner=?", (job, utc_iso(period), owner))

    async def mark_done(self, job: str, period: datetime) -> None:
        """The run finished: what it sent needs no record any more (storage.run_sends)."""
        async with self.db.transaction():
            await self.db.execute("UPDATE job_runs SET status='done' WHERE job=? AND period=?", (job, utc_iso(period)))
            await self.db.execute("DELETE FROM run_sends WHERE job=? AND period=?", (job, utc_iso(period)))

    async def mark_abandoned(self, job: str, period: datetime) -> None:
        """A run left by a dead process past its grace window: not run again (it is too late), and
        what it had on its way was settled (bot.runtime)."""
        async with self.db.transaction():
            await self.db.execute("UPDATE job_runs SET status='skipped' WHERE job=? AND period=?", (job, utc_iso(period)))
            await self.db.execute("DELETE FROM run_sends WHERE job=? AND period=?", (job, utc_iso(period)))

    async def is_claimed(self, job: str, period: datetime) -> bool:
        return await self.db.fetchval("SELECT 1 FROM job_runs WHERE job=? AND period=?", (job, utc_iso(period))) is not None
