"""One bot process of tests/storage/test_postgres.py's multi-process test (not a test module itself).

    python tests/support/pg_worker.py URL NAME DIR START END [--pace SECONDS] [--stall-at N]

Opens the PostgreSQL database at URL with its own fake clock at START, attaches a console-like
transport that appends every channel post as a JSON line to DIR/posts.jsonl (one write per line, so
lines from several processes never mix), touches DIR/NAME.ready and waits for DIR/go. Then it moves
its clock to END in two-hour steps (sleeping up to --pace seconds between steps, so processes
interleave), running whatever falls due on the way. With --stall-at N its Nth channel post never
completes: it writes DIR/NAME.stalled (holding that post's header) and hangs there, holding its
claim, until the test kills it. At the end it waits for DIR/finish, then keeps moving its clock a
minute at a time (each move sweeps for stale claims) until no claim is left running: a claim that the
dead process left behind is retaken once the lease (--lease seconds of real time) has passed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.app import build_app  # noqa: E402
from bot.config import CheckinConfig, Config, PrivacyConfig  # noqa: E402
from bot.vocabulary.clock import FakeClock  # noqa: E402


class FileTransport:
    platform = "console"   # the community was made through the console adapter

    def __init__(self, name: str, folder: Path, stall_at: int | None):
        self.name, self.folder, self.stall_at = name, folder, stall_at
        self.posts = 0
        self._fd = os.open(folder / "posts.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def _append(self, record: dict) -> None:
        os.write(self._fd, (json.dumps(record) + "\n").encode())

    async def send(self, target, delivery) -> str | None:
        if target.kind != "channel":
            return None            # private summaries: not what this test counts
        self.posts += 1
        if self.posts == self.stall_at:
            (self.folder / f"{self.name}.stalled").write_text(delivery.text.splitlines()[0])
            await asyncio.Event().wait()   # hangs here, claim held, until SIGKILL
        message_id = f"{self.name}-{self.posts}"
        self._append({"worker": self.name, "channel": target.name, "id": message_id, "text": delivery.text})
        return message_id

    async def edit(self, target, message_id, delivery, keep_images=False) -> None:
        self._append({"worker": self.name, "channel": target.name, "edit": message_id, "text": delivery.text})

    async def delete(self, target, message_id) -> None:
        self._append({"worker": self.name, "channel": target.name, "delete": message_id})


async def wait_for(path: Path, seconds: float = 60) -> None:
    for _ in range(int(seconds / 0.02)):
        if path.exists():
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"{path.name} never appeared")


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    for name in ("url", "name", "dir", "start", "end"):
        parser.add_argument(name)
    parser.add_argument("--pace", type=float, default=0.0)
    parser.add_argument("--stall-at", type=int)
    parser.add_argument("--lease", type=float, default=3.0)
    args = parser.parse_args(argv)
    folder = Path(args.dir)
    start, end = datetime.fromisoformat(args.start), datetime.fromisoformat(args.end)
    clock = FakeClock(start)
    config = Config(privacy=PrivacyConfig(min_group_size=3), chart_processes=0,
                    checkins=CheckinConfig(grace_hours=24 * 30))   # a stale claim is retaken however late the sweep
    app = await build_app(config, clock, args.url)
    app.services.scheduler.lease = timedelta(seconds=args.lease)   # minutes in production; seconds here
    app.attach(FileTransport(args.name, folder, args.stall_at))
    await app.start()
    (folder / f"{args.name}.ready").touch()
    await wait_for(folder / "go")
    t = start
    while t < end:
        t = min(t + timedelta(hours=2), end)
        await app.advance_clock(clock, t)
        await asyncio.sleep(random.random() * args.pace)
    await wait_for(folder / "finish")
    db = app.services.db
    for _ in range(int(30 / 0.25)):
        await app.advance_clock(clock, clock.now() + timedelta(minutes=1))
        if not await db.fetchval("SELECT COUNT(*) FROM job_runs WHERE status='running'"):
            break
        await asyncio.sleep(0.25)
    else:
        raise TimeoutError("a claim is still running")
    await app.stop()
    (folder / f"{args.name}.done").touch()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
