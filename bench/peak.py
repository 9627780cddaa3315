"""The Sunday peak (`python -m bench --peak`): thousands of check-ins due the same minute, through the
real Discord adapter (discord.py) against the stand-in with Discord's real rate limits.

The parent process runs the stand-in (tests.discord_standin, limits: 50 requests a second per token,
message creation 5 per 5 s per channel, per-route buckets) and fills the database (SQLite, or a
scratch PostgreSQL database) with the communities: ``guilds`` guilds holding ``channels`` check-in
channels, each check-in with 5 to 200 members, skewed as real communities are (most are small, a few
are large: a Pareto spread). In a given week only some members log (``logged``, at least one per
check-in, else nothing would be due there): those appear in the post and get their private summary
by direct message. The bot runs in 1..N child processes (spawned, one shard each when there are
several: guilds split by Discord's ``(guild_id >> 22) % shards``); each moves its clock past Sunday
18:00 at the same moment. While the peak runs, simulated members keep typing (`log steps` as slash
commands, a few a second) and the time to each answer is measured.

What is reported per configuration, all from the stand-in's own record of the requests:

* the time from the start to the last message of the peak (and to the last channel post);
* the rate-limit floor: the least time Discord's limits allow for exactly the requests that were
  sent (the global limit over every request it binds, and each channel's 5 per 5 s), and the ratio;
* 429s received, per bucket (a first 429 of a bucket is how discord.py learns it; more are waste);
* CPU seconds of the chart workers, peak RSS of the bot processes and of the chart workers;
* each check-in posted exactly once (duplicates and missing, counted in the stand-in's record), and
  each summary sent once;
* p50 / p99 of the members' commands answered during the peak.

Not part of the test suite: tests assert behaviour, never timings.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import random
import re
import resource
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bench.common import pct

PERIOD = datetime.fromisoformat("2026-11-22T18:00:00+00:00")   # a Sunday, 18:00 UTC: every check-in is due
BEFORE = PERIOD - timedelta(seconds=30)                          # where the bots' clocks start
AFTER = PERIOD + timedelta(minutes=1)
CREATED = PERIOD - timedelta(days=30)
GLOBAL_LIMIT, GLOBAL_PER, CHANNEL_LIMIT, CHANNEL_PER = 50, 1.0, 5, 5.0   # Discord's (tests.discord_standin.ratelimits)
_CHILD_TIMEOUT = 900


# -- the communities ----------------------------------------------------------------------------------
@dataclass
class Checkin:
    guild: int                 # index into Population.guilds
    name: str
    members: int
    logged: list[int]          # indices (within this check-in) of the members who logged this week
    channel_id: str = ""
    user_ids: list[str] = field(default_factory=list)


@dataclass
class Population:
    guild_ids: list[str]
    checkins: list[Checkin]

    @property
    def members(self) -> int:
        return sum(c.members for c in self.checkins)

    @property
    def loggers(self) -> int:
        return sum(len(c.logged) for c in self.checkins)


def population(channels: int, guilds: int, smallest: int, largest: int, logged: float, shards: int,
               seed: int = 25) -> Population:
    """``channels`` check-ins over ``guilds`` guilds; members per check-in from a Pareto spread
    (alpha 1.2: median about 9 for a smallest of 5) cut at ``largest``. Guild ids are made so the
    guilds spread evenly over ``shards`` shards, as Discord's many guilds do."""
    rnd = random.Random(seed)
    base_ms = int(time.time() * 1000) - 1_420_070_400_000
    guild_ids = [str(((base_ms + k) << 22) | (k & 0x3FFFFF)) for k in range(guilds)]
    owners = [k % guilds for k in range(channels)]
    rnd.shuffle(owners)
    out = []
    for i, g in enumerate(owners):
        n = min(largest, max(smallest, int(smallest * rnd.paretovariate(1.2))))
        who = [m for m in range(n) if rnd.random() < logged] or [0]
        out.append(Checkin(g, f"checkin-{i}", n, who))
    return Population(guild_ids, out)


def build_standin(pop: Population):
    from tests.discord_standin.ratelimits import RateLimits
    from tests.discord_standin.server import DiscordStandIn

    s = DiscordStandIn(default_guild=False, rate_limits=RateLimits(), route_shards=True)
    for k, gid in enumerate(pop.guild_ids):
        s.add_guild(f"community {k}", guild_id=gid)
    for c in pop.checkins:
        gid = pop.guild_ids[c.guild]
        c.channel_id = s.add_channel(gid, c.name)
        c.user_ids = [s.add_member(gid, f"{c.name}-m{m}") for m in range(c.members)]
    return s


