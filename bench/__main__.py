"""`python -m bench`: speed and memory figures of the bot on this machine, with targets and ratios.

Everything is measured in one run, printed as one table: each figure with its target (ok / MISSED)
and, where a target is relative, its ratio against a baseline measured in the same run (bare
drivers, bare matplotlib, SQLite beside PostgreSQL). The machine is shared and noisy, so log figures
are the median of ``--rounds`` rounds that alternate the backends, and the machine's load average is
printed with the table. `--postgres URL` adds PostgreSQL (throwaway databases on that server) and the
scaling curve of 1..N bot processes on one database. `--import` adds reading a synthetic Apple Health
export (`--import-mb`, 200 by default; bench/imports.py), `--import-only` measures only that. Not part
of the test suite: tests assert behaviour, never timings.
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
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import AsyncIterator

import aiosqlite

from bench.common import START, NullTransport, inbound, pct
from bench.imports import bench_apple_import, import_rows
from bot.app import build_app
from bot.charts import ChartSeries, ChartSpec, render_png
from bot.vocabulary.clock import FakeClock
from bot.config import Config


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@asynccontextmanager
async def backend(kind: str, tmp: Path, server: str | None, name: str) -> AsyncIterator[str]:
    """A fresh, empty database of ``kind`` ("sqlite" or "postgresql"): what build_app is given."""
    if kind == "sqlite":
        path = tmp / f"{name}-{time.monotonic_ns()}.db"
        yield str(path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from storage.postgres import scratch_database
    async with scratch_database(server, f"peerpulse_bench_{name}") as url:
        yield url


async def bench_logs(database: str, members: int, per_member: int, paced_seconds: float = 2.0) -> dict:
    """``members`` members logging ``per_member`` values each, all at once (saturated), then 2,000
    logs a second offered for ``paced_seconds`` (open loop: latency at the target rate)."""
    app = await build_app(Config(chart_processes=0), FakeClock(START), database)
    app.attach(NullTransport())
    latencies: list[float] = []

    async def member(i: int) -> None:
        for j in range(per_member):
            day = (START - timedelta(days=j)).date().isoformat()
            t0 = time.perf_counter()
            await app.handle(inbound(f"m{i}", f"log steps {1000 + i + j} {day}"))
            latencies.append(time.perf_counter() - t0)

    for i in range(members):   # members exist before the clock starts (as in a running community)
        await app.services.community.member(await app.services.community.community("bench", "c"), f"m{i}", f"m{i}", START)
    await app.handle(inbound("m0", "log water 1 today"))   # connections and prepared statements warm
    t0 = time.perf_counter()
    await asyncio.gather(*(member(i) for i in range(members)))
    elapsed = time.perf_counter() - t0
    total = members * per_member
    stored = await app.services.db.fetchval("SELECT COUNT(*) FROM entries WHERE metric='steps' AND active=1")
    assert stored == total, (stored, total)

    paced: list[float] = []

    async def one(i: int, k: int) -> None:
        t0 = time.perf_counter()
        await app.handle(inbound(f"m{i}", f"log water {1 + k % 9} today"))
        paced.append(time.perf_counter() - t0)

    tasks = []
    t0 = time.perf_counter()
    for k in range(max(1, int(2000 * paced_seconds))):
        delay = t0 + k / 2000 - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(k % members, k)))
    await asyncio.gather(*tasks)
    await app.stop()
    return {"logs": total, "rate": total / elapsed, "p50_ms": pct(latencies, 50) * 1000,
            "p99_ms": pct(latencies, 99) * 1000, "paced_p50_ms": pct(paced, 50) * 1000,
            "paced_p99_ms": pct(paced, 99) * 1000}


async def bench_single(database: str, count: int) -> dict:
    """One member's commands one after another (no group commit to hide behind): start-up excluded."""
    app = await build_app(Config(chart_processes=0), FakeClock(START), database)
    app.attach(NullTransport())
    await app.handle(inbound("solo", "log water 1 today"))
    t0 = time.perf_counter()
    for k in range(count):
        day = (START - timedelta(days=k % 30)).date().isoformat()
        await app.handle(inbound("solo", f"log steps {1000 + k} {day}"))
    elapsed = time.perf_counter() - t0
    await app.stop()
    return {"count": count, "seconds": elapsed, "ms_per_command": elapsed / count * 1000}


