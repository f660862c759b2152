"""Travel time end to end on real processes: the simulator serves ``trtm/realUnitTrtm`` in KEC's
wire format and pages, the real provider fetches every page, the collector publishes a
``travel_time`` batch, the store upserts it on its natural key (a repeated batch doubles
nothing), and the data API serves ``/api/travel-time`` (latest slot per pair, the same hour on
earlier days) and ``/api/travel-time/pairs`` over MariaDB with its read-only account.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from tests.conftest import Database
from tests.integration.test_data_api import (
    KST_TIME,
    Api,
    database_holding,
    fetch,
    serving,
)
from tests.support.simulator import KEY, simulator_process
from trafficha.config import Settings
from trafficha.datasets.registry import TRAVEL_TIME
from trafficha.datasets.travel_time import TravelTime, TravelTimeBatch
from trafficha.kst import KST, now_kst
from trafficha.models.quarantine import Parsed
from trafficha.providers.real import Endpoint, RealProvider, endpoint_urls
from trafficha.providers.sim import SimProvider
from trafficha.secrets import Secret
from trafficha.services.collector import Collector
from trafficha.sim.travel import TRAVEL_SLOT
from trafficha.store import DedupStore
from trafficha.store.db import connection
from trafficha.store.travel_times import latest_travel_times
from trafficha.streams import StreamKeys
from trafficha.streams.codec import decode_entry
from trafficha.topology.servers import MariaDBServer, RedisServer

pytestmark = pytest.mark.integration

NOW = datetime(2026, 9, 24, 8, 33, tzinfo=KST)  # a Thursday morning
LATEST = datetime(2026, 9, 24, 8, 35, tzinfo=KST)  # the newest slot seeded for the API


def envelope(batch_id: str, fetched_at: datetime = NOW) -> dict[str, Any]:
    return {
        "producer": "member1/collector-test",
        "epoch": 1,
        "source": "sim",
        "fetched_at": fetched_at,
        "batch_id": batch_id,
    }


def frozen(at: datetime) -> Callable[[], datetime]:
    """A clock stopped at ``at``."""
    return lambda: at


def batch(records: list[TravelTime], batch_id: str | None = None) -> TravelTimeBatch:
    return TravelTimeBatch(**envelope(batch_id or uuid.uuid4().hex), records=tuple(records))


async def stored_rows(store: DedupStore) -> tuple[int, int]:
    """Rows in ``travel_times`` and their sightings in all."""
    async with connection(store.pool, "counting") as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*), COALESCE(SUM(seen_count), 0) FROM travel_times")
        (count, seen) = await cur.fetchone()
        await conn.rollback()
    return int(count), int(seen)


# --- the simulator, the provider, the collector --------------------------------------------------


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with simulator_process(tmp_path_factory.mktemp("simulator")) as base:
        yield base


async def test_the_real_provider_pages_through_the_simulators_answer(simulator: str) -> None:
    real = RealProvider(
        {
            TRAVEL_TIME.endpoint: Endpoint(
                endpoint_urls([simulator], TRAVEL_TIME.endpoint), Secret(KEY)
            )
        }
    )
    try:
        before = now_kst()
        fetched = await real.fetch(TRAVEL_TIME)
        after = now_kst()
    finally:
        await real.aclose()
    assert isinstance(fetched, Parsed)
    assert fetched.rejected == []
    assert len(fetched) > 10 * TRAVEL_TIME.feed.max_rows  # many pages of 99
    # The same records as the world's at a moment of the fetch (a slot may turn meanwhile).
    expected = [await SimProvider(clock=frozen(t)).fetch(TRAVEL_TIME) for t in (before, after)]
    assert fetched in expected
    assert {t.slot_minutes for t in fetched} == {5, 60}


async def test_a_pair_filter_passes_through_to_the_simulator(simulator: str) -> None:
    pair = (await SimProvider(clock=now_kst).fetch(TRAVEL_TIME))[0]
    real = RealProvider(
        {
            TRAVEL_TIME.endpoint: Endpoint(
                endpoint_urls([simulator], TRAVEL_TIME.endpoint),
                Secret(KEY),
                params={"iStartUnitCode": pair.start_unit_code, "iEndUnitCode": pair.end_unit_code},
            )
        }
    )
    try:
        fetched = await real.fetch(TRAVEL_TIME)
    finally:
        await real.aclose()
    assert {(t.start_unit_code, t.end_unit_code) for t in fetched} == {
        (pair.start_unit_code, pair.end_unit_code)
    }
    first = min(t.slot_at for t in fetched)
    assert (first.hour, first.minute) == (0, 0)  # the day so far


async def test_the_collector_publishes_a_travel_time_batch(
    redis_client: aioredis.Redis, namespace: str
) -> None:
    assert TRAVEL_TIME.interval(Settings()) == TRAVEL_SLOT
    keys = StreamKeys(stream=f"{namespace}:stream", group=f"{namespace}:group")
    collector = Collector(
        redis_client,
        keys,
        SimProvider(clock=frozen(NOW)),
        holder="member1/collector-test",
        intervals={"travel_time": TRAVEL_TIME.interval(Settings()).total_seconds()},
    )
    await collector.producer.ensure_group()
    assert await collector.lease.try_acquire()
    published = await collector.collect("travel_time")
    assert isinstance(published, TravelTimeBatch)
    entries: list[tuple[bytes, dict[bytes, bytes]]] = await redis_client.xrange(keys.stream)  # type: ignore[assignment]
    ((_, fields),) = entries
    assert fields[b"kind"] == b"travel_time"
    assert decode_entry(fields) == published
    assert list(published.records) == await SimProvider(clock=frozen(NOW)).fetch(TRAVEL_TIME)
    await collector.lease.release()


# --- the store -----------------------------------------------------------------------------------


async def test_the_store_upserts_on_the_natural_key_and_a_repeat_doubles_nothing(
    store: DedupStore,
) -> None:
    records = await SimProvider(clock=frozen(NOW)).fetch(TRAVEL_TIME)
    hours = [t for t in records if t.slot_minutes == 60]
    assert hours  # the hour's own row and its first slot share their start: both are kept
    first = await store.apply(batch(records, "travel-1"))
    assert (first.inserted, first.duplicates) == (len(records), 0)
    assert await stored_rows(store) == (len(records), len(records))
    # The same rows in another batch (the next poll): nothing new, every row seen twice.
    again = await store.apply(batch(records, "travel-2"))
    assert (again.inserted, again.duplicates) == (0, len(records))
    assert await stored_rows(store) == (len(records), 2 * len(records))
    # The same batch redelivered: a ledger hit, nothing written at all.
    replay = await store.apply(batch(records, "travel-2"))
    assert replay.already_applied
    assert await stored_rows(store) == (len(records), 2 * len(records))
    # Five minutes on: the older slot again, a new one, and the hour's row grown.
    later = await SimProvider(clock=frozen(NOW + TRAVEL_SLOT)).fetch(TRAVEL_TIME)
    moved = await store.apply(batch(later, "travel-3"))
    new = {
        (t.start_unit_code, t.end_unit_code, t.car_type, t.slot_minutes, t.slot_at) for t in later
    } - {
        (t.start_unit_code, t.end_unit_code, t.car_type, t.slot_minutes, t.slot_at) for t in records
    }
    assert moved.inserted == len(new) > 0
    assert moved.duplicates == len(later) - len(new)
    # Read back: each pair's newest slot is the later fetch's.
    read = await latest_travel_times(store, days=0)
    newest = max(t.slot_at for t in later if t.slot_minutes == 5)
    assert {r.latest.slot_at for r in read} == {newest}
    wanted = {
        (t.start_unit_code, t.end_unit_code, t.car_type): t
        for t in later
        if t.slot_minutes == 5 and t.slot_at == newest
    }
    assert {
        (r.latest.start_unit_code, r.latest.end_unit_code, r.latest.car_type): r.latest
        for r in read
    } == wanted


# --- the data API -------------------------------------------------------------------------------


def row(
    start: str,
    end: str,
    at: datetime,
    minutes: float,
    *,
    car: str = "1",
    slot_minutes: int = 5,
    vehicles: int | None = 40,
) -> TravelTime:
    names = {"101": "서울", "103": "수원신갈", "105": "기흥"}
    return TravelTime(
        start_unit_code=start,
        start_unit_name=names[start],
        end_unit_code=end,
        end_unit_name=names[end],
        basis="2",
        basis_name="도착기준통행시간",
        car_type=car,
        car_type_name=f"{car}종",
        car_div_code="1" if car == "1" else "2",
        car_div_name="소형차" if car == "1" else "대형차",
        slot_at=at,
        slot_minutes=slot_minutes,
        time_avg=minutes,
        time_min=round(minutes * 0.8, 6),
        time_max=round(minutes * 1.3, 6),
        vehicles=vehicles,
    )


def seeded() -> list[TravelTime]:
    """서울 -> 수원신갈 (classes 1 and 4) now and on earlier days, 서울 -> 기흥 now only, and a
    pair last measured two days before the newest slot (not current)."""
    rows = [
        row("101", "103", LATEST - TRAVEL_SLOT, 9.0),
        row("101", "103", LATEST, 10.5),
        row("101", "103", LATEST, 12.25, car="4", vehicles=None),
        row("101", "105", LATEST - TRAVEL_SLOT, 14.0),
        row("103", "101", LATEST - timedelta(days=2), 8.0),
    ]
    # The same hour (08:00-08:59) 1, 2 and 4 days before: four slots each; the day before also
    # has other hours, and an hour's own row, that the comparison must leave out.
    for days, base in ((1, 8.0), (2, 11.0), (4, 9.5)):
        day = LATEST - timedelta(days=days)
        rows += [row("101", "103", day.replace(minute=m), base + m / 100) for m in (0, 15, 30, 55)]
    day_before = LATEST - timedelta(days=1)
    rows += [
        row("101", "103", day_before.replace(hour=7, minute=55), 30.0),
        row("101", "103", day_before.replace(hour=9, minute=0), 30.0),
        row("101", "103", day_before.replace(minute=0), 99.0, slot_minutes=60),
        row("101", "103", LATEST - timedelta(days=8), 50.0),  # beyond the 7 days
    ]
    return rows


def same_hour(base: float) -> float:
    return sum(base + m / 100 for m in (0, 15, 30, 55)) / 4


@pytest.fixture(scope="module")
async def travel_database(
    mariadb_server: MariaDBServer, db_account: tuple[str, str], redis_server: RedisServer
) -> AsyncIterator[tuple[Database, StreamKeys]]:
    keys = StreamKeys(stream=f"t{uuid.uuid4().hex[:12]}:stream")
    async with database_holding(
        mariadb_server, db_account, redis_server, keys, batch(seeded())
    ) as db:
        yield db, keys


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory,
    travel_database: tuple[Database, StreamKeys],
    redis_server: RedisServer,
) -> Iterator[Api]:
    db, keys = travel_database
    with serving(
        tmp_path_factory.mktemp("travel-api") / "data-api.log", db, redis_server.addr, keys
    ) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


async def items(http: aiohttp.ClientSession, api: Api, query: str = "") -> list[dict[str, Any]]:
    answer = await fetch(http, f"{api.url}/api/travel-time{query}")
    assert answer.status == 200, answer.body
    body: list[dict[str, Any]] = answer.body
    return body


async def test_the_latest_slot_per_pair_with_the_same_hour_earlier(
    api: Api, http: aiohttp.ClientSession
) -> None:
    found = await items(http, api, "?from=101&to=103")
    assert [(i["carType"], i["timeAvg"]) for i in found] == [("1", 10.5), ("4", 12.25)]
    car = found[0]
    assert car == {
        "startUnitCode": "101",
        "startUnitName": "서울",
        "endUnitCode": "103",
        "endUnitName": "수원신갈",
        "carType": "1",
        "carTypeName": "1종",
        "carClassName": "소형차",
        "basis": "2",
        "basisName": "도착기준통행시간",
        "slotAt": "2026-09-24T08:35:00+09:00",
        "timeAvg": 10.5,
        "timeMin": 8.4,
        "timeMax": 13.65,
        "vehicles": 40,
        # Oldest first; 3 days before had nothing; the hour's own row, other hours and the
        # 8th day are left out.
        "sameHourEarlier": [
            {"date": "2026-09-20", "minutes": pytest.approx(same_hour(9.5)), "slots": 4},
            {"date": "2026-09-22", "minutes": pytest.approx(same_hour(11.0)), "slots": 4},
            {"date": "2026-09-23", "minutes": pytest.approx(same_hour(8.0)), "slots": 4},
        ],
    }
    assert KST_TIME.match(car["slotAt"])
    assert found[1]["vehicles"] is None
    assert found[1]["sameHourEarlier"] == []


async def test_filters_narrow_the_pairs(api: Api, http: aiohttp.ClientSession) -> None:
    every = await items(http, api)
    # 103 -> 101 was last measured two days before the newest slot: not current.
    assert [(i["startUnitCode"], i["endUnitCode"], i["carType"]) for i in every] == [
        ("101", "103", "1"),
        ("101", "103", "4"),
        ("101", "105", "1"),
    ]
    assert every[2]["slotAt"] == "2026-09-24T08:30:00+09:00"  # its own newest slot
    assert [i["endUnitCode"] for i in await items(http, api, "?from=101")] == ["103", "103", "105"]
    assert [i["startUnitCode"] for i in await items(http, api, "?to=105")] == ["101"]
    assert [i["timeAvg"] for i in await items(http, api, "?carType=4")] == [12.25]
    assert await items(http, api, "?from=103&to=101") == []
    assert await items(http, api, "?from=101&to=101") == []


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("from=1234567", "from"),
        ("from=10%201", "from"),
        ("to=", "to"),
        ("carType=x", "carType"),
        ("carType=123", "carType"),
        ("from=101&from=103", "from"),
    ],
)
async def test_a_bad_value_is_a_400_problem_naming_it(
    api: Api, http: aiohttp.ClientSession, query: str, name: str
) -> None:
    answer = await fetch(http, f"{api.url}/api/travel-time?{query}")
    assert answer.status == 400
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert [p["name"] for p in answer.body["invalid-params"]] == [name]


async def test_the_pairs_to_choose_from(api: Api, http: aiohttp.ClientSession) -> None:
    answer = await fetch(http, f"{api.url}/api/travel-time/pairs")
    assert answer.status == 200
    assert answer.body == [
        {
            "startUnitCode": "101",
            "startUnitName": "서울",
            "endUnitCode": "103",
            "endUnitName": "수원신갈",
            "carTypes": ["1", "4"],
            "latestAt": "2026-09-24T08:35:00+09:00",
        },
        {
            "startUnitCode": "101",
            "startUnitName": "서울",
            "endUnitCode": "105",
            "endUnitName": "기흥",
            "carTypes": ["1"],
            "latestAt": "2026-09-24T08:30:00+09:00",
        },
    ]


async def test_answers_are_cached_per_data_version(
    api: Api, http: aiohttp.ClientSession, travel_database: tuple[Database, StreamKeys]
) -> None:
    url = f"{api.url}/api/travel-time?from=101&to=105"
    await fetch(http, url)
    again = await fetch(http, url)
    assert again.headers["X-Cache"] == "hit"
    etag = again.headers["ETag"]
    async with http.get(url, headers={"If-None-Match": etag}) as response:
        assert response.status == 304
    assert [i["endUnitCode"] for i in again.body] == ["105"]
