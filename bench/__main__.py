"""`python -m bench`: speed and memory figures of the bot on this machine, with targets and ratios.

Measured in one run, printed as a table (add `--json` for machine-readable output). Not part of the
test suite: tests assert behaviour, never timings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import aiosqlite

from bot.adapters.base import Inbound, Target
from bot.app import build_app
from bot.charts import ChartSeries, ChartSpec, render_png, render_png_async
from bot.clock import FakeClock
from bot.config import Config

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


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def bench_logs(tmp: Path, members: int, per_member: int, database: str | None = None) -> dict:
    """``database``: a postgresql:// URL to measure PostgreSQL instead (no bare-driver comparison then)."""
    app = await build_app(Config(), FakeClock(START), database or str(tmp / "logs.db"))
    transport = NullTransport()
    app.attach(transport)
    latencies: list[float] = []

    async def member(i: int) -> None:
        for j in range(per_member):
            day = (START - timedelta(days=j)).date().isoformat()
            t0 = time.perf_counter()
            await app.handle(Inbound("bench", "c", "c", None, "", f"m{i}", f"m{i}", False,
                                     text=f"log steps {1000 + i + j} {day}"))
            latencies.append(time.perf_counter() - t0)

    for i in range(members):   # members exist before the clock starts (as in a running community)
        await app.services.community.member(await app.services.community.community("bench", "c"), f"m{i}", f"m{i}", START)
    t0 = time.perf_counter()
    await asyncio.gather(*(member(i) for i in range(members)))
    elapsed = time.perf_counter() - t0
    stored = await app.services.db.fetchval("SELECT COUNT(*) FROM entries")
    assert stored == members * per_member
    total = members * per_member

    # Latency at the target rate: 200 members sending 2,000 logs a second between them (open loop).
    paced: list[float] = []

    async def one(i: int, k: int) -> None:
        t0 = time.perf_counter()
        await app.handle(Inbound("bench", "c", "c", None, "", f"m{i}", f"m{i}", False, text=f"log water {1 + k % 9} today"))
        paced.append(time.perf_counter() - t0)

    tasks = []
    t0 = time.perf_counter()
    for k in range(4000):
        delay = t0 + k / 2000 - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(k % members, k)))
    await asyncio.gather(*tasks)
    await app.stop()
    if database is not None:
        return {"logs": total, "rate": total / elapsed, "p50_ms": pct(latencies, 50) * 1000,
                "p99_ms": pct(latencies, 99) * 1000, "paced_p50_ms": pct(paced, 50) * 1000,
                "paced_p99_ms": pct(paced, 99) * 1000}

    async with aiosqlite.connect(tmp / "bare.db", isolation_level=None) as conn:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("CREATE TABLE t (member INTEGER, day TEXT, value REAL)")
        t1 = time.perf_counter()
        for k in range(total):
            await conn.execute("INSERT INTO t VALUES (?,?,?)", (k % members, str(k), float(k)))
        bare = time.perf_counter() - t1
    return {"logs": total, "rate": total / elapsed, "p50_ms": pct(latencies, 50) * 1000,
            "p99_ms": pct(latencies, 99) * 1000, "bare_rate": total / bare,
            "paced_p50_ms": pct(paced, 50) * 1000, "paced_p99_ms": pct(paced, 99) * 1000}


def sample_spec(days: int = 60, series: int = 3) -> ChartSpec:
    first = date(2026, 9, 1)
    return ChartSpec("Steps — last 60 days", "steps", "UTC", tuple(
        ChartSeries(f"m{s}", tuple(((first + timedelta(days=d)).isoformat(), 6000.0 + 37 * ((d * (s + 3)) % 91))
                                   for d in range(days))) for s in range(series)), goal=8000.0)


