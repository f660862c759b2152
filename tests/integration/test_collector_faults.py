"""A provider that raises something unexpected costs one failed collection, recorded with its
reason, and never the collector: it keeps its lease and its next poll publishes."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import pytest
import redis.asyncio as aioredis

from tests.support.records import accident
from trafficha.datasets.spec import Dataset
from trafficha.services.collector import Collector
from trafficha.services.freshness import last_collections
from trafficha.streams import StreamKeys

pytestmark = pytest.mark.integration


class Buggy:
    """Raises a bare ``ValueError`` (a provider's bug) on its first ``failures`` fetches."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    @property
    def source(self) -> Literal["real"]:
        return "real"

    async def fetch(self, dataset: Dataset[Any]) -> list[Any]:
        self.calls += 1
        if self.calls <= self.failures:
            raise ValueError("a bug in the provider")
        return [accident(1)]

    async def aclose(self) -> None:
        return None


async def test_a_raising_provider_is_a_failed_collection_and_polling_goes_on(
    redis_client: aioredis.Redis, namespace: str
) -> None:
    keys = StreamKeys(stream=f"{namespace}:stream", group=f"{namespace}:group")
    provider = Buggy(failures=2)
    collector = Collector(
        redis_client,
        keys,
        provider,
        holder="member1/collector-test",
        intervals={"accidents": 0.05},
        lease_ttl_ms=1000,
    )
    await collector.producer.ensure_group()
    assert await collector.lease.try_acquire()
    assert await collector.collect("accidents") is None
    failed = (await last_collections(redis_client, keys))["accidents"]
    assert not failed.ok
    assert failed.error == "ValueError: a bug in the provider"

    task = asyncio.create_task(collector.run())
    try:
        # Blocks until the first entry is published (or 10 s pass).
        assert await redis_client.xread({keys.stream: "0"}, count=1, block=10_000)
        assert provider.calls >= 3  # the second failure inside run() did not end it
        assert not task.done()
    finally:
        collector.stop()
        await asyncio.wait_for(task, 5)
    assert (await last_collections(redis_client, keys))["accidents"].ok


class Empty:
    """KEC's answer with no rows (a parsed, empty list): nothing current."""

    @property
    def source(self) -> Literal["real"]:
        return "real"

    async def fetch(self, dataset: Dataset[Any]) -> list[Any]:
        return dataset.parse(
            b'{"code":"SUCCESS","count":0,"' + dataset.feed.list_key.encode() + b'":[]}'
        )

    async def aclose(self) -> None:
        return None


class Nothing(Empty):
    """A provider with nothing to give (a plain empty list): no news."""

    async def fetch(self, dataset: Dataset[Any]) -> list[Any]:
        return []


async def test_an_empty_incident_feed_is_published_and_an_empty_tollgate_list_is_not(
    redis_client: aioredis.Redis, namespace: str
) -> None:
    keys = StreamKeys(stream=f"{namespace}:stream", group=f"{namespace}:group")
    collector = Collector(
        redis_client,
        keys,
        Empty(),
        holder="member1/collector-test",
        intervals={"accidents": 60.0, "tollgates": 60.0},
        lease_ttl_ms=5000,
    )
    await collector.producer.ensure_group()
    assert await collector.lease.try_acquire()
    # The incident feed lists what is current: no rows means every incident cleared.
    batch = await collector.collect("accidents")
    assert batch is not None
    assert batch.records == ()
    assert await redis_client.xlen(keys.stream) == 1
    # A reference list that came back empty changes nothing, so nothing is published.
    assert await collector.collect("tollgates") is None
    assert await redis_client.xlen(keys.stream) == 1
    assert (await last_collections(redis_client, keys))["tollgates"].ok
    # Nor does a provider that has nothing for the incidents.
    collector.provider = Nothing()
    assert await collector.collect("accidents") is None
    assert await redis_client.xlen(keys.stream) == 1
