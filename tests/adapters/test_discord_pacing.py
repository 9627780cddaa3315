"""The pacer against Discord's way of counting: a request counts when it *reaches* Discord, which under
load is some time after the bot let it go. These drive :class:`bot.adapters.discord_pacing.Pacer` the way
aiohttp's hooks do (acquire as the request starts, release when its answer is back) with a transit
delay between the two, and count arrivals as Discord's sliding window does."""

from __future__ import annotations

import asyncio
import random
import time

from bot.adapters.discord_pacing import Pacer

PER = 0.2          # a short clock: the window, in seconds
RATE = 10          # requests per window, for the bot token


def most_in_any_window(arrivals: list[float], per: float = PER) -> int:
    """The most arrivals in any half-open window (t - per, t], as the stand-in counts."""
    arrivals = sorted(arrivals)
    most, first = 0, 0
    for i, t in enumerate(arrivals):
        while arrivals[first] <= t - per:
            first += 1
        most = max(most, i - first + 1)
    return most


async def _request(pacer: Pacer, arrivals: list[float], transit: float, back: float, *,
                   count_send_times: bool = False) -> None:
    held = await pacer.acquire("POST", "/channels/1/typing")
    if count_send_times:          # the control: a window kept on send times alone
        pacer.release(held)
    await asyncio.sleep(transit)  # on its way: Discord counts it when it gets there
    arrivals.append(time.monotonic())
    await asyncio.sleep(back)     # the answer on its way back
    if not count_send_times:
        pacer.release(held)


async def _burst(pacer: Pacer, transits: list[float], **kw) -> list[float]:
    arrivals: list[float] = []
    await asyncio.gather(*(_request(pacer, arrivals, t, 0.005, **kw) for t in transits))
    return arrivals


# The first window's requests are held up on their way (a stalled loop), the later ones are not.
STALLED = [0.15] * RATE + [0.0] * (2 * RATE)


async def test_requests_held_up_on_their_way_never_add_up_to_more_than_the_limit_where_discord_counts() -> None:
    arrivals = await _burst(Pacer(rate=RATE, per=PER), STALLED)
    assert len(arrivals) == 3 * RATE
    assert most_in_any_window(arrivals) <= RATE


async def test_the_control_a_window_of_send_times_lets_held_up_requests_arrive_in_a_burst() -> None:
    """Without holding a place until the answer, the same traffic meets Discord's limit (so the test
    above can fail)."""
    arrivals = await _burst(Pacer(rate=RATE, per=PER), STALLED, count_send_times=True)
    assert most_in_any_window(arrivals) > RATE


async def test_two_processes_sharing_a_token_stay_within_it_together_with_random_delays() -> None:
    rng = random.Random(25)
    pacers = [Pacer(rate=RATE, processes=2, per=PER) for _ in range(2)]
    bursts = await asyncio.gather(*(_burst(p, [rng.choice((0.0, 0.0, 0.02, 0.12)) for _ in range(25)])
                                    for p in pacers))
    arrivals = [t for burst in bursts for t in burst]
    assert len(arrivals) == 50
    assert most_in_any_window(arrivals) <= RATE


async def test_a_request_given_up_while_waiting_gives_its_place_back() -> None:
    pacer = Pacer(rate=2, per=PER)
    first = [await pacer.acquire("GET", "/users/@me") for _ in range(2)]
    waiting = asyncio.create_task(pacer.acquire("GET", "/users/@me"))
    await asyncio.sleep(0.02)
    assert not waiting.done()                     # both places are in flight
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    for held in first:
        pacer.release(held)
    assert pacer.global_window.in_flight == 0
    # the channel window's place of a message creation cancelled while waiting for the global one
    cancelled = asyncio.create_task(pacer.acquire("POST", "/channels/7/messages"))
    await asyncio.sleep(0.02)
    cancelled.cancel()
    await asyncio.gather(cancelled, return_exceptions=True)
    assert pacer._channels["7"].in_flight == 0


async def test_answers_to_members_commands_are_not_paced() -> None:
    pacer = Pacer(rate=1, per=10.0)
    held = await pacer.acquire("GET", "/users/@me")
    started = time.monotonic()
    assert await pacer.acquire("POST", "/interactions/1/tok/callback") == ()
    assert await pacer.acquire("POST", "/webhooks/1/tok") == ()
    assert time.monotonic() - started < 1.0
    pacer.release(held)