async def bench_loop_lag(charts: int) -> dict:
    from bot.services import ChartRenderer
    renderer = ChartRenderer(2)
    await renderer(sample_spec())   # the worker processes start once, with the bot
    lags: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(0.005)
            lags.append(time.perf_counter() - t0 - 0.005)

    tick = asyncio.create_task(ticker())
    t0 = time.perf_counter()
    await asyncio.gather(*(renderer(sample_spec()) for _ in range(charts)))
    elapsed = time.perf_counter() - t0
    stop.set()
    await tick
    renderer.close()
    return {"charts": charts, "seconds": elapsed, "lag_p99_ms": pct(lags, 99) * 1000, "lag_max_ms": max(lags) * 1000}


def bench_chart_vs_bare(repeats: int = 5) -> dict:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    import io

    spec = sample_spec()
    render_png(spec)   # warm up fonts and caches
    ours = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        render_png(spec)
        ours.append(time.perf_counter() - t0)
    bare = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fig = Figure(figsize=(8, 4.5), dpi=112)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for s in spec.series:
            ax.plot([date.fromisoformat(d) for d, _ in s.points], [v for _, v in s.points], marker="o")
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        bare.append(time.perf_counter() - t0)
    return {"ours_ms": statistics.median(ours) * 1000, "bare_ms": statistics.median(bare) * 1000}


async def bench_checkin(tmp: Path, members: int, days: int) -> dict:
    path = tmp / "checkin.db"
    t_start = time.perf_counter()
    app = await build_app(Config(), FakeClock(START), str(path))
    start_ready = time.perf_counter() - t_start
    rss_start = rss_mb()
    db = app.services.db
    community = await app.services.community.community("bench", "c")
    channel = (await app.services.community.channel(community, "walkers", "walkers")).id
    now = START.isoformat()
    await db.executemany("INSERT INTO members(community_id, external_id, display_name, created_at) VALUES (?,?,?,?)",
                         [(community, f"m{i}", f"m{i}", now) for i in range(members)])
    ids = [r[0] for r in await db.fetchall("SELECT id FROM members WHERE community_id=? ORDER BY id", (community,))]
    levels = [0, 1, 2, 3]
    await db.executemany("INSERT INTO sharing(member_id, metric, channel_id, level, updated_at) VALUES (?,?,?,?,?)",
                         [(m, "steps", None, levels[k % 4], now) for k, m in enumerate(ids)])
    await db.executemany("INSERT INTO checkin_members(member_id, channel_id, joined_at) VALUES (?,?,?)",
                         [(m, channel, now) for m in ids])
    first = START.date() - timedelta(days=days - 1)
    t_fill = time.perf_counter()
    batch = []
    for m in ids:
        for d in range(days):
            batch.append((m, "steps", (first + timedelta(days=d)).isoformat(), 4000.0 + (m * 7 + d * 13) % 9000, now))
        if len(batch) >= 200_000:
            await db.executemany("INSERT INTO entries(member_id, metric, day, value, logged_at) VALUES (?,?,?,?,?)", batch)
            batch = []
    if batch:
        await db.executemany("INSERT INTO entries(member_id, metric, day, value, logged_at) VALUES (?,?,?,?,?)", batch)
    fill = time.perf_counter() - t_fill

    queries = 0
    original_all, original_one = db.fetchall, db.fetchone

    async def counting_all(*a, **k):
        nonlocal queries
        queries += 1
        return await original_all(*a, **k)

    async def counting_one(*a, **k):
        nonlocal queries
        queries += 1
        return await original_one(*a, **k)

    db.fetchall, db.fetchone = counting_all, counting_one
    checkins = next(c for c in app.cogs if type(c).__name__ == "Checkins")
    t0 = time.perf_counter()
    post, _ = await checkins.build_checkin(community, channel, "UTC", START, with_summaries=False)
    build = time.perf_counter() - t0
    build_queries = queries
    delivery = await app.services.gate.release(post, __import__("bot.reply", fromlist=["Destination"]).Destination.channel(community, channel))
    gated = time.perf_counter() - t0
    db.fetchall, db.fetchone = original_all, original_one
    rss_after = rss_mb()
    await app.stop()
    return {"members": members, "entries": members * days, "fill_s": fill, "build_s": build, "build_and_gate_s": gated,
            "queries": build_queries, "queries_total": queries, "lines": len(delivery.text.splitlines()),
            "start_ready_s": start_ready, "rss_start_mb": rss_start, "rss_after_mb": rss_after}


