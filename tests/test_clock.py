"""The clock the client side reads and waits through: the real one reads the real clocks,
and the tests' FakeClock lets virtual time pass only when something sleeps on it, waking
concurrent sleepers in deadline order, each at exactly its own deadline."""

from __future__ import annotations

import asyncio
import time

import pytest

from centra_provision.clock import SYSTEM_CLOCK, Clock
from tests.support.clock import START_MONOTONIC, START_WALL, FakeClock


def test_the_system_clock_is_the_real_one() -> None:
    before = (time.monotonic(), time.time())
    reading = (SYSTEM_CLOCK.monotonic(), SYSTEM_CLOCK.time())
    assert before[0] <= reading[0] <= time.monotonic()
    assert before[1] <= reading[1] <= time.time()
    started = time.monotonic()
    asyncio.run(SYSTEM_CLOCK.sleep(0.02))
    assert time.monotonic() - started >= 0.015  # it really waits


def test_fake_time_stands_still_until_something_sleeps() -> None:
    clock: Clock = FakeClock()
    assert (clock.monotonic(), clock.time()) == (START_MONOTONIC, START_WALL)
    time.sleep(0.01)
    assert (clock.monotonic(), clock.time()) == (START_MONOTONIC, START_WALL)


def test_a_sleep_advances_both_clocks_by_exactly_its_amount() -> None:
    clock = FakeClock()
    started = time.monotonic()
    asyncio.run(clock.sleep(3600.0))
    assert time.monotonic() - started < 1.0  # an hour, in no real time
    assert clock.monotonic() == START_MONOTONIC + 3600.0
    assert clock.time() == START_WALL + 3600.0
    assert clock.elapsed == 3600.0 and clock.sleeps == [3600.0]


def test_a_non_positive_sleep_only_yields() -> None:
    clock = FakeClock()
    asyncio.run(clock.sleep(0.0))
    asyncio.run(clock.sleep(-1.0))
    assert clock.elapsed == 0.0 and clock.sleeps == [0.0, -1.0]


def test_the_tiniest_sleep_still_lets_time_pass() -> None:
    """1e-16 s added to 1000.0 is 1000.0 in floating point: a limiter waiting for the last
    speck of a token would then spin for ever on a clock that never moves."""
    clock = FakeClock()
    asyncio.run(clock.sleep(1e-16))
    assert clock.monotonic() > START_MONOTONIC


def woken(clock: FakeClock, *plans: tuple[str, list[float]]) -> list[tuple[str, float]]:
    """Run one coroutine per plan, all at once, each sleeping its list of seconds in turn;
    returns (name, elapsed) at every wake, in the order the wakes happened."""
    seen: list[tuple[str, float]] = []

    async def sleeper(name: str, waits: list[float]) -> None:
        for seconds in waits:
            await clock.sleep(seconds)
            seen.append((name, clock.elapsed))

    async def main() -> None:
        await asyncio.gather(*(sleeper(name, waits) for name, waits in plans))

    asyncio.run(main())
    return seen


def test_concurrent_sleepers_wake_in_deadline_order_at_their_own_deadlines() -> None:
    """Not one after the other: a 5 s and a 3 s sleep started together take 5 s, not 8."""
    clock = FakeClock()
    assert woken(clock, ("long", [5.0]), ("short", [3.0])) == [("short", 3.0), ("long", 5.0)]
    assert clock.elapsed == 5.0


def test_a_sleeper_that_sleeps_again_interleaves_with_the_others() -> None:
    clock = FakeClock()
    seen = woken(clock, ("ticker", [1.0, 1.0, 1.0]), ("once", [2.5]))
    assert seen == [("ticker", 1.0), ("ticker", 2.0), ("once", 2.5), ("ticker", 3.0)]


def test_sleepers_with_one_deadline_wake_in_the_order_they_slept() -> None:
    clock = FakeClock()
    seen = woken(clock, ("a", [2.0]), ("b", [2.0]), ("c", [1.0, 1.0]))
    assert seen == [("c", 1.0), ("a", 2.0), ("b", 2.0), ("c", 2.0)]


