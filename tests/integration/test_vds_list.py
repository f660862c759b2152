"""The VDS location dataset end to end on real processes: the simulator serves ``vdsList`` in
KEC's wire format, the real provider pages through it, the collector publishes it as a ``vds``
batch, and the store upserts it on its natural key and reads it back by route."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import msgspec
import pytest
import redis.asyncio as aioredis

from tests.support.simulator import KEY, simulator_process
from trafficha.config import Settings
from trafficha.datasets.registry import VDS_LIST
from trafficha.datasets.vds_list import VdsListBatch, VdsLocation
from trafficha.kst import KST
from trafficha.providers.real import Endpoint, RealProvider, endpoint_urls
from trafficha.providers.sim import SimProvider
from trafficha.secrets import Secret
from trafficha.services.collector import Collector
from trafficha.store import DedupStore
from trafficha.store.reads import vds_locations
from trafficha.streams import StreamKeys
from trafficha.streams.codec import decode_entry

pytestmark = pytest.mark.integration

NOW = datetime(2026, 9, 19, 18, 28, tzinfo=KST)


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with simulator_process(tmp_path_factory.mktemp("simulator")) as base:
        yield base


def along_routes(locations: list[VdsLocation]) -> list[VdsLocation]:
    return sorted(locations, key=lambda v: (v.route_no, v.direction, v.start_km, v.vds_id))


def batch(records: list[VdsLocation], batch_id: str) -> VdsListBatch:
    return VdsListBatch(
        producer="member1/collector-test",
        epoch=1,
        source="sim",
        fetched_at=NOW,
        batch_id=batch_id,
        records=tuple(records),
    )


async def test_the_real_provider_pages_through_the_simulators_vds_list(simulator: str) -> None:
    real = RealProvider(
        {VDS_LIST.endpoint: Endpoint(endpoint_urls([simulator], VDS_LIST.endpoint), Secret(KEY))}
    )
    try:
        fetched = await real.fetch(VDS_LIST)
    finally:
        await real.aclose()
    expected = await SimProvider(clock=lambda: NOW).fetch(VDS_LIST)
    # More rows than one page holds: the provider followed pageSize to the end.
    assert len(fetched) > VDS_LIST.feed.max_rows
    assert fetched == expected


async def test_the_collector_polls_it_daily_and_publishes_a_vds_batch(
    redis_client: aioredis.Redis, namespace: str
) -> None:
    assert VDS_LIST.interval(Settings()) == timedelta(days=1)
    keys = StreamKeys(stream=f"{namespace}:stream", group=f"{namespace}:group")
    collector = Collector(
        redis_client,
        keys,
        SimProvider(clock=lambda: NOW),
        holder="member1/collector-test",
        intervals={"vds": VDS_LIST.interval(Settings()).total_seconds()},
    )
    await collector.producer.ensure_group()
    assert await collector.lease.try_acquire()
    published = await collector.collect("vds")
    assert isinstance(published, VdsListBatch)
    entries: list[tuple[bytes, dict[bytes, bytes]]] = await redis_client.xrange(keys.stream)  # type: ignore[assignment]
    ((_, fields),) = entries
    entry = decode_entry(fields)
    assert entry == published
    assert fields[b"kind"] == b"vds"
    assert int(fields[b"n"]) == len(published.records) > VDS_LIST.feed.max_rows
    await collector.lease.release()


async def test_the_store_upserts_on_vds_id_and_reads_by_route(store: DedupStore) -> None:
    locations = await SimProvider(clock=lambda: NOW).fetch(VDS_LIST)
    first = await store.apply(batch(locations, "vds-1-a"))
    assert (first.inserted, first.duplicates) == (len(locations), 0)
    assert await vds_locations(store) == along_routes(locations)

    # The next day's list: the same detectors, one of them moved. It updates, nothing doubles.
    moved = msgspec.structs.replace(locations[0], start_km=0.5, shift_km=2.2)
    again = await store.apply(batch([moved, *locations[1:]], "vds-1-b"))
    assert (again.inserted, again.duplicates) == (0, len(locations))
    stored = await vds_locations(store)
    assert len(stored) == len(locations)
    assert next(v for v in stored if v.vds_id == moved.vds_id) == moved

    gyeongbu = await vds_locations(store, route_no="0010")
    assert gyeongbu
    assert all(v.route_no == "0010" for v in gyeongbu)
    assert gyeongbu == [v for v in stored if v.route_no == "0010"]
    assert await vds_locations(store, route_no="9999") == []