async def bench_console(database: str, count: int, tmp: Path) -> dict:
    """``count`` logs typed into the console (`peerpulse console`, a process of its own) one after
    another; the same console with one line is timed too and subtracted (start-up, migrations)."""
    async def play(lines: list[str]) -> float:
        script = tmp / f"console-{time.monotonic_ns()}.txt"
        script.write_text("\n".join(lines) + "\n", encoding="utf-8")
        t0 = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "console", str(script), "--db", database, "--start", START.isoformat(),
            "--out", str(tmp / "console-out"), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        _, err = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"console failed: {err.decode()[-500:]}")
        return time.perf_counter() - t0

    start_up = await play(["solo@dm: log water 1"])
    full = await play(["solo@dm: log water 1"] + [
        f"solo@dm: log steps {1000 + k} {(START - timedelta(days=k % 30)).date().isoformat()}" for k in range(count)])
    return {"count": count, "seconds": full - start_up, "start_up_s": start_up}


async def bare_sqlite(tmp: Path, total: int) -> float:
    """Rows per second of plain aiosqlite single-row inserts, each its own commit (the baseline)."""
    async with aiosqlite.connect(tmp / "bare.db", isolation_level=None) as conn:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("CREATE TABLE IF NOT EXISTS t (member INTEGER, day TEXT, value REAL)")
        t1 = time.perf_counter()
        for k in range(total):
            await conn.execute("INSERT INTO t VALUES (?,?,?)", (k % 200, str(k), float(k)))
        return total / (time.perf_counter() - t1)


async def bare_postgres(url: str, total: int) -> float:
    """The same with asyncpg, one connection, the bot's session settings (durability: see storage.postgres)."""
    import asyncpg

    from storage.postgres import SESSION_DEFAULTS
    conn = await asyncpg.connect(url, server_settings=SESSION_DEFAULTS)
    try:
        await conn.execute("CREATE TABLE t (member BIGINT, day TEXT, value DOUBLE PRECISION)")
        t1 = time.perf_counter()
        for k in range(total):
            await conn.execute("INSERT INTO t VALUES ($1,$2,$3)", k % 200, str(k), float(k))
        return total / (time.perf_counter() - t1)
    finally:
        await conn.close()


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