async def fill_database(url: str, pop: Population) -> None:
    """The communities as the bot would have stored them (in bulk: not measured)."""
    from bot.app import build_app
    from bot.config import Config
    from bot.vocabulary.clock import FakeClock, utc_iso

    app = await build_app(Config(chart_processes=0), FakeClock(CREATED), url)
    db, community = app.services.db, app.services.community
    now = utc_iso(CREATED)
    community_ids = [await community.community("discord", gid, f"community {k}") for k, gid in enumerate(pop.guild_ids)]
    members, sharing, joins, entries = [], [], [], []
    channel_rows = []
    for c in pop.checkins:
        ch = await community.channel(community_ids[c.guild], c.channel_id, c.name)
        channel_rows.append(ch.id)
        await app.services.checkins.set_schedule(ch.id, "sunday", "18:00", "UTC", CREATED)
        members += [(community_ids[c.guild], uid, f"member {uid[-5:]}", now) for uid in c.user_ids]
    await db.executemany("INSERT INTO members(community_id, external_id, display_name, created_at) VALUES (?,?,?,?)", members)
    ids = {r[0]: r[1] for r in await db.fetchall("SELECT external_id, id FROM members")}
    week = [(PERIOD.date() - timedelta(days=d)).isoformat() for d in range(14)]
    for c, channel_id in zip(pop.checkins, channel_rows, strict=True):
        logged = set(c.logged)
        for m, uid in enumerate(c.user_ids):
            member = ids[uid]
            joins.append((member, channel_id, now))
            if m in logged:
                sharing.append((member, "steps", None, 3, now))   # public: the post shows their line
                entries += [(member, "steps", day, 4000.0 + (member * 37 + d * 811) % 7000, now)
                            for d, day in enumerate(week) if (member + d) % 5 != 0]
    await db.executemany("INSERT INTO checkin_members(member_id, channel_id, joined_at) VALUES (?,?,?)", joins)
    await db.executemany("INSERT INTO sharing(member_id, metric, channel_id, level, updated_at) VALUES (?,?,?,?,?)", sharing)
    for i in range(0, len(entries), 5000):
        await db.executemany("INSERT INTO entries(member_id, metric, day, value, logged_at) VALUES (?,?,?,?,?)",
                             entries[i:i + 5000])
    await db.execute("VACUUM ANALYZE" if getattr(db, "dialect", "sqlite") == "postgresql" else "ANALYZE")
    await app.stop()


# -- one bot process ----------------------------------------------------------------------------------
def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_hwm_mb(pid: int | str = "self") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _pool_pids(app) -> list[int]:
    pool = getattr(app.services.renderer, "_pool", None)
    return list(getattr(pool, "_processes", {}) or {}) if pool is not None else []


def _bot_main(url, index, processes, api_base, gateway_url, chart_processes, ready, go, stop, results) -> None:
    try:
        results.put(asyncio.run(_bot(url, index, processes, api_base, gateway_url, chart_processes, ready, go, stop,
                                     results)))
    except BaseException as exc:   # reported to the parent
        import traceback
        results.put({"index": index, "error": f"process {index}: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"})


