"""Collector -> stream -> processors -> MariaDB, with real processes killed mid-flight."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pymysql
import pytest
import redis.asyncio as aioredis

from tests.conftest import Database
from tests.support.records import accident, accident_batch, road_batch, road_row
from tests.support.services import Services
from trafficha.events import CommitEvent, LeaderEvent, decode_event
from trafficha.services.audit import audit
from trafficha.services.processor import Processor
from trafficha.store import DedupStore
from trafficha.streams import StreamKeys, StreamProducer
from trafficha.topology.servers import RedisServer

pytestmark = pytest.mark.integration

E = TypeVar("E", CommitEvent, LeaderEvent)


@pytest.fixture
def keys(namespace: str) -> StreamKeys:
    return StreamKeys(stream=f"{namespace}:stream", group=f"{namespace}:group")


@pytest.fixture
def service_env(database: Database, redis_server: RedisServer, keys: StreamKeys) -> dict[str, str]:
    return {
        **os.environ,
        "REDIS_ADDR": redis_server.addr,
        **database.env(),
        "STREAM_KEY": keys.stream,
        "STREAM_GROUP": keys.group,
        "CLAIM_IDLE": "500ms",
        "LEASE_TTL": "900ms",
        "DATA_SOURCE_MODE": "sim",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    group = Services(tmp_path)
    yield group
    group.stop_all()


def count_rows(database: Database, table: str) -> int:
    with (
        pymysql.connect(
            host=database.host,
            port=database.port,
            user=database.user,
            password=database.password,
            database=database.name,
        ) as conn,
        conn.cursor() as cur,
    ):
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        (count,) = cur.fetchone()
        return int(count)


class EventFeed:
    """The events channel, subscribed before anything that publishes starts."""

    def __init__(self, redis_client: aioredis.Redis, keys: StreamKeys) -> None:
        self._pubsub = redis_client.pubsub()
        self._channel = keys.events

    async def __aenter__(self) -> EventFeed:
        await self._pubsub.subscribe(self._channel)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]

    async def next(self, kind: type[E], timeout: float = 30) -> E:
        async with asyncio.timeout(timeout):
            async for message in self._pubsub.listen():
                if message["type"] == "message":
                    event = decode_event(message["data"])
                    if isinstance(event, kind):
                        return event
        raise AssertionError("event stream ended")


async def next_entry(redis_client: aioredis.Redis, keys: StreamKeys, after: bytes) -> bytes:
    """Block until the stream has an entry after ``after``; returns its epoch field."""
    reply: Any = await redis_client.xread({keys.stream: after}, count=1, block=10_000)
    assert reply, "no entry within 10 s"
    return bytes(reply[0][1][0][1][b"epoch"])


async def test_duplicates_across_batches_and_processors_give_one_row(
    redis_client: aioredis.Redis, keys: StreamKeys, store: DedupStore, database: Database
) -> None:
    producer = StreamProducer(redis_client, keys)
    await producer.ensure_group()
    # 40 batches of 50 incidents drawn from 500 distinct ones: heavy overlap between batches.
    for b in range(40):
        await producer.publish(
            accident_batch(
                [accident((b * 37 + i * 11) % 500) for i in range(50)], batch_id=f"b{b:03d}"
            )
        )
    first = Processor(redis_client, keys, store, name="p1", batch_size=3)
    second = Processor(redis_client, keys, store, name="p2", batch_size=3)
    # Both read the group concurrently; every entry goes to exactly one of them.
    while sum(await asyncio.gather(first.consumer.read_new(), second.consumer.read_new())):
        pass
    report = await audit(redis_client, keys, store)
    assert report.ok
    assert (report.produced_batches, report.applied_batches) == (40, 40)
    assert report.applied_records == 40 * 50
    assert first.consumer.stats.handled > 0
    assert second.consumer.stats.handled > 0
    distinct = len({(b * 37 + i * 11) % 500 for b in range(40) for i in range(50)})
    assert count_rows(database, "traffic_accidents") == distinct
    assert int(await redis_client.get(keys.data_version) or 0) == 40


async def test_a_redelivered_batch_is_applied_once(
    redis_client: aioredis.Redis, keys: StreamKeys, store: DedupStore, database: Database
) -> None:
    processor = Processor(redis_client, keys, store, name="p1")
    batch = road_batch([road_row(i) for i in range(30)])
    first = await processor.handle(batch)
    again = await processor.handle(batch)  # a crash after commit, before XACK
    assert (first.inserted, first.already_applied) == (first.records, False)
    assert again.already_applied
    assert count_rows(database, "road_traffic_status") == 30
    assert int(await redis_client.get(keys.data_version) or 0) == 1  # one version, one commit


async def test_a_processor_killed_mid_stream_loses_nothing(
    redis_client: aioredis.Redis,
    keys: StreamKeys,
    store: DedupStore,
    database: Database,
    service_env: dict[str, str],
    services: Services,
) -> None:
    producer = StreamProducer(redis_client, keys)
    await producer.ensure_group()
    batches = 30
    for b in range(batches):
        # Large batches: the kill lands inside a transaction more often than between two.
        await producer.publish(
            accident_batch([accident(b * 1000 + i) for i in range(1000)], batch_id=f"big{b:03d}")
        )
    async with EventFeed(redis_client, keys) as feed:
        victim = services.start("processor", {**service_env, "CONSUMER_NAME": "victim"}).proc
        assert (await feed.next(CommitEvent)).kind == "accidents"
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        pending = await redis_client.xpending(keys.stream, keys.group)
        assert len(await store.ledger()) < batches, "the victim finished before it was killed"
        killed_at = time.monotonic()
        services.start("processor", {**service_env, "CONSUMER_NAME": "survivor"})
        while len(await store.ledger()) < batches:
            await feed.next(CommitEvent)
    took = time.monotonic() - killed_at
    report = await audit(redis_client, keys, store)
    assert report.ok, report
    assert report.applied_records == batches * 1000
    assert count_rows(database, "traffic_accidents") == batches * 1000  # each exactly once
    # The victim held claimed entries; the survivor took them over after the idle bound.
    assert pending["pending"] >= 1
    assert took < 30


async def test_two_collectors_one_killed_the_other_takes_over_and_collection_goes_on(
    redis_client: aioredis.Redis,
    keys: StreamKeys,
    service_env: dict[str, str],
    services: Services,
) -> None:
    env = {**service_env, "COLLECT_INTERVAL": "200ms"}
    async with EventFeed(redis_client, keys) as feed:
        collectors = [services.start("collector", env).proc for _ in range(2)]
        first = await feed.next(LeaderEvent)
        leader = next(p for p in collectors if p.pid == int(first.holder.rsplit("-", 1)[1]))
        assert await next_entry(redis_client, keys, b"0") == str(first.epoch).encode()

        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=10)
        killed_at = time.monotonic()
        newest: Any = await redis_client.xrevrange(keys.stream, count=1)
        last_id = newest[0][0]
        second = await feed.next(LeaderEvent, timeout=10)
        takeover = time.monotonic() - killed_at
    assert second.holder != first.holder
    assert second.epoch == first.epoch + 1
    assert takeover <= 0.9 + 0.3 + 0.5, takeover  # TTL + one renewal interval + slack
    # Collection goes on under the new leader: the next entry carries the new epoch.
    assert await next_entry(redis_client, keys, last_id) == str(second.epoch).encode()
