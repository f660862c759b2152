"""Stream producer and consumer against a real redis-server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio as aioredis

from tests.support.records import accident, accident_batch
from trafficha.models import StreamEntry
from trafficha.streams import (
    RetryableError,
    StreamConsumer,
    StreamKeys,
    StreamProducer,
)
from trafficha.streams.scan import stream_entries

pytestmark = pytest.mark.integration


@pytest.fixture
def keys(namespace: str) -> StreamKeys:
    return StreamKeys(stream=f"{namespace}:stream", group=f"{namespace}:group")


class Recorder:
    """A handler that records batch ids, and can be told to fail for some of them."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.poison: set[str] = set()
        self.outage = False
        self.outage_hits = 0
        self.arrived = asyncio.Condition()

    async def __call__(self, batch: StreamEntry) -> None:
        if self.outage:
            async with self.arrived:
                self.outage_hits += 1
                self.arrived.notify_all()
            raise RetryableError("store down")
        if batch.batch_id in self.poison:
            raise ValueError(f"cannot store {batch.batch_id}")
        async with self.arrived:
            self.seen.append(batch.batch_id)
            self.arrived.notify_all()

    async def wait_for(self, count: int, timeout: float = 10) -> None:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.seen) >= count), timeout)

    async def wait_for_outage_hits(self, count: int, timeout: float = 10) -> None:
        async with self.arrived:
            await asyncio.wait_for(
                self.arrived.wait_for(lambda: self.outage_hits >= count), timeout
            )


async def publish(producer: StreamProducer, n: int) -> list[str]:
    ids = []
    for i in range(n):
        batch = accident_batch([accident(i)], batch_id=f"b{i:05d}")
        await producer.publish(batch)
        ids.append(batch.batch_id)
    return ids


