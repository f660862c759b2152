"""The event hub against a real Redis: ids from the event log, resuming after Last-Event-ID
(from the ring, from the log, or not at all), no repeats between the replay and what is queued,
one HA-state read shared by viewers arriving together, jittered retry, slow viewers dropped."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
import redis.asyncio as aioredis

from tests.support.wait import eventually
from trafficha.apps.data_api import hub as hub_module
from trafficha.apps.data_api.hub import (
    FAN_OUT_SLICE,
    QUEUE_SIZE,
    RETRY_MS,
    EventHub,
    frame,
    parse_event_id,
)
from trafficha.events import EVENT_LOG_MAX, CommitEvent, publish_event
from trafficha.services.hastatus import read_ha_state
from trafficha.streams.keys import StreamKeys

SERVED_BY = "member1/gateway"


def commit(n: int, *, inserted: int = 1) -> CommitEvent:
    return CommitEvent(
        kind="accidents", batch_id=f"b-{n}", inserted=inserted, duplicates=0, version=n
    )


class Frames:
    """Reads one viewer's stream frame by frame: (id or None, event, data)."""

    def __init__(self, stream: AsyncIterator[bytes]) -> None:
        self.stream = stream
        self.retry_ms: int | None = None

    async def next(self) -> tuple[str | None, str, dict[str, Any]]:
        while True:
            chunk = await asyncio.wait_for(anext(self.stream), 5)
            if chunk.startswith(b":"):
                continue  # keep-alive
            text = chunk.decode()
            if retry := re.match(r"retry: (\d+)\n\n", text):
                self.retry_ms = int(retry[1])
                text = text[retry.end() :]
            fields = dict(line.split(": ", 1) for line in text.strip().split("\n"))
            return fields.get("id"), fields["event"], msgspec.json.decode(fields["data"])


@pytest.fixture
def keys(namespace: str) -> StreamKeys:
    return StreamKeys(stream=f"{namespace}:stream")


@pytest.fixture
async def hub(redis_client: aioredis.Redis, keys: StreamKeys) -> AsyncIterator[EventHub]:
    running = EventHub(redis_client, keys, SERVED_BY)
    running.start()
    await asyncio.wait_for(running.subscribed.wait(), 5)
    yield running
    await running.close()


async def relayed(hub: EventHub, count: int) -> None:
    async def done() -> bool:
        return hub.relayed >= count

    await eventually(done, timeout=5, interval=0.01)


async def publish(redis: aioredis.Redis, keys: StreamKeys, *ns: int) -> list[str]:
    for n in ns:
        await publish_event(redis, keys, commit(n))
    logged: Any = await redis.xrevrange(keys.events_log, count=len(ns))
    return [entry[0].decode() for entry in reversed(logged)]


def test_event_ids_parse_only_as_log_ids() -> None:
    assert parse_event_id("1700000000000-3") == (1700000000000, 3)
    assert parse_event_id(b" 5-0 ") == (5, 0)
    for bad in (None, "", "5", "-1-0", "5-x", "5-0-1", "9" * 21 + "-0"):
        assert parse_event_id(bad) is None, bad


