"""Several bot processes on one PostgreSQL: what N processes carry together (part of `python -m bench`).

For each process count, a fresh scratch database; each process (spawned, as a sharded bot would run)
opens it with its own app and its own members, and all of them go through the same phases at the
same moment (a barrier between phases):

1. saturated: every member of every process logs ``logs`` values as fast as it can; aggregate
   throughput = all logs / (last finish - first start), p99 of each command's latency;
2. paced: the processes together offer ``rate`` logs a second (rate / N each) for ``paced_seconds``; p99;
3. claims: every process tries to run each of ``jobs`` scheduled posts (the scheduler's run ledger,
   as check-ins use it) at once; each post must run exactly once across the processes, and the
   time from the start of the race to the winner's run is the time to claim it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from datetime import timedelta

from bench.common import START, NullTransport, inbound, pct

_PHASE_TIMEOUT = 120


def run_scaling(server_url: str, counts: list[int], members: int, logs: int, rate: int, jobs: int,
                paced_seconds: float = 2.0) -> list[dict]:
    from storage.postgres import scratch_database

    async def one(n: int) -> dict:
        async with scratch_database(server_url, "peerpulse_bench_scale") as url:
            await _prepare(url)
            return await asyncio.to_thread(_run_processes, url, n, members, logs, rate, jobs, paced_seconds)

    return [asyncio.run(one(n)) for n in counts]


async def _prepare(url: str) -> None:
    """Migrate once before the processes start (they would wait on each other's advisory lock)."""
    from storage.postgres import PgDatabase
    db = await PgDatabase.open(url)
    await db.close()


def _run_processes(url: str, n: int, members: int, logs: int, rate: int, jobs: int, paced_seconds: float) -> dict:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(n)
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker_main, args=(url, i, members, logs, rate / n, paced_seconds, jobs, barrier, results))
             for i in range(n)]
    for p in procs:
        p.start()
    try:
        out = [results.get(timeout=_PHASE_TIMEOUT * 4) for _ in procs]
    finally:
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
    errors = [r["error"] for r in out if "error" in r]
    if errors:
        raise RuntimeError(f"a bench process failed: {errors[0]}")
    total = sum(r["logs"] for r in out)
    elapsed = max(r["end"] for r in out) - min(r["start"] for r in out)
    wins: dict[str, list[float]] = {}
    for r in out:
        for key, seconds in r["wins"]:
            wins.setdefault(key, []).append(seconds)
    claim_times = [min(v) for v in wins.values()]
    return {
        "processes": n, "logs": total, "rate": total / elapsed,
        "p99_ms": pct([x for r in out for x in r["latencies"]], 99) * 1000,
        "paced_rate": rate, "paced_p99_ms": pct([x for r in out for x in r["paced"]], 99) * 1000,
        "jobs": jobs, "jobs_run": sum(len(v) for v in wins.values()), "jobs_distinct": len(wins),
        "exactly_once": len(wins) == jobs and all(len(v) == 1 for v in wins.values()),
        "claim_p50_ms": pct(claim_times, 50) * 1000 if claim_times else float("nan"),
        "claim_max_ms": max(claim_times) * 1000 if claim_times else float("nan"),
        "claims_by_process": [len(r["wins"]) for r in out],
    }


def _worker_main(url, index, members, logs, rate, paced_seconds, jobs, barrier, results) -> None:
    try:
        results.put(asyncio.run(_worker(url, index, members, logs, rate, paced_seconds, jobs, barrier)))
    except BaseException as exc:   # reported to the parent, which raises it
        results.put({"error": f"process {index}: {type(exc).__name__}: {exc}"})
        barrier.abort()


async def _worker(url: str, index: int, members: int, logs: int, rate: float, paced_seconds: float, jobs: int,
                  barrier) -> dict:
    from bot.app import build_app
    from bot.vocabulary.clock import FakeClock
    from bot.config import Config
    from bot.scheduler import Schedule

    app = await build_app(Config(chart_processes=0), FakeClock(START), url)
    app.attach(NullTransport())
    names = [f"p{index}m{i}" for i in range(members)]
    community = await app.services.community.community("bench", "c")
    for name in names:
        await app.services.community.member(community, name, name, START)
    await app.handle(inbound(names[0], "log water 1 today"))   # connections and statements warm

    def wait() -> None:
        barrier.wait(_PHASE_TIMEOUT)

    wait()
    latencies: list[float] = []

    async def member(name: str) -> None:
        for j in range(logs):
            day = (START - timedelta(days=j)).date().isoformat()
            t0 = time.perf_counter()
            await app.handle(inbound(name, f"log steps {1000 + j} {day}"))
            latencies.append(time.perf_counter() - t0)

    start = time.time()
    await asyncio.gather(*(member(name) for name in names))
    end = time.time()
    wait()

    paced: list[float] = []

    async def one(name: str, k: int) -> None:
        t0 = time.perf_counter()
        await app.handle(inbound(name, f"log water {1 + k % 9} today"))
        paced.append(time.perf_counter() - t0)

    tasks = []
    t0 = time.perf_counter()
    for k in range(max(1, int(rate * paced_seconds))):
        delay = t0 + k / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(names[k % members], k)))
    await asyncio.gather(*tasks)
    wait()

    wins: list[tuple[str, float]] = []
    period = START + timedelta(days=1)
    race = time.perf_counter()

    def schedule(key: str) -> Schedule:
        async def run(_period) -> None:
            wins.append((key, time.perf_counter() - race))
        return Schedule(key, None, run, START, timedelta(hours=12))

    await asyncio.gather(*(app.services.scheduler.run_period(schedule(f"post:{k}"), period) for k in range(jobs)))
    await app.stop()
    return {"logs": len(latencies), "start": start, "end": end, "latencies": latencies, "paced": paced, "wins": wins}