def bare_chart(spec: ChartSpec) -> bytes:
    """The same figure as bot.charts draws for ``spec`` (same size and resolution, daily markers, the
    7-day average lines, goal line and its label, legend above, title, axis labels, grid), written the
    plain way with matplotlib's own locators and formatters: the baseline for the renderer's cost."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import MO, DateFormatter, WeekdayLocator, date2num
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    fig = Figure(figsize=(8.0, 4.5), dpi=112, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(True)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=12)
    handles = []
    window = spec.rolling_days
    for i, series in enumerate(spec.series):
        xs = date2num([date.fromisoformat(d) for d, _ in series.points])
        ys = [v for _, v in series.points]
        marker = "os^D"[i % 4]
        ax.plot(xs, ys, linestyle="none", marker=marker, markersize=5.5, alpha=0.75, color=f"C{i}")
        rolling = [sum(ys[k - window + 1:k + 1]) / window for k in range(window - 1, len(ys))]   # consecutive days
        ax.plot(xs[window - 1:], rolling, linewidth=2.8, color=f"C{i}")
        handles.append(Line2D([], [], color=f"C{i}", linewidth=2.8, marker=marker))
    ax.axhline(spec.goal, linestyle="--", color="black")
    ax.annotate("goal", xy=(1.0, spec.goal), xycoords=("axes fraction", "data"), xytext=(5, 0),
                textcoords="offset points", va="center", fontsize=11, annotation_clip=False)
    ax.legend(handles, [s.label for s in spec.series], loc="lower left", bbox_to_anchor=(0.0, 1.0),
              ncol=len(spec.series), frameon=False, fontsize=11)
    ax.set_title(spec.title, loc="left", fontsize=15, fontweight="bold", pad=30)
    ax.set_xlabel(f"Days in {spec.timezone}  ·  markers: daily · lines: {window}-day averages", fontsize=11, loc="left")
    ax.set_ylabel(spec.unit, fontsize=12)
    ax.xaxis.set_major_locator(WeekdayLocator(byweekday=MO))
    ax.xaxis.set_major_formatter(DateFormatter("%b %d"))
    fig.subplots_adjust(left=0.105, right=0.855, bottom=0.15, top=0.8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white")
    return buf.getvalue()


def bench_chart_vs_bare(repeats: int = 9) -> dict:
    """Our renderer against :func:`bare_chart` for the same spec, alternating (noise hits both)."""
    spec = sample_spec()
    render_png(spec)   # warm up fonts and caches
    bare_chart(spec)
    ours, bare = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        render_png(spec)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare_chart(spec)
        bare.append(time.perf_counter() - t0)
    return {"ours_ms": statistics.median(ours) * 1000, "bare_ms": statistics.median(bare) * 1000}


async def bench_checkin(database: str, members: int, days: int) -> dict:
    """A weekly check-in of ``members`` members with ``days`` days of steps each (filled in bulk,
    not measured): the time to build the post, and with the gate's release."""
    t_start = time.perf_counter()
    app = await build_app(Config(chart_processes=0), FakeClock(START), database)
    start_ready = time.perf_counter() - t_start
    rss_start = rss_mb()
    db = app.services.db
    postgres = getattr(db, "dialect", "sqlite") == "postgresql"
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
    day_names = [(first + timedelta(days=d)).isoformat() for d in range(days)]
    t_fill = time.perf_counter()
    columns = ("member_id", "metric", "day", "value", "logged_at")
    for i in range(0, len(ids), 500):
        rows = [(m, "steps", day_names[d], 4000.0 + (m * 7 + d * 13) % 9000, now) for m in ids[i:i + 500] for d in range(days)]
        if postgres:
            await db.copy_rows("entries", columns, rows)
        else:
            await db.executemany(f"INSERT INTO entries({', '.join(columns)}) VALUES (?,?,?,?,?)", rows)
    if postgres:
        await db.execute("VACUUM ANALYZE")   # a year of rows has been vacuumed and analysed by autovacuum in real life
    else:
        await db.execute("ANALYZE")
    fill = time.perf_counter() - t_fill

    queries = 0
    originals = {name: getattr(db, name) for name in ("fetchall", "fetchone", "fetchval", "fetch_tuples")}

    def counting(method):
        async def call(*a, **k):
            nonlocal queries
            queries += 1
            return await method(*a, **k)
        return call

    for name, method in originals.items():
        setattr(db, name, counting(method))
    from cogs.checkins import Checkins
    checkins = app.cog(Checkins)
    from bot.vocabulary.reply import Destination
    builds, gated = [], []
    for _ in range(3):   # the median of three builds
        queries = 0
        t0 = time.perf_counter()
        post, _ = await checkins.build_checkin(community, channel, "UTC", START, with_summaries=False)
        builds.append(time.perf_counter() - t0)
        build_queries = queries
        delivery = await app.services.gate.release(post, Destination.channel(community, channel))
        gated.append(time.perf_counter() - t0)
    for name, method in originals.items():
        setattr(db, name, method)
    bare = []
    for _ in range(3):   # the baseline: the rows of the five weeks a check-in covers, read with the bare driver
        t0 = time.perf_counter()
        rows = await db.fetch_tuples(
            "SELECT e.member_id, e.metric, e.day, e.value FROM checkin_members cm JOIN entries e ON e.member_id=cm.member_id "
            "WHERE cm.channel_id=? AND e.active=1 AND e.day BETWEEN ? AND ?",
            (channel, (START.date() - timedelta(days=34)).isoformat(), START.date().isoformat()))
        bare.append(time.perf_counter() - t0)
    rss_after = rss_mb()
    await app.stop()
    return {"members": members, "entries": members * days, "fill_s": fill, "build_s": statistics.median(builds),
            "build_and_gate_s": statistics.median(gated), "queries": build_queries, "lines": len(delivery.text.splitlines()),
            "bare_read_s": statistics.median(bare), "bare_rows": len(rows),
            "start_ready_s": start_ready, "rss_start_mb": rss_start, "rss_after_mb": rss_after}


def row(name: str, value: str, target: str, ok: bool | None) -> str:
    mark = "" if ok is None else ("ok" if ok else "MISSED")
    return f"| {name} | {value} | {target} | {mark} |"


