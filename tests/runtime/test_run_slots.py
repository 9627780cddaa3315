"""bot.run_slots: at most N runs at once, the waiting ones admitted by (due time, key), never by arrival."""

from __future__ import annotations

import asyncio

import pytest

from bot.run_slots import RunSlots


async def _run_all(slots: RunSlots, orders: list, hold: asyncio.Event) -> list:
    admitted: list = []

    async def one(order) -> None:
        async with slots.turn(order):
            admitted.append(order)
            await hold.wait()

    tasks = [asyncio.create_task(one(o)) for o in orders]
    for _ in range(5):
        await asyncio.sleep(0)
    return admitted, tasks


async def test_no_more_than_the_limit_run_at_once_and_the_waiting_go_smallest_order_first():
    slots = RunSlots(2)
    hold = asyncio.Event()
    # They arrive latest-due first: the first two take the free slots, the rest wait and go by order.
    arrivals = [(3, "c"), (2, "b"), (9, "z"), (1, "a"), (5, "e"), (1, "b")]
    admitted, tasks = await _run_all(slots, arrivals, hold)
    assert admitted == [(3, "c"), (2, "b")] and slots.running == 2
    hold.set()
    await asyncio.gather(*tasks)
    assert admitted == [(3, "c"), (2, "b"), (1, "a"), (1, "b"), (5, "e"), (9, "z")]
    assert slots.most == 2 and slots.running == 0


async def test_equal_orders_keep_their_arrival_order():
    slots = RunSlots(1)
    hold = asyncio.Event()
    admitted, tasks = await _run_all(slots, [(0, "first")] + [(1, "same")] * 3, hold)
    hold.set()
    await asyncio.gather(*tasks)
    assert admitted == [(0, "first"), (1, "same"), (1, "same"), (1, "same")]


async def test_a_cancelled_waiter_takes_no_slot_and_the_others_still_run():
    slots = RunSlots(1)
    hold = asyncio.Event()
    admitted, tasks = await _run_all(slots, [0, 1, 2], hold)
    tasks[1].cancel()
    await asyncio.sleep(0)
    hold.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[1], asyncio.CancelledError)
    assert admitted == [0, 2] and slots.running == 0


async def test_a_run_that_fails_gives_its_slot_back():
    slots = RunSlots(1)
    with pytest.raises(ValueError):
        async with slots.turn(0):
            raise ValueError("the run failed")
    async with slots.turn(1):
        assert slots.running == 1
    assert slots.running == 0


async def test_posts_are_handed_over_in_admission_order_however_long_each_took_to_build():
    slots = RunSlots(3)
    handed: list[str] = []

    async def run(name: str, build_seconds: float) -> None:
        async with slots.turn(name) as ticket:
            await asyncio.sleep(build_seconds)   # the first admitted is the slowest to build
            await slots.wait_to_post(ticket)
            slots.posted(ticket)
            handed.append(name)

    await asyncio.gather(run("a", 0.05), run("b", 0.0), run("c", 0.01), run("d", 0.0))
    assert handed == ["a", "b", "c", "d"]


async def test_a_run_that_posts_nothing_holds_nobody_up():
    slots = RunSlots(2)
    handed: list[str] = []

    async def quiet() -> None:
        async with slots.turn(0):
            await asyncio.sleep(0.01)            # ends without a channel post

    async def poster() -> None:
        async with slots.turn(1) as ticket:
            await slots.wait_to_post(ticket)
            handed.append("posted")

    await asyncio.wait_for(asyncio.gather(quiet(), poster()), 2)
    assert handed == ["posted"]