async def test_group_is_created_from_zero_so_earlier_entries_are_delivered(
    redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    producer = StreamProducer(redis_client, keys)
    await producer.ensure_group()
    await producer.ensure_group()  # idempotent
    ids = await publish(producer, 3)
    handler = Recorder()
    consumer = StreamConsumer(redis_client, keys, "c1", handler, block_ms=50)
    assert await consumer.read_new() == 3
    assert handler.seen == ids
    groups = await redis_client.xinfo_groups(keys.stream)
    assert groups[0]["pending"] == 0  # acknowledged after the handler succeeded
    produced = await redis_client.hgetall(keys.produced)
    assert produced == {i.encode(): b"1" for i in ids}


async def test_a_restarted_consumer_drains_its_own_pending_entries_first(
    redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    producer = StreamProducer(redis_client, keys)
    await producer.ensure_group()
    ids = await publish(producer, 4)
    # Deliver to "c1" without handling (as if it crashed after the read).
    await redis_client.xreadgroup(keys.group, "c1", {keys.stream: ">"}, count=10)
    handler = Recorder()
    restarted = StreamConsumer(redis_client, keys, "c1", handler, block_ms=50)
    await restarted.drain_own_pending()
    assert handler.seen == ids
    assert (await redis_client.xpending(keys.stream, keys.group))["pending"] == 0


async def test_entries_of_a_dead_consumer_are_reclaimed_after_the_idle_bound(
    redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    producer = StreamProducer(redis_client, keys)
    await producer.ensure_group()
    ids = await publish(producer, 3)
    await redis_client.xreadgroup(keys.group, "dead", {keys.stream: ">"}, count=10)
    handler = Recorder()
    survivor = StreamConsumer(redis_client, keys, "alive", handler, claim_idle_ms=200, block_ms=50)
    assert await survivor.reclaim_idle(force=True) == 0  # not idle long enough yet
    task = asyncio.create_task(survivor.run())
    try:
        await handler.wait_for(3)
    finally:
        survivor.stop()
        await task
    assert sorted(handler.seen) == ids
    assert (await redis_client.xpending(keys.stream, keys.group))["pending"] == 0
    # The dead consumer is not deleted by us; it simply has nothing pending any more.
    consumers = {c["name"]: c for c in await redis_client.xinfo_consumers(keys.stream, keys.group)}
    assert consumers[b"dead"]["pending"] == 0


async def test_poison_and_undecodable_entries_go_to_the_dead_letter_stream(
    redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    producer = StreamProducer(redis_client, keys)
    await producer.ensure_group()
    good = await publish(producer, 2)
    poison = accident_batch([accident(99)], batch_id="poison")
    await producer.publish(poison)
    await redis_client.xadd(keys.stream, {"v": "1", "body": b"\xc1not msgpack"})
    await redis_client.xadd(keys.stream, {"v": "99", "body": b""})
    handler = Recorder()
    handler.poison.add("poison")
    consumer = StreamConsumer(
        redis_client, keys, "c1", handler, claim_idle_ms=20, max_deliveries=3, block_ms=20
    )
    task = asyncio.create_task(consumer.run())

    async def dead_letters() -> list[tuple[bytes, dict[bytes, bytes]]]:
        entries: list[tuple[bytes, dict[bytes, bytes]]] = []
        last = b"0"
        while len(entries) < 3:  # XREAD BLOCK wakes on each dead letter as it is added
            reply: Any = await redis_client.xread({keys.dead: last}, block=5000)
            for _stream, rows in reply:
                entries += rows
                last = rows[-1][0]
        return entries

    try:
        dead = await asyncio.wait_for(dead_letters(), timeout=10)
    finally:
        consumer.stop()
        await task
    reasons = sorted(fields[b"reason"].decode() for _id, fields in dead)
    assert any("undecodable body" in r for r in reasons)
    assert any("unknown schema version '99'" in r for r in reasons)
    assert any("delivered 3 times" in r and "cannot store poison" in r for r in reasons)
    assert handler.seen == good
    # Everything is acknowledged: nothing pending, nothing silently dropped.
    assert (await redis_client.xpending(keys.stream, keys.group))["pending"] == 0
    assert consumer.stats.dead_lettered == 3


async def test_an_outage_pauses_the_consumer_without_dead_lettering(
    redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    producer = StreamProducer(redis_client, keys)
    await producer.ensure_group()
    ids = await publish(producer, 2)
    handler = Recorder()
    handler.outage = True
    consumer = StreamConsumer(
        redis_client, keys, "c1", handler, claim_idle_ms=20, max_deliveries=2, block_ms=20
    )
    task = asyncio.create_task(consumer.run())
    try:
        # The outage outlasts several claim rounds: far more attempts than max_deliveries.
        await handler.wait_for_outage_hits(6)
        handler.outage = False
        await handler.wait_for(2)
    finally:
        consumer.stop()
        await task
    assert sorted(handler.seen) == ids
    assert await redis_client.xlen(keys.dead) == 0


async def test_trimming_never_drops_an_unacknowledged_entry(
    redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    producer = StreamProducer(redis_client, keys, maxlen=20)
    await producer.ensure_group()
    first = await publish(producer, 5)
    # A consumer takes the first five and dies holding them; 200 more arrive undelivered.
    await redis_client.xreadgroup(keys.group, "dead", {keys.stream: ">"}, count=5)
    await publish(producer, 200)
    assert await redis_client.xlen(keys.stream) == 205  # nothing trimmed: all unacknowledged
    handler = Recorder()
    consumer = StreamConsumer(
        redis_client, keys, "c1", handler, claim_idle_ms=0, block_ms=20, batch_size=50
    )
    await consumer.reclaim_idle(force=True)
    while await consumer.read_new():
        pass
    assert len(handler.seen) == 205
    assert set(first) <= set(handler.seen)
    # Now everything is acknowledged: the next publish trims back to about MAXLEN.
    await publish(producer, 1)
    assert 20 <= await redis_client.xlen(keys.stream) <= 22


async def test_a_whole_stream_is_read_across_page_boundaries(
    redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    added = [await redis_client.xadd(keys.stream, {"n": i}) for i in range(7)]
    for page in (3, 7, 100):
        read = [(i, f[b"n"]) async for i, f in stream_entries(redis_client, keys.stream, page=page)]
        assert read == [(entry_id, str(n).encode()) for n, entry_id in enumerate(added)], page