def test_time_does_not_move_while_another_coroutine_can_still_run() -> None:
    """A coroutine with work to do before it sleeps gets to sleep from the time it started
    at; a clock that jumped as soon as the first sleeper slept would wake it at 3, not 1."""
    clock = FakeClock()
    seen: list[tuple[str, float]] = []

    async def busy() -> None:
        for _ in range(200):
            await asyncio.sleep(0)  # work, one loop pass at a time
        await clock.sleep(1.0)
        seen.append(("busy", clock.elapsed))

    async def idle() -> None:
        await clock.sleep(2.0)
        seen.append(("idle", clock.elapsed))

    async def main() -> None:
        await asyncio.gather(idle(), busy())

    asyncio.run(main())
    assert seen == [("busy", 1.0), ("idle", 2.0)]


def test_a_sleeper_behind_a_lock_sleeps_from_when_it_got_the_lock() -> None:
    """The client limiter's pattern: one caller sleeps holding the lock, the next sleeps
    once it has it; a third coroutine sleeping meanwhile wakes in between."""
    clock = FakeClock()
    lock = asyncio.Lock()
    seen: list[tuple[str, float]] = []

    async def caller(name: str) -> None:
        async with lock:
            await clock.sleep(1.0)
            seen.append((name, clock.elapsed))

    async def other() -> None:
        await clock.sleep(1.5)
        seen.append(("other", clock.elapsed))

    async def main() -> None:
        await asyncio.gather(caller("first"), caller("second"), other())

    asyncio.run(main())
    assert seen == [("first", 1.0), ("other", 1.5), ("second", 2.0)]


def in_flight(clock: FakeClock) -> float:
    """How much virtual time passed while a coroutine awaited real I/O (a 5 ms reply) as
    another slept 1 s on the clock."""
    during: list[float] = []

    async def request() -> None:
        await asyncio.sleep(0.005)  # the loop is idle: a reply on its way
        during.append(clock.elapsed)

    async def main() -> None:
        await asyncio.gather(clock.sleep(1.0), request())

    asyncio.run(main())
    return during[0]


def test_without_a_grace_io_in_flight_takes_virtual_time() -> None:
    assert in_flight(FakeClock()) == 1.0


def test_a_grace_lets_io_in_flight_land_before_time_moves() -> None:
    clock = FakeClock(io_grace=0.1)
    assert in_flight(clock) == 0.0
    assert clock.elapsed == 1.0


def test_a_cancelled_sleeper_neither_wakes_nor_holds_time_back() -> None:
    clock = FakeClock()

    async def main() -> None:
        forever = asyncio.create_task(clock.sleep(600.0))
        await clock.sleep(1.0)
        forever.cancel()
        with pytest.raises(asyncio.CancelledError):
            await forever
        await clock.sleep(1.0)

    asyncio.run(main())
    assert clock.elapsed == 2.0  # never 600


def test_one_clock_serves_one_event_loop_after_another() -> None:
    """Each `asyncio.run` (each command's session) is a new loop; time carries on."""
    clock = FakeClock()
    asyncio.run(clock.sleep(1.0))
    assert woken(clock, ("a", [2.0]), ("b", [1.0])) == [("b", 2.0), ("a", 3.0)]


def test_advance_lets_time_pass_with_nobody_sleeping() -> None:
    clock = FakeClock()
    clock.advance(9.5)
    assert (clock.elapsed, clock.time()) == (9.5, START_WALL + 9.5)
    assert clock.sleeps == []  # advancing is not a wait anybody asked for


def test_advance_is_refused_while_somebody_sleeps() -> None:
    clock = FakeClock()

    async def main() -> None:
        sleeping = asyncio.create_task(clock.sleep(5.0))
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="sleepers pending"):
            clock.advance(1.0)
        await sleeping

    asyncio.run(main())
    assert clock.elapsed == 5.0