def row(name: str, value: str, target: str, ok: bool | None) -> str:
    mark = "" if ok is None else ("ok" if ok else "MISSED")
    return f"| {name} | {value} | {target} | {mark} |"


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--members", type=int, default=200, help="concurrent members logging")
    parser.add_argument("--logs", type=int, default=20, help="logs per member")
    parser.add_argument("--checkin-members", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--postgres", metavar="URL",
                        help="also measure `log` on PostgreSQL (a throwaway database is made on this server and dropped)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="peerpulse-bench-") as d:
        tmp = Path(d)
        logs = await bench_logs(tmp, args.members, args.logs)
        lag = await bench_loop_lag(20)
        chart = bench_chart_vs_bare()
        checkin = await bench_checkin(tmp, args.checkin_members, args.days)
        pg_logs = None
        if args.postgres:
            from storage.postgres import scratch_database
            async with scratch_database(args.postgres, "peerpulse_bench") as url:
                pg_logs = await bench_logs(tmp, args.members, args.logs, url)
    results = {"logs": logs, "loop_lag": lag, "chart": chart, "checkin": checkin}
    if pg_logs is not None:
        results["logs_postgres"] = pg_logs
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    ratio = chart["ours_ms"] / chart["bare_ms"]
    lines = [
        f"peerpulse benchmark — {os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "",
        "| measure | figure | target | |",
        "|---|---|---|---|",
        row(f"`log` throughput, {args.members} concurrent members", f"{logs['rate']:,.0f}/s "
            f"(bare aiosqlite inserts {logs['bare_rate']:,.0f}/s, ratio {logs['rate'] / logs['bare_rate']:.2f})",
            ">= 2,000/s", logs["rate"] >= 2000),
        row("`log` latency p50 / p99 at 2,000 logs/s", f"{logs['paced_p50_ms']:.1f} / {logs['paced_p99_ms']:.1f} ms",
            "p99 < 20 ms", logs["paced_p99_ms"] < 20),
        row("`log` latency p50 / p99, saturated (all 200 at once)", f"{logs['p50_ms']:.1f} / {logs['p99_ms']:.1f} ms",
            "(queueing: 200 in flight ÷ rate)", None),
        *([] if pg_logs is None else [
            row(f"PostgreSQL: `log` throughput, {args.members} concurrent members", f"{pg_logs['rate']:,.0f}/s",
                "(beside SQLite's; server on this machine)", None),
            row("PostgreSQL: `log` latency p50 / p99 at 2,000 logs/s",
                f"{pg_logs['paced_p50_ms']:.1f} / {pg_logs['paced_p99_ms']:.1f} ms", "(queues if 2,000/s > throughput)", None),
            row("PostgreSQL: `log` latency p50 / p99, saturated",
                f"{pg_logs['p50_ms']:.1f} / {pg_logs['p99_ms']:.1f} ms", "", None)]),
        row("event-loop lag p99, 20 charts rendering", f"{lag['lag_p99_ms']:.1f} ms (max {lag['lag_max_ms']:.1f}; "
            f"{lag['seconds']:.1f} s for all)", "< 25 ms", lag["lag_p99_ms"] < 25),
        row(f"weekly check-in, {checkin['members']:,} members × {args.days} days", f"{checkin['build_s']:.2f} s build, "
            f"{checkin['build_and_gate_s']:.2f} s with gate; {checkin['queries']} queries",
            "< 2 s; queries not growing with members", checkin["build_and_gate_s"] < 2),
        row("chart render vs bare matplotlib", f"{chart['ours_ms']:.0f} ms vs {chart['bare_ms']:.0f} ms (ratio {ratio:.2f})",
            "<= 1.5x", ratio <= 1.5),
        row("start-up to ready (open DB, migrate, build app)", f"{checkin['start_ready_s'] * 1000:.0f} ms", "", None),
        row("resident memory after start / after check-in", f"{checkin['rss_start_mb']:.0f} / {checkin['rss_after_mb']:.0f} MB",
            "", None),
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