async def _bot(url, index, processes, api_base, gateway_url, chart_processes, ready, go, stop, results) -> dict:
    import logging

    from bot.adapters.discord_adapter import DiscordAdapter
    from bot.app import build_app
    from bot.charts import ChartSeries, ChartSpec
    from bot.config import Config, DiscordConfig
    from bot.vocabulary.clock import FakeClock

    logging.basicConfig(level=logging.ERROR)
    if os.environ.get("PEAK_DEBUG"):   # where the event loop blocks, and what the peak imported
        logging.getLogger("asyncio").setLevel(logging.WARNING)
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = 0.08
        beat = [time.monotonic()]
        main = threading.main_thread().ident

        async def heart():
            while True:
                beat[0] = time.monotonic()
                await asyncio.sleep(0.01)

        def watch():
            dumped = 0
            while dumped < 3:
                time.sleep(0.05)
                if time.monotonic() - beat[0] > 0.12:
                    print("BLOCKED:", "".join(traceback.format_stack(sys._current_frames()[main])[-12:]), file=sys.stderr)
                    dumped += 1
                    time.sleep(0.3)

        loop.create_task(heart())
        threading.Thread(target=watch, daemon=True).start()
    sharding = dict(shard_count=processes, shard_ids=(index,)) if processes > 1 else {}
    config = Config(chart_processes=chart_processes,
                    discord=DiscordConfig(api_base=api_base, gateway_url=gateway_url, **sharding))
    clock = FakeClock(BEFORE)
    app = await build_app(config, clock, url)
    adapter = DiscordAdapter(app, config.discord, guild_ready_timeout=0.05)
    adapter.client.before_identify_hook = _no_identify_wait   # the stand-in has no identify limit to respect
    await app.start()
    task = asyncio.create_task(adapter.start("bench-token"))
    await asyncio.wait_for(adapter.synced.wait(), 120)
    # The chart workers are started (and matplotlib imported in each) before the peak, as a running bot has.
    spec = ChartSpec("warm", "steps", "UTC", (ChartSeries("a", tuple(((PERIOD.date() - timedelta(days=d)).isoformat(),
                                                                       1000.0 * d) for d in range(7))),))
    await asyncio.gather(*(app.services.renderer(spec) for _ in range(max(1, chart_processes) * 2)))
    workers = _pool_pids(app)
    cpu_before = sum(_proc_cpu(p) for p in workers)
    known = set(sys.modules)
    ready.put(index)
    await asyncio.to_thread(go.wait, _CHILD_TIMEOUT)
    t0 = time.monotonic()
    self_cpu0 = time.process_time()
    lags: list[float] = []
    ticking = asyncio.create_task(_tick(lags))
    await app.advance_clock(clock, AFTER)
    elapsed = time.monotonic() - t0
    ticking.cancel()
    if os.environ.get("PEAK_DEBUG"):
        print("imported during the peak:", sorted(set(sys.modules) - known), file=sys.stderr)
    out = {"index": index, "elapsed": elapsed, "end": time.monotonic(),
           "chart_cpu_s": sum(_proc_cpu(p) for p in workers) - cpu_before,
           "bot_cpu_s": time.process_time() - self_cpu0,
           "rss_mb": _proc_hwm_mb(), "worker_rss_mb": max((_proc_hwm_mb(p) for p in workers), default=0.0),
           "paced": adapter.pacer.paced, "pacer_waited_s": adapter.pacer.waited,
           "loop_lag_p99_ms": pct(lags, 99) * 1000 if lags else 0.0, "loop_lag_max_ms": max(lags, default=0.0) * 1000,
           "runs_at_once": app.services.scheduler.slots.most}
    # Still online (answering its members) until every process is done.
    results.put(out)
    await asyncio.to_thread(stop.wait, _CHILD_TIMEOUT)
    await adapter.close()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await app.stop()
    return {"index": index, "stopped": True}


async def _tick(lags: list[float], every: float = 0.01) -> None:
    """How late the event loop wakes a 10 ms sleep: what blocks it shows here."""
    while True:
        t = time.perf_counter()
        await asyncio.sleep(every)
        lags.append(time.perf_counter() - t - every)


async def _no_identify_wait(shard_id, *, initial: bool = False) -> None:
    return None


# -- one configuration ----------------------------------------------------------------------------
@dataclass
class Config:
    name: str
    backend: str   # "sqlite" or "postgresql"
    processes: int


