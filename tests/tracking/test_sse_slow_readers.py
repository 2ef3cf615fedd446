"""The broadcaster behind /live/stream: one wake-up per loop, slow readers dropped, ids and replay."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
import time
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import Any

from miglia.tracking.broadcast import QUEUE_SIZE, REPLAY_SIZE, Broadcaster, Subscriber


class Wakeups:
    """Counts the `call_soon_threadsafe` calls made on a loop (each one writes to its self-pipe)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.count = 0
        real = loop.call_soon_threadsafe

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign]


def frames(text: str) -> list[dict[str, Any]]:
    """SSE text as its frames: `id` as an int, `data` decoded."""
    found = []
    for block in text.split("\n\n"):
        if not block:
            continue
        frame: dict[str, Any] = {}
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            frame[field] = int(value) if field == "id" else json.loads(value) if field == "data" else value
        found.append(frame)
    return found


async def settle() -> None:
    """Let the callbacks already handed to this loop run."""
    await asyncio.sleep(0)
    await asyncio.sleep(0)


async def take(sub: Subscriber, count: int) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    while len(got) < count:
        message = await asyncio.wait_for(sub.get(), 10)
        assert message is not None
        got += frames(message)
    return got


def run(scenario: Coroutine[Any, Any, None]) -> None:
    """In a thread of its own: the browser tests' Playwright keeps an event loop running in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario).result()


def test_readers_that_never_read_are_dropped_and_cost_nothing_after() -> None:
    async def scenario() -> None:
        bus = Broadcaster(last_id=0)
        wakeups = Wakeups(asyncio.get_running_loop())
        async with AsyncExitStack() as stack:
            subs = [await stack.enter_async_context(bus.subscribe()) for _ in range(300)]
            for n in range(QUEUE_SIZE):
                bus.publish("position", {"n": n})
            await settle()
            # one wake-up per publish for all 300, and a full queue is not yet behind
            assert (bus.subscribers, bus.dropped, wakeups.count) == (300, 0, QUEUE_SIZE)

            bus.publish("position", {"n": QUEUE_SIZE})
            await settle()
            assert (bus.subscribers, bus.dropped, wakeups.count) == (0, 300, QUEUE_SIZE + 1)
            assert all(sub.dropped for sub in subs)
            assert [await sub.get() for sub in subs] == [None] * 300  # their streams end

            bus.publish("position", {"n": 0})
            await settle()
            assert wakeups.count == QUEUE_SIZE + 1  # no subscriber left on the loop: nothing to wake

    run(scenario())


def test_a_reader_that_keeps_up_gets_every_message_in_order_beside_a_dropped_one() -> None:
    async def scenario() -> None:
        bus = Broadcaster(last_id=0)
        async with bus.subscribe() as fast, bus.subscribe() as slow:
            got: list[dict[str, Any]] = []
            total = 2 * QUEUE_SIZE  # the slow one never reads: a full queue behind half-way through
            for chunk in range(0, total, 100):
                for n in range(chunk, min(chunk + 100, total)):
                    bus.publish("position", {"n": n})
                got += await take(fast, min(100, total - chunk))
            assert slow.dropped and await slow.get() is None
            assert (bus.subscribers, bus.dropped) == (1, 1)
        assert [f["id"] for f in got] == list(range(1, total + 1))
        assert [f["data"]["n"] for f in got] == list(range(total))
        assert {f["event"] for f in got} == {"position"}

    run(scenario())


def test_a_reader_waiting_when_a_burst_overflows_its_queue_wakes_up_to_an_end() -> None:
    async def scenario() -> None:
        bus = Broadcaster(last_id=0)
        async with bus.subscribe() as sub:
            waiting = asyncio.create_task(sub.get())
            await settle()
            for n in range(QUEUE_SIZE + 1):  # all delivered in one turn of the loop
                bus.publish("position", {"n": n})
            assert await waiting is None
            assert (bus.subscribers, bus.dropped) == (0, 1)

    run(scenario())


def test_each_loop_is_woken_once_per_publish_whatever_its_subscribers() -> None:
    bus = Broadcaster(last_id=0)
    ready = [threading.Event(), threading.Event()]
    heard: list[tuple[int, list[list[dict[str, Any]]]]] = []

    async def listen(ready: threading.Event) -> None:
        wakeups = Wakeups(asyncio.get_running_loop())
        async with AsyncExitStack() as stack:
            subs = [await stack.enter_async_context(bus.subscribe()) for _ in range(50)]
            ready.set()
            got = [await take(sub, 3) for sub in subs]
        heard.append((wakeups.count, got))

    threads = [threading.Thread(target=asyncio.run, args=(listen(r),)) for r in ready]
    for thread in threads:
        thread.start()
    assert all(r.wait(10) for r in ready)
    assert bus.subscribers == 100
    bus.publish("alert", {"n": 0})
    bus.publish_many("position", [{"n": 1}, {"n": 2}])
    for thread in threads:
        thread.join(10)

    expected = [
        {"id": 1, "event": "alert", "data": {"n": 0}},
        {"id": 2, "event": "position", "data": {"n": 1}},
        {"id": 3, "event": "position", "data": {"n": 2}},
    ]
    assert [count for count, _ in heard] == [2, 2]
    assert all(got == [expected] * 50 for _, got in heard)


def test_a_reconnect_is_sent_the_alerts_and_results_it_missed() -> None:
    async def scenario() -> None:
        bus = Broadcaster(last_id=0)
        bus.publish("position", {"n": 1})
        bus.publish("alert", {"n": 2})
        bus.publish_many("results", [{"n": 3}, {"n": 4}])
        bus.publish("position", {"n": 5})
        bus.publish("alert", {"n": 6})

        async def catch_up(last_event_id: str | None) -> list[dict[str, Any]]:
            async with bus.subscribe(last_event_id) as sub:
                assert sub.after == 6
                return frames(sub.catch_up())

        now = {"id": 6}  # last: the id the client is at once caught up
        assert await catch_up("2") == [
            {"id": 3, "event": "results", "data": {"n": 3}},
            {"id": 4, "event": "results", "data": {"n": 4}},
            {"id": 6, "event": "alert", "data": {"n": 6}},
            now,
        ]
        assert await catch_up("5") == [{"id": 6, "event": "alert", "data": {"n": 6}}, now]
        assert await catch_up("6") == [now]
        assert [f.get("data") for f in await catch_up("0")] == [{"n": 2}, {"n": 3}, {"n": 4}, {"n": 6}, None]
        # no id, or one this process never gave (a typo, the future): the snapshot alone
        for unknown in (None, "", "7", "-1", "abc"):
            assert await catch_up(unknown) == [now]

    run(scenario())


def test_a_reconnect_from_before_the_kept_events_gets_the_snapshot_alone() -> None:
    async def scenario() -> None:
        bus = Broadcaster(last_id=0)
        bus.publish_many("alert", [{"n": n} for n in range(1, REPLAY_SIZE + 11)])  # ids 1..2010
        async with bus.subscribe("9") as lost, bus.subscribe("10") as kept, bus.subscribe("2005") as late:
            assert lost.missed is None
            assert [f["id"] for f in frames(kept.catch_up())] == [
                *range(11, REPLAY_SIZE + 11),
                REPLAY_SIZE + 10,
            ]
            assert [f["id"] for f in frames(late.catch_up())] == [2006, 2007, 2008, 2009, 2010, 2010]

    run(scenario())


def test_a_message_in_flight_when_a_client_subscribes_is_not_sent_twice() -> None:
    async def scenario() -> None:
        bus = Broadcaster(last_id=0)
        async with bus.subscribe() as earlier:
            bus.publish("alert", {"n": 1})  # handed to the loop, not yet delivered
            async with bus.subscribe("0") as joining:
                assert [f.get("id") for f in frames(joining.catch_up())] == [1, 1]
                bus.publish("alert", {"n": 2})
                assert [f["id"] for f in await take(joining, 1)] == [2]
                assert [f["id"] for f in await take(earlier, 2)] == [1, 2]

    run(scenario())


def test_a_reconnect_with_an_id_from_an_earlier_process_gets_every_kept_event() -> None:
    before = time.time_ns() // 1_000
    assert Broadcaster().last_id >= before  # ids go on from the start time: an earlier process's are older

    async def scenario() -> None:
        bus = Broadcaster(last_id=1_000)
        bus.publish("results", {"event_id": 1})
        async with bus.subscribe("17") as sub:
            assert frames(sub.catch_up()) == [
                {"id": 1_001, "event": "results", "data": {"event_id": 1}},
                {"id": 1_001},
            ]

    run(scenario())