async def test_frames_carry_log_ids_and_a_jittered_retry(
    hub: EventHub, redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    retries = set()
    for _ in range(8):
        viewer = Frames(hub.stream())
        _, event, hello = await viewer.next()
        assert (event, hello["resumed"], hello["servedBy"]) == ("hello", False, SERVED_BY)
        assert viewer.retry_ms is not None
        assert RETRY_MS[0] <= viewer.retry_ms <= RETRY_MS[1]
        retries.add(viewer.retry_ms)
        await viewer.stream.aclose()  # type: ignore[attr-defined]
    assert len(retries) > 1, "every stream got the same retry: no jitter"

    viewer = Frames(hub.stream())
    await viewer.next()
    [logged] = await publish(redis_client, keys, 1)
    event_id, event, data = await viewer.next()
    assert (event_id, event, data["batchId"]) == (logged, "commit", "b-1")


async def test_a_viewer_resumes_after_its_last_event_id_from_the_ring(
    hub: EventHub, redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    first = Frames(hub.stream())
    await first.next()
    ids = await publish(redis_client, keys, 1, 2, 3, 4)
    seen = [await first.next() for _ in range(4)]
    assert [s[0] for s in seen] == ids

    # Gone after the second event; back (to this hub or another) with its id.
    back = Frames(hub.stream(ids[1]))
    _, event, hello = await back.next()
    assert (event, hello["resumed"]) == ("hello", True)
    assert [(await back.next())[2]["batchId"] for _ in range(2)] == ["b-3", "b-4"]
    # Then live events, each once.
    [fifth] = await publish(redis_client, keys, 5)
    assert (await back.next())[0] == fifth
    assert hub.resumed == 1


async def test_a_new_hub_resumes_a_viewer_from_the_log(
    redis_client: aioredis.Redis, keys: StreamKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A ring of 2: the viewer's id is older than what the fresh hub holds, so the log is read.
    monkeypatch.setattr(hub_module, "RING_SIZE", 2)
    ids = await publish(redis_client, keys, 1, 2, 3, 4, 5)
    fresh = EventHub(redis_client, keys, "member2/gateway")
    fresh.start()
    try:
        await asyncio.wait_for(fresh.subscribed.wait(), 5)
        viewer = Frames(fresh.stream(ids[0]))
        _, _, hello = await viewer.next()
        assert (hello["resumed"], hello["servedBy"]) == (True, "member2/gateway")
        replayed = [await viewer.next() for _ in range(4)]
        assert [r[0] for r in replayed] == ids[1:]
    finally:
        await fresh.close()


async def test_a_viewer_the_log_cannot_resume_starts_afresh(
    hub: EventHub, redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    ids = await publish(redis_client, keys, 1, 2)
    await relayed(hub, 2)
    oldest = parse_event_id(ids[0])
    assert oldest is not None
    cases = {
        "trimmed": f"{oldest[0] - 1}-0",  # before the log's first entry: a gap
        "from the future": f"{oldest[0] + 10**9}-0",
        "not an id": "garbage",
    }
    for what, last_event_id in cases.items():
        viewer = Frames(hub.stream(last_event_id))
        _, event, hello = await viewer.next()
        assert (event, hello["resumed"]) == ("hello", False), what
        # Nothing replayed, and live events still come.
        [live] = await publish(redis_client, keys, 10)
        assert (await viewer.next())[0] == live, what
        await viewer.stream.aclose()  # type: ignore[attr-defined]
    assert hub.resumed == 0


async def test_the_log_is_capped(
    redis_client: aioredis.Redis, keys: StreamKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(EVENT_LOG_MAX + 500):
        await redis_client.xadd(keys.events_log, {b"e": b"{}"})
        if n % 1000 == 0:
            await publish_event(redis_client, keys, commit(n))
    await publish_event(redis_client, keys, commit(0))
    # Approximate trimming: within a node's worth of the bound.
    assert EVENT_LOG_MAX <= await redis_client.xlen(keys.events_log) <= EVENT_LOG_MAX + 200


async def test_events_both_replayed_and_queued_come_once(
    hub: EventHub, redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    ids = await publish(redis_client, keys, 1, 2)
    await relayed(hub, 2)
    stream = hub.stream(ids[0])
    hello = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)  # one turn: the viewer is queued and its replay taken
    # An event it will also get in its replay reaches its queue meanwhile (as one that lands
    # while the log is read does): sent once.
    again = parse_event_id(ids[1])
    await hub.fan_out(frame("commit", b'{"again":true}', ids[1].encode()), again)
    assert b"event: hello" in await hello
    viewer = Frames(stream)
    assert (await viewer.next())[0] == ids[1]
    [third] = await publish(redis_client, keys, 3)
    assert (await viewer.next())[0] == third


async def test_viewers_arriving_together_share_one_ha_read(
    hub: EventHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = 0
    real = read_ha_state

    async def counted(*args: Any) -> Any:
        nonlocal reads
        reads += 1
        return await real(*args)

    monkeypatch.setattr(hub_module, "read_ha_state", counted)
    viewers = [Frames(hub.stream()) for _ in range(200)]
    hellos = await asyncio.gather(*(v.next() for v in viewers))
    assert {h[1] for h in hellos} == {"hello"}
    assert reads == 1
    # An event makes the shared read old: the next viewer reads again.
    await hub.fan_out(frame("commit", b"{}"))
    await Frames(hub.stream()).next()
    assert reads == 2


async def test_a_slow_viewer_is_dropped(redis_client: aioredis.Redis, keys: StreamKeys) -> None:
    hub = EventHub(redis_client, keys, SERVED_BY)
    slow = hub.stream()
    assert b"event: hello" in await anext(slow)
    assert hub.clients == 1
    for n in range(QUEUE_SIZE + 1):
        await hub.fan_out(frame("commit", b'{"n":%d}' % n))
    assert (hub.clients, hub.dropped) == (0, 1)
    # What it had not read is gone with it, and its stream ends.
    assert [chunk async for chunk in slow] == []


async def test_a_fresh_hello_carries_the_newest_id_so_an_early_break_resumes(
    hub: EventHub, redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    ids = await publish(redis_client, keys, 1, 2)
    await relayed(hub, 2)
    viewer = Frames(hub.stream())
    hello_id, event, hello = await viewer.next()
    assert (hello_id, event, hello["resumed"]) == (ids[-1], "hello", False)
    await viewer.stream.aclose()  # type: ignore[attr-defined]
    # Broken before any event came: what was published meanwhile is replayed from the hello's id.
    [third] = await publish(redis_client, keys, 3)
    await relayed(hub, 3)
    back = Frames(hub.stream(hello_id))
    resumed_id, _, again = await back.next()
    assert (resumed_id, again["resumed"]) == (None, True)  # keeps the id it sent
    assert (await back.next())[0] == third


async def test_a_quiet_hub_sends_every_viewer_a_keep_alive(
    redis_client: aioredis.Redis, keys: StreamKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "KEEPALIVE", 0.2)
    quiet = EventHub(redis_client, keys, SERVED_BY)
    quiet.start()
    try:
        streams = [quiet.stream() for _ in range(3)]
        for stream in streams:
            assert b"event: hello" in await anext(stream)
        for stream in streams:
            assert await asyncio.wait_for(anext(stream), 5) == hub_module.KEEPALIVE_FRAME
    finally:
        await quiet.close()


async def test_a_frame_reaches_a_large_audience_in_slices_that_let_the_loop_run(
    redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    hub = EventHub(redis_client, keys, SERVED_BY)
    viewers = [hub.stream() for _ in range(2 * FAN_OUT_SLICE + 50)]
    for viewer in viewers:
        await anext(viewer)
    turns = 0

    async def meanwhile() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    other = asyncio.ensure_future(meanwhile())
    await asyncio.sleep(0)
    before = turns
    await hub.fan_out(frame("commit", b"{}"))
    # Three slices: the other task ran between them (it would not have in one sweep).
    assert turns - before >= 2
    other.cancel()
    assert [await anext(v) for v in viewers] == [frame("commit", b"{}")] * len(viewers)