async def run_config(cfg: Config, pop: Population, database: str, *, chart_processes: int,
                     command_rate: float) -> dict:
    standin = build_standin(pop)
    await standin.start()
    t_fill = time.perf_counter()
    await fill_database(database, pop)
    fill_s = time.perf_counter() - t_fill
    ctx = multiprocessing.get_context("spawn")
    ready, results, go, stop_all = ctx.Queue(), ctx.Queue(), ctx.Event(), ctx.Event()
    procs = [ctx.Process(target=_bot_main, args=(database, i, cfg.processes, standin.api_base, standin.gateway_url,
                                                  chart_processes, ready, go, stop_all, results))
             for i in range(cfg.processes)]
    for p in procs:
        p.start()
    out: list[dict] = []
    latencies: list[float] = []
    unanswered = 0
    try:
        for _ in procs:
            got = await asyncio.to_thread(_get_ready_or_result, ready, results, _CHILD_TIMEOUT)
            if isinstance(got, dict):   # a process failed before it was ready
                raise RuntimeError(got.get("error", "a bot process failed"))
        before = standin.mark()
        t0 = time.monotonic()
        go.set()
        stop = asyncio.Event()
        typing = asyncio.create_task(_members_typing(standin, pop, command_rate, stop, latencies))
        for _ in procs:
            r = await asyncio.to_thread(results.get, True, _CHILD_TIMEOUT)
            if "error" in r:
                raise RuntimeError(r["error"])
            out.append(r)
        stop.set()
        unanswered = await typing
        stop_all.set()
        for _ in procs:
            r = await asyncio.to_thread(results.get, True, _CHILD_TIMEOUT)
            if "error" in r:
                raise RuntimeError(r["error"])
    finally:
        stop_all.set()
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
        await standin.stop()
    figures = judge(standin, pop, before, t0)
    figures.update(config=cfg.name, processes=cfg.processes, fill_s=fill_s,
                   chart_cpu_s=sum(r["chart_cpu_s"] for r in out), bot_cpu_s=sum(r["bot_cpu_s"] for r in out),
                   rss_mb=max(r["rss_mb"] for r in out), loop_lag_p99_ms=max(r["loop_lag_p99_ms"] for r in out),
                   loop_lag_max_ms=max(r["loop_lag_max_ms"] for r in out), runs_at_once=max(r["runs_at_once"] for r in out), worker_rss_mb=max(r["worker_rss_mb"] for r in out),
                   commands=len(latencies), unanswered=unanswered,
                   command_p50_ms=pct(latencies, 50) * 1000 if latencies else float("nan"),
                   command_p99_ms=pct(latencies, 99) * 1000 if latencies else float("nan"))
    return figures


