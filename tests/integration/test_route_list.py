"""The route list dataset end to end on real processes: the simulator serves ``spinRouteList``
in KEC's wire format, the real provider fetches it, the collector publishes it as a ``routes``
batch, the store upserts it on the route number, and the data API's learned network names a
route the built-in network lacks after it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import msgspec
import pytest
import redis.asyncio as aioredis

from tests.support.records import road_batch
from tests.support.simulator import KEY, simulator_process
from trafficha.apps.data_api.geo import LearnedNetwork
from trafficha.config import Settings
from trafficha.datasets.registry import ROUTE_LIST
from trafficha.datasets.route_list import RouteInfo, RouteListBatch
from trafficha.kst import KST
from trafficha.models.domain import RoadStatus, Tollgate
from trafficha.models.stream import TollgateListBatch
from trafficha.providers.real import Endpoint, RealProvider, endpoint_urls
from trafficha.providers.sim import SimProvider
from trafficha.reference.network import load_network
from trafficha.secrets import Secret
from trafficha.services.collector import Collector
from trafficha.store import DedupStore
from trafficha.store.reads import route_list
from trafficha.streams import StreamKeys
from trafficha.streams.codec import decode_entry

pytestmark = pytest.mark.integration

NOW = datetime(2026, 9, 19, 18, 28, tzinfo=KST)


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with simulator_process(tmp_path_factory.mktemp("simulator")) as base:
        yield base


def envelope(batch_id: str) -> dict[str, Any]:
    return {
        "producer": "member1/collector-test",
        "epoch": 1,
        "source": "real",
        "fetched_at": NOW,
        "batch_id": batch_id,
    }


def batch(records: list[RouteInfo], batch_id: str) -> RouteListBatch:
    return RouteListBatch(**envelope(batch_id), records=tuple(records))


async def test_the_real_provider_fetches_the_simulators_route_list(simulator: str) -> None:
    real = RealProvider(
        {
            ROUTE_LIST.endpoint: Endpoint(
                endpoint_urls([simulator], ROUTE_LIST.endpoint), Secret(KEY)
            )
        }
    )
    try:
        fetched = await real.fetch(ROUTE_LIST)
    finally:
        await real.aclose()
    expected = await SimProvider(clock=lambda: NOW).fetch(ROUTE_LIST)
    assert fetched == expected
    assert [(r.route_no, r.route_name) for r in fetched] == [
        (r.route_no, r.route_name) for r in load_network().routes
    ]


async def test_the_collector_polls_it_daily_and_publishes_a_routes_batch(
    redis_client: aioredis.Redis, namespace: str
) -> None:
    assert ROUTE_LIST.interval(Settings()) == timedelta(days=1)
    keys = StreamKeys(stream=f"{namespace}:stream", group=f"{namespace}:group")
    collector = Collector(
        redis_client,
        keys,
        SimProvider(clock=lambda: NOW),
        holder="member1/collector-test",
        intervals={"routes": ROUTE_LIST.interval(Settings()).total_seconds()},
    )
    await collector.producer.ensure_group()
    assert await collector.lease.try_acquire()
    published = await collector.collect("routes")
    assert isinstance(published, RouteListBatch)
    entries: list[tuple[bytes, dict[bytes, bytes]]] = await redis_client.xrange(keys.stream)  # type: ignore[assignment]
    ((_, fields),) = entries
    assert decode_entry(fields) == published
    assert fields[b"kind"] == b"routes"
    assert int(fields[b"n"]) == len(published.records) == len(load_network().routes)
    await collector.lease.release()


async def test_the_store_upserts_on_the_route_number(store: DedupStore) -> None:
    routes = await SimProvider(clock=lambda: NOW).fetch(ROUTE_LIST)
    first = await store.apply(batch(routes, "routes-1-a"))
    assert (first.inserted, first.duplicates) == (len(routes), 0)
    assert await route_list(store) == sorted(routes, key=lambda r: r.route_no)

    # The next day's list: the same routes, one renamed and lengthened, one no longer in use,
    # and a new one. The known ones update, nothing doubles.
    renamed = msgspec.structs.replace(routes[0], route_name="경부고속도로", length_km=417.2)
    retired = msgspec.structs.replace(routes[1], in_use=False)
    new = RouteInfo(
        route_no="0300",
        route_name="대전당진선",
        start_km=None,
        end_km=None,
        length_km=None,
        in_use=None,
    )
    again = await store.apply(batch([renamed, retired, *routes[2:], new], "routes-1-b"))
    assert (again.inserted, again.duplicates) == (1, len(routes))
    stored = {r.route_no: r for r in await route_list(store)}
    assert len(stored) == len(routes) + 1
    assert (stored[renamed.route_no], stored[retired.route_no], stored["0300"]) == (
        renamed,
        retired,
        new,
    )


# --- what the data API serves ---------------------------------------------------------------

# Route 0300 is not in the built-in network: it is learned from its conzones, which KEC's road
# feed names "대전당진", while the route list calls it 대전당진선.
_POINTS = (("가산", 36.70, 126.90), ("나산", 36.72, 127.00), ("다산", 36.74, 127.10))
_READING = RoadStatus(
    vds_id="0300VDE00100",
    conzone_id="0300CZE010",
    conzone_name="가산IC-나산IC",
    route_no="0300",
    route_name="대전당진",
    direction="E",
    speed=95,
    traffic_amount=12,
    share_ratio=3,
    time_avg=40,
    grade=1,
    std_at=NOW,
)


def _route_names(geojson: bytes) -> dict[str, str]:
    doc = msgspec.json.decode(geojson)
    return {
        f["properties"]["routeNo"]: f["properties"]["routeName"]
        for f in doc["features"]
        if f["geometry"]["type"] == "LineString"
    }


async def test_the_stored_route_list_names_a_learned_route(store: DedupStore) -> None:
    readings = [
        _READING,
        msgspec.structs.replace(
            _READING, vds_id="0300VDE00200", conzone_id="0300CZE020", conzone_name="나산IC-다산IC"
        ),
    ]
    gates = [
        Tollgate(
            unit_code=f"9{n}0", unit_name=name, route_no="0300", route_name=None, lat=lat, lon=lon
        )
        for n, (name, lat, lon) in enumerate(_POINTS)
    ]
    await store.apply(road_batch(readings, batch_id="road-1"))
    await store.apply(TollgateListBatch(**envelope("tollgates-1"), records=tuple(gates)))
    learned = LearnedNetwork()
    assert await learned.refresh(store)
    before = learned.current
    assert before.placement.placed == 2
    assert _route_names(before.routes)["0300"] == "대전당진"  # as its conzones name it

    listed = [
        *await SimProvider(clock=lambda: NOW).fetch(ROUTE_LIST),
        RouteInfo(
            route_no="0300",
            route_name="대전당진선",
            start_km=0.0,
            end_km=30.5,
            length_km=30.5,
            in_use=True,
        ),
    ]
    await store.apply(batch(listed, "routes-2"))
    assert await learned.refresh(store)  # the route list is an input: a new network
    after = learned.current
    names = _route_names(after.routes)
    assert names["0300"] == "대전당진선"
    assert names["0010"] == "경부선"  # built-in routes keep the network's names
    check = msgspec.json.decode(after.check)
    assert {r["routeNo"]: r["routeName"] for r in check["routes"]} == {"0300": "대전당진선"}
    # Its geometry and sections are the same as before: only its name came from the list.
    assert after.placement.sections == before.placement.sections
    assert after.placement.routes[0].coordinates == before.placement.routes[0].coordinates
    assert not await learned.refresh(store)  # nothing changed since: nothing rebuilt