def median_of(runs: list[dict]) -> dict:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


async def measure(args, tmp: Path) -> dict:
    pg = args.postgres
    kinds = ["sqlite", "postgresql"] if pg else ["sqlite"]
    out: dict = {"load_before": os.getloadavg()}
    logs: dict[str, list[dict]] = {k: [] for k in kinds}
    bare: dict[str, list[float]] = {k: [] for k in kinds}
    single: dict[str, list[dict]] = {k: [] for k in kinds}
    console: dict[str, list[dict]] = {k: [] for k in kinds}
    total = args.members * args.logs
    for _ in range(args.rounds):   # the backends alternate, so a noisy moment hits both
        for kind in kinds:
            async with backend(kind, tmp, pg, "logs") as target:
                logs[kind].append(await bench_logs(target, args.members, args.logs, args.paced_seconds))
            async with backend(kind, tmp, pg, "bare") as target:
                bare[kind].append(await (bare_sqlite(tmp, total) if kind == "sqlite" else bare_postgres(target, total)))
            async with backend(kind, tmp, pg, "single") as target:
                single[kind].append(await bench_single(target, args.single))
            async with backend(kind, tmp, pg, "console") as target:
                console[kind].append(await bench_console(target, args.single, tmp))
    out["logs"] = {k: {**median_of(v), "bare_rate": statistics.median(bare[k])} for k, v in logs.items()}
    out["single"] = {k: median_of(v) for k, v in single.items()}
    out["console"] = {k: median_of(v) for k, v in console.items()}
    out["loop_lag"] = await bench_loop_lag(20)
    out["chart"] = bench_chart_vs_bare()
    out["checkin"] = {}
    if args.checkin_members:
        for kind in kinds:
            async with backend(kind, tmp, pg, "checkin") as target:
                out["checkin"][kind] = await bench_checkin(target, args.checkin_members, args.days)
    if pg and args.processes:
        from bench.scaling import run_scaling
        counts = [int(n) for n in args.processes.split(",")]
        out["scaling"] = await asyncio.to_thread(run_scaling, pg, counts, args.members, args.logs, 2000, args.jobs,
                                            args.paced_seconds)
    out["load_after"] = os.getloadavg()
    return out