def _get_ready_or_result(ready, results, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return ready.get(timeout=0.5)
        except Exception:
            try:
                return results.get_nowait()
            except Exception:
                continue
    raise TimeoutError("a bot process never became ready")


async def _members_typing(standin, pop: Population, rate: float, stop: asyncio.Event, latencies: list[float]) -> int:
    """Members log steps with slash commands, ``rate`` a second, while the peak runs; returns how many
    were never answered."""
    rnd = random.Random(7)
    waits: list[asyncio.Task] = []

    async def one(k: int) -> None:
        c = rnd.choice(pop.checkins)
        uid = c.user_ids[rnd.choice(c.logged)]
        t = time.monotonic()
        inter = await standin.inject_command("log", {"metric": "steps", "value": str(3000 + k % 5000)},
                                             guild_id=pop.guild_ids[c.guild], channel_id=c.channel_id, user_id=uid)
        answer = await inter.wait_response(timeout=30)
        latencies.append(answer.at - t)

    k = 0
    start = time.monotonic()
    while not stop.is_set():
        waits.append(asyncio.create_task(one(k)))
        k += 1
        delay = start + k / rate - time.monotonic()
        if delay > 0:
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except TimeoutError:
                pass
    done = await asyncio.gather(*waits, return_exceptions=True)
    return sum(1 for d in done if isinstance(d, BaseException))


# -- the figures, from the stand-in's record -------------------------------------------------------------
_CREATE = re.compile(r"/channels/(\d+)/messages")


def rate_limit_floor(requests: list[tuple[str, str]]) -> tuple[float, float, float]:
    """(floor, global part, channel part) in seconds for (method, path) requests: the global limit
    lets ``GLOBAL_LIMIT`` through in any ``GLOBAL_PER`` seconds (so n requests take at least
    ``(ceil(n / limit) - 1) * per``), each channel ``CHANNEL_LIMIT`` creations in ``CHANNEL_PER``."""
    from tests.discord_standin.ratelimits import RateLimits

    bound = [p for _m, p in requests if not RateLimits.global_exempt(p)]
    global_floor = max(0, math.ceil(len(bound) / GLOBAL_LIMIT) - 1) * GLOBAL_PER
    creates = Counter(m.group(1) for method, p in requests if method == "POST" and (m := _CREATE.fullmatch(p)))
    channel_floor = max((max(0, math.ceil(n / CHANNEL_LIMIT) - 1) * CHANNEL_PER for n in creates.values()), default=0.0)
    return max(global_floor, channel_floor), global_floor, channel_floor


def judge(standin, pop: Population, before: int, t0: float) -> dict:
    peak = standin.requests[before:]
    accepted = [r for r in peak if r.status != 429]
    floor, global_floor, channel_floor = rate_limit_floor([(r.method, r.path) for r in accepted])
    posts: Counter = Counter()
    post_times: list[float] = []
    summaries: Counter = Counter()
    messages: list[float] = []
    names = {c.channel_id for c in pop.checkins}
    for r in accepted:
        m = _CREATE.fullmatch(r.path) if r.method == "POST" else None
        if m is None or r.status != 200:
            continue
        messages.append(r.at - t0)
        text = str(r.json)
        if m.group(1) in names and "Weekly check-in" in text:
            posts[m.group(1)] += 1
            post_times.append(r.at - t0)
        elif (s := re.search(r"Your week in #(checkin-\d+)", text)) is not None:
            summaries[(s.group(1), m.group(1))] += 1
    buckets = Counter(f"{r.response_headers.get('X-RateLimit-Scope', '?')}:{r.method} {_template(r.path)}"
                      for r in peak if r.status == 429)
    last = max(messages, default=float("nan"))
    return {"requests": len(accepted), "global_bound": sum(1 for r in accepted if not r.path.startswith(("/interactions/", "/webhooks/"))),
            "floor_s": floor, "global_floor_s": global_floor, "channel_floor_s": channel_floor,
            "last_message_s": last, "last_post_s": max(post_times, default=float("nan")),
            "ratio": last / floor if floor else float("nan"),
            "posts_due": len(pop.checkins), "posts": sum(posts.values()),
            "duplicates": sum(n - 1 for n in posts.values() if n > 1), "missing": len(pop.checkins) - len(posts),
            "summaries_due": pop.loggers, "summaries": sum(summaries.values()),
            "summary_duplicates": sum(n - 1 for n in summaries.values() if n > 1),
            "429s": dict(buckets), "429s_beyond_first": sum(n - 1 for n in buckets.values()),
            "post_times": sorted(post_times)}


def _template(path: str) -> str:
    return re.sub(r"/\d{5,}", "/{id}", path)


# -- all configurations ---------------------------------------------------------------------------------
CONFIGS = {"sqlite-1": Config("SQLite, 1 process", "sqlite", 1),
           "pg-1": Config("PostgreSQL, 1 process", "postgresql", 1),
           "pg-2": Config("PostgreSQL, 2 processes", "postgresql", 2),
           "pg-3": Config("PostgreSQL, 3 processes", "postgresql", 3)}
TARGETED = {"sqlite-1", "pg-2"}   # the ratio target applies to these


async def run_peak(args, tmp: Path) -> dict:
    from storage.postgres import scratch_database

    wanted = [k.strip() for k in args.peak_configs.split(",") if k.strip()]
    if any(k.startswith("pg") for k in wanted) and not args.postgres:
        raise SystemExit("--peak with PostgreSQL configurations needs --postgres URL (or --peak-configs sqlite-1)")
    results = {"sizes": {"channels": args.peak_channels, "guilds": args.peak_guilds, "smallest": args.peak_min_members,
                         "largest": args.peak_max_members, "logged": args.peak_logged,
                         "command_rate": args.peak_command_rate, "chart_processes": args.peak_chart_processes},
               "load_before": os.getloadavg(), "runs": []}
    for key in wanted:
        cfg = CONFIGS[key]
        pop = population(args.peak_channels, args.peak_guilds, args.peak_min_members, args.peak_max_members,
                         args.peak_logged, cfg.processes)
        results["members"], results["loggers"] = pop.members, pop.loggers
        t = time.perf_counter()
        if cfg.backend == "sqlite":
            path = tmp / f"peak-{time.monotonic_ns()}.db"
            r = await run_config(cfg, pop, str(path), chart_processes=args.peak_chart_processes,
                                 command_rate=args.peak_command_rate)
        else:
            async with scratch_database(args.postgres, "peerpulse_bench_peak") as url:
                r = await run_config(cfg, pop, url, chart_processes=args.peak_chart_processes,
                                     command_rate=args.peak_command_rate)
        r["key"], r["wall_s"] = key, time.perf_counter() - t
        results["runs"].append(r)
        print(f"  peak {cfg.name}: last message at {r['last_message_s']:.1f} s (floor {r['floor_s']:.1f} s), "
              f"{r['wall_s']:.0f} s with set-up", flush=True)
    results["load_after"] = os.getloadavg()
    results["parent_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.peak_plot:
        plot(results, Path(args.peak_plot))
    return results


def plot(results: dict, path: Path) -> None:
    """Check-in posts over time, one line per configuration (matplotlib's object-oriented API on Agg)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for r in results["runs"]:
        times = r["post_times"]
        line, = ax.step([0.0, *times], range(len(times) + 1), where="post", label=f"{r['config']} "
                        f"(last message {r['last_message_s']:.0f} s, floor {r['floor_s']:.0f} s)")
        ax.axvline(r["floor_s"], color=line.get_color(), linestyle=":", linewidth=1)
    ax.set_xlabel("seconds since the check-ins fell due")
    ax.set_ylabel("check-in posts in their channels")
    s = results["sizes"]
    ax.set_title(f"Sunday peak: {s['channels']:,} check-ins in {s['guilds']:,} guilds, Discord's rate limits "
                 f"(dotted: each run's floor)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None})


def table(results: dict) -> str:
    s = results["sizes"]
    load = " / ".join(f"{x:.1f}" for x in results["load_before"]) + " before, " + \
        " / ".join(f"{x:.1f}" for x in results["load_after"]) + " after"
    lines = [f"Sunday peak — {os.cpu_count()} cores; load average (1/5/15 min) {load}",
             f"{s['channels']:,} check-ins due at the same minute in {s['guilds']:,} guilds, {results['members']:,} members "
             f"({s['smallest']}–{s['largest']} per check-in, Pareto spread); {results['loggers']:,} logged this week "
             f"(share {s['logged']}; at least one per check-in) and get a summary; {s['chart_processes']} chart workers a "
             f"process; members type {s['command_rate']:g} commands a second during the peak.", "",
             "| configuration | last message (last post) | rate-limit floor | ratio | 429s (beyond the first of a bucket) "
             "| chart CPU | peak RSS bot / chart worker | posts once (dup / missing) | summaries once | commands p50 / p99 |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["runs"]:
        targeted = r["key"] in TARGETED
        ratio_ok = r["ratio"] <= 1.25
        once = r["duplicates"] == 0 and r["missing"] == 0
        summaries_ok = r["summaries"] == r["summaries_due"] and r["summary_duplicates"] == 0
        lines.append(
            f"| {r['config']} | {r['last_message_s']:.1f} s ({r['last_post_s']:.1f} s) | {r['floor_s']:.1f} s "
            f"({r['global_bound']:,} requests under the global limit) | {r['ratio']:.2f} "
            f"{('ok' if ratio_ok else 'MISSED') if targeted else '(no target)'} | {sum(r['429s'].values())} "
            f"({r['429s_beyond_first']}) {'ok' if r['429s_beyond_first'] == 0 else 'MISSED'} | {r['chart_cpu_s']:.0f} s "
            f"| {r['rss_mb']:.0f} / {r['worker_rss_mb']:.0f} MB | {r['posts']:,}/{r['posts_due']:,} "
            f"({r['duplicates']} / {r['missing']}) {'ok' if once else 'MISSED'} | {r['summaries']:,}/{r['summaries_due']:,} "
            f"{'ok' if summaries_ok else 'MISSED'} | {r['command_p50_ms']:.0f} / {r['command_p99_ms']:.0f} ms "
            f"({r['commands']}, {r['unanswered']} unanswered) {'ok' if r['command_p99_ms'] < 100 and not r['unanswered'] else 'MISSED'} |")
    lines += ["", "targets: ratio <= 1.25 on SQLite 1 process and PostgreSQL 2 processes; 0 duplicates or missing; "
              "0 429s beyond the first of each bucket; member commands p99 < 100 ms."]
    for r in results["runs"]:
        if r["429s"]:
            lines.append(f"429s, {r['config']}: " + ", ".join(f"{k} ×{n}" for k, n in sorted(r["429s"].items())))
    total = sum(r["wall_s"] for r in results["runs"])
    lines.append("bot processes: " + "; ".join(
        f"{r['config']}: CPU {r['bot_cpu_s']:.0f} s, event-loop lag p99 {r['loop_lag_p99_ms']:.0f} ms (max "
        f"{r['loop_lag_max_ms']:.0f}), at most {r['runs_at_once']} runs at once" for r in results["runs"]))
    lines.append(f"wall time of the peak section: {total:.0f} s (set-up included)")
    return "\n".join(lines)