def table(args, r: dict) -> str:
    lite, pgl = r["logs"]["sqlite"], r["logs"].get("postgresql")
    load = " / ".join(f"{x:.1f}" for x in r["load_before"]) + " before, " + " / ".join(f"{x:.1f}" for x in r["load_after"]) + " after"
    lines = [
        f"peerpulse benchmark — {os.cpu_count()} cores, Python {sys.version.split()[0]}; load average (1/5/15 min) {load}",
        f"log figures: median of {args.rounds} rounds alternating the backends",
        "",
        "| measure | figure | target | |",
        "|---|---|---|---|",
        row(f"SQLite `log` throughput, {args.members} concurrent members",
            f"{lite['rate']:,.0f}/s (bare aiosqlite inserts {lite['bare_rate']:,.0f}/s, ratio {lite['rate'] / lite['bare_rate']:.2f})",
            ">= 2,000/s", lite["rate"] >= 2000),
        row("SQLite `log` p50 / p99 at 2,000 logs/s offered", f"{lite['paced_p50_ms']:.1f} / {lite['paced_p99_ms']:.1f} ms",
            "p99 < 20 ms", lite["paced_p99_ms"] < 20),
        row("SQLite `log` p50 / p99, saturated", f"{lite['p50_ms']:.1f} / {lite['p99_ms']:.1f} ms",
            "(queueing: members in flight ÷ rate)", None),
    ]
    if pgl is not None:
        one_lite, one_pg = r["single"]["sqlite"], r["single"]["postgresql"]
        con_lite, con_pg = r["console"]["sqlite"], r["console"]["postgresql"]
        lines += [
            row(f"PostgreSQL `log` throughput, {args.members} concurrent members",
                f"{pgl['rate']:,.0f}/s (ratio to SQLite {pgl['rate'] / lite['rate']:.2f}; bare asyncpg inserts "
                f"{pgl['bare_rate']:,.0f}/s, ratio {pgl['rate'] / pgl['bare_rate']:.2f})",
                ">= SQLite's (ratio >= 1)", pgl["rate"] >= lite["rate"]),
            row("PostgreSQL `log` p50 / p99 at 2,000 logs/s offered", f"{pgl['paced_p50_ms']:.1f} / {pgl['paced_p99_ms']:.1f} ms",
                "p99 < 20 ms", pgl["paced_p99_ms"] < 20),
            row("PostgreSQL `log` p50 / p99, saturated", f"{pgl['p50_ms']:.1f} / {pgl['p99_ms']:.1f} ms", "", None),
            row(f"one member, {args.single:,} `log`s through the console one after another, start-up subtracted",
                f"SQLite {con_lite['seconds']:.2f} s, PostgreSQL {con_pg['seconds']:.2f} s "
                f"(ratio {con_pg['seconds'] / con_lite['seconds']:.2f})", "ratio <= 1.5",
                con_pg["seconds"] <= 1.5 * con_lite["seconds"]),
            row(f"the same {args.single:,} straight into the app (no console: the storage share is larger)",
                f"SQLite {one_lite['seconds']:.2f} s, PostgreSQL {one_pg['seconds']:.2f} s "
                f"(ratio {one_pg['seconds'] / one_lite['seconds']:.2f}; {one_lite['ms_per_command']:.2f} vs "
                f"{one_pg['ms_per_command']:.2f} ms a command)", "", None),
        ]
    else:
        one_lite, con_lite = r["single"]["sqlite"], r["console"]["sqlite"]
        lines.append(row(f"one member, {args.single:,} `log`s through the console, start-up subtracted",
                         f"SQLite {con_lite['seconds']:.2f} s ({one_lite['seconds']:.2f} s straight into the app)", "", None))
    lag, chart = r["loop_lag"], r["chart"]
    ratio = chart["ours_ms"] / chart["bare_ms"]
    lines += [
        row("event-loop lag p99, 20 charts rendering", f"{lag['lag_p99_ms']:.1f} ms (max {lag['lag_max_ms']:.1f}; "
            f"{lag['seconds']:.1f} s for all)", "< 25 ms", lag["lag_p99_ms"] < 25),
        row("chart render vs bare matplotlib, same figure", f"{chart['ours_ms']:.0f} ms vs {chart['bare_ms']:.0f} ms "
            f"(ratio {ratio:.2f})", "ratio <= 1.2", ratio <= 1.2),
    ]
    for kind, c in r["checkin"].items():
        name = "SQLite" if kind == "sqlite" else "PostgreSQL"
        lines.append(row(f"{name} weekly check-in, {c['members']:,} members × {args.days} days, built and released by the gate",
                         f"{c['build_and_gate_s']:.2f} s ({c['build_s']:.2f} s build, {c['queries']} queries; bare driver "
                         f"reading the {c['bare_rows']:,} rows of the five weeks it covers {c['bare_read_s']:.2f} s, "
                         f"ratio {c['build_and_gate_s'] / c['bare_read_s']:.2f})",
                         "< 1 s end to end; queries not growing with members", c["build_and_gate_s"] < 1))
    if r["checkin"]:
        c = r["checkin"]["sqlite"]
        lines += [row("start-up to ready (open SQLite, migrate, build app)", f"{c['start_ready_s'] * 1000:.0f} ms", "", None),
                  row("resident memory after start / after check-in", f"{c['rss_start_mb']:.0f} / {c['rss_after_mb']:.0f} MB",
                      "", None)]
    if r.get("import"):
        lines += import_rows(r["import"], row)
    if r.get("scaling"):
        lines += ["", f"Scaling: N bot processes on one PostgreSQL, {args.members} members each, {args.logs} logs per member; "
                  f"2,000 logs/s offered in total for the paced p99; {args.jobs} scheduled posts raced for by every process.", "",
                  "| processes | aggregate `log` throughput | p99 saturated | p99 at 2,000/s | claim p50 / max | each post once | |",
                  "|---|---|---|---|---|---|---|"]
        base = r["scaling"][0]["rate"]
        for s in r["scaling"]:
            lines.append(f"| {s['processes']} | {s['rate']:,.0f}/s (x{s['rate'] / base:.2f}) | {s['p99_ms']:.0f} ms | "
                         f"{s['paced_p99_ms']:.1f} ms | {s['claim_p50_ms']:.1f} / {s['claim_max_ms']:.1f} ms | "
                         f"{s['jobs_distinct']}/{s['jobs']} ran, {s['jobs_run']} runs (by process: {s['claims_by_process']}) | "
                         f"{'ok' if s['exactly_once'] else 'MISSED'} |")
        top = max(s["rate"] for s in r["scaling"])
        lines += ["", "throughput curve (aggregate logs/s):"]
        for s in r["scaling"]:
            lines.append(f"  {s['processes']} process{'es' if s['processes'] > 1 else '  '} "
                         f"{'#' * max(1, round(40 * s['rate'] / top)):<40} {s['rate']:,.0f}/s")
    return "\n".join(lines)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--members", type=int, default=200, help="concurrent members logging (per process when scaling)")
    parser.add_argument("--logs", type=int, default=40, help="logs per member (40: a second or so of logging, long enough to outlast warm-up)")
    parser.add_argument("--single", type=int, default=1500, help="one member's logs one after another")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the log measures (their median is shown)")
    parser.add_argument("--checkin-members", type=int, default=10_000, help="0 skips the check-in measure")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--processes", default="1,2,3", help="bot process counts for the scaling curve ('' skips it)")
    parser.add_argument("--paced-seconds", type=float, default=2.0, help="how long 2,000 logs/s are offered")
    parser.add_argument("--jobs", type=int, default=50, help="scheduled posts raced for when scaling")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--import", dest="import_", action="store_true",
                        help="also measure reading a synthetic Apple Health export (records/s, peak RSS)")
    parser.add_argument("--import-only", action="store_true", help="measure only the Apple Health import")
    parser.add_argument("--import-mb", type=int, default=200, help="size of the synthetic Apple Health export")
    parser.add_argument("--postgres", metavar="URL",
                        help="also measure PostgreSQL: throwaway databases are made on this server and dropped")
    peak = parser.add_argument_group("the Sunday peak (--peak runs only this section; see bench/peak.py)")
    peak.add_argument("--peak", action="store_true", help="thousands of check-ins due at once, under Discord's rate limits")
    peak.add_argument("--peak-channels", type=int, default=2000, help="check-in channels, all due the same minute")
    peak.add_argument("--peak-guilds", type=int, default=500, help="guilds (communities) holding them")
    peak.add_argument("--peak-min-members", type=int, default=5, help="fewest members in a check-in")
    peak.add_argument("--peak-max-members", type=int, default=200, help="most members in a check-in")
    peak.add_argument("--peak-logged", type=float, default=0.02,
                      help="share of members who logged this week (in the post, and sent a summary); at least one a check-in")
    peak.add_argument("--peak-command-rate", type=float, default=4.0, help="member commands a second during the peak")
    peak.add_argument("--peak-chart-processes", type=int, default=2, help="chart worker processes per bot process")
    peak.add_argument("--peak-configs", default="sqlite-1,pg-1,pg-2,pg-3",
                      help="which of sqlite-1, pg-1, pg-2, pg-3 (pg-N: N bot processes on one PostgreSQL)")
    peak.add_argument("--peak-plot", default="docs/peak.png", help="where the plot of posts over time goes ('' for none)")
    args = parser.parse_args(argv)
    if args.peak:
        from bench.peak import run_peak
        from bench.peak import table as peak_table
        with tempfile.TemporaryDirectory(prefix="peerpulse-peak-") as d:
            peak_results = await run_peak(args, Path(d))
        if args.json:
            print(json.dumps(peak_results, indent=2))
        else:
            print(peak_table(peak_results))
        return 0
    with tempfile.TemporaryDirectory(prefix="peerpulse-bench-") as d:
        if args.import_only:
            results = {"import": await asyncio.to_thread(bench_apple_import, Path(d), args.import_mb)}
            print(json.dumps(results, indent=2) if args.json else import_table(results["import"]))
            return 0
        results = await measure(args, Path(d))
        if args.import_:
            results["import"] = await asyncio.to_thread(bench_apple_import, Path(d), args.import_mb)
    print(json.dumps(results, indent=2) if args.json else table(args, results))
    return 0


def import_table(r: dict) -> str:
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return "\n".join([f"peerpulse import benchmark — {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
                      f"load average (1/5/15 min) {load}", "", "| measure | figure | target | |", "|---|---|---|---|",
                      *import_rows(r, row)])


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
