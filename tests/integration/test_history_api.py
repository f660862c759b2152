"""History and route-strip answers of the data API, as a real process over MariaDB and Redis.

The rows go in as the processor writes them (``DedupStore.apply``, then the data version), at
known KST times: a route's readings and incidents on 2026-09-24, a tollgate's slots of that
day, and a reading of every section of 경부선 (the built-in network's conzones, so the network
the API learns from the store is the built-in one) with the incidents of the latest poll.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import msgspec
import pytest

from tests.conftest import Database
from tests.integration.test_data_api import (
    KST_TIME,
    Api,
    database_holding,
    fetch,
    learned,
    serving,
)
from tests.support.records import accident, accident_batch, road_batch
from trafficha.kst import KST, now_kst
from trafficha.models.domain import Accident, RoadStatus, Tollgate, TollgateTraffic
from trafficha.models.flow import flow_grade
from trafficha.models.stream import StreamEntry as Batch
from trafficha.models.stream import TollgateBatch, TollgateListBatch
from trafficha.reference.network import Section, load_network
from trafficha.streams.keys import StreamKeys
from trafficha.topology.servers import MariaDBServer, RedisServer

pytestmark = pytest.mark.integration

DAY = datetime(2026, 9, 24, tzinfo=KST)
STRIP_AT = DAY.replace(hour=12, minute=30)  # after the history window below
UNTIL = "2026-09-24T11:59:00%2B09:00"  # the window: 2026-09-23 12:00 .. 2026-09-24 12:00
GYEONGBU = load_network().route("0010")
SECTIONS = {
    d: sorted(
        (s for s in load_network().sections if s.route_no == "0010" and s.direction == d),
        key=lambda s: s.stretch,
        reverse=d == "S",
    )
    for d in ("E", "S")
}
E_SPEEDS = (100, 60, 20)  # by stretch: 원활, 서행, 정체 in turn
NO_DATA_STRETCH = 8  # E: only a "no data" reading
S_SLOW_STRETCH = 30  # S: 서행


def reading(section: Section, at: datetime, speed: int, *, n: int = 0) -> RoadStatus:
    return RoadStatus(
        vds_id=f"{section.vds_id[:-1]}{n}",
        conzone_id=section.conzone_id,
        conzone_name=section.conzone_name,
        route_no=section.route_no,
        route_name=section.route_name,
        direction=section.direction,
        speed=speed,
        traffic_amount=None if speed < 0 else 20,
        share_ratio=None if speed < 0 else 5,
        time_avg=None if speed < 0 else 60,
        grade=flow_grade(speed, 0 if speed < 0 else 1),
        std_at=at,
    )


def section(direction: str, stretch: int) -> Section:
    return next(s for s in SECTIONS[direction] if s.stretch == stretch)


def history_readings() -> list[RoadStatus]:
    e1, e2, s1 = section("E", 1), section("E", 2), section("S", 1)
    at = DAY.replace(hour=10)
    return [
        reading(e1, DAY - timedelta(hours=12, minutes=1), 50),  # before the window
        reading(e1, DAY - timedelta(hours=12), 70),  # its first bucket
        reading(e1, at + timedelta(minutes=5), 90),
        reading(e2, at + timedelta(minutes=5), 60),
        reading(e1, at + timedelta(minutes=30), 30),
        reading(s1, at + timedelta(minutes=10), 100),
        reading(e2, at + timedelta(minutes=20), -1),  # no data: not a valid reading
        reading(e1, DAY.replace(hour=12), 55),  # the window's end: not in it
    ]


def strip_readings() -> list[RoadStatus]:
    rows = []
    for s in SECTIONS["E"]:
        if s.stretch == NO_DATA_STRETCH:
            rows.append(reading(s, STRIP_AT, -1))
            continue
        rows.append(reading(s, STRIP_AT, E_SPEEDS[(s.stretch - 1) % 3]))
    rows.append(reading(section("E", 1), STRIP_AT, 70, n=1))  # a second detector, slower
    rows += [reading(s, STRIP_AT, 45 if s.stretch == S_SLOW_STRETCH else 95) for s in SECTIONS["S"]]
    return rows


def incident(key: str, at: datetime, **fields: Any) -> Accident:
    unplaced: dict[str, Any] = {"point_name": None, "lat": None, "lon": None}
    return msgspec.structs.replace(
        accident(1), incident_key=key, occurred_at=at, **{**unplaced, **fields}
    )


def history_incidents() -> list[Accident]:
    at = DAY.replace(hour=10)
    return [
        incident("h-e", at + timedelta(minutes=15), direction="서울방향"),
        incident("h-s", at + timedelta(minutes=40), direction="부산방향", type_name="고장"),
        incident("h-e-early", DAY.replace(hour=8, minute=5), type_name="작업"),
        incident("h-other", at + timedelta(minutes=20), route_no="0500", route_name="영동선"),
        incident("h-notice", at + timedelta(minutes=30), type_code="15", type_name="이벤트/홍보"),
        incident("h-late", DAY.replace(hour=12), direction="서울방향"),  # the window's end
    ]


def strip_incidents(now: datetime) -> list[Accident]:
    pinned = section("E", 5)
    return [
        incident(
            "s-coords",
            now - timedelta(minutes=5),
            lat=(pinned.start.lat + pinned.end.lat) / 2,
            lon=(pinned.start.lon + pinned.end.lon) / 2,
        ),
        incident(
            "s-conzone",
            now - timedelta(minutes=6),
            direction="부산방향",
            point_name=section("S", 10).conzone_name,
        ),
        incident(
            "s-point",
            now - timedelta(minutes=7),
            direction="양방향",
            point_name="신갈JC 부근(12.3K)",
        ),
        incident("s-nowhere", now - timedelta(minutes=8)),
        incident("s-other", now - timedelta(minutes=9), route_no="0500", route_name="영동선"),
        incident(
            "s-notice",
            now - timedelta(minutes=10),
            type_code="15",
            type_name="이벤트/홍보",
            point_name="서울TG-판교IC",
        ),
    ]


def envelope(at: datetime) -> dict[str, Any]:
    return {
        "producer": "test",
        "epoch": 1,
        "source": "sim",
        "fetched_at": at,
        "batch_id": uuid.uuid4().hex,
    }


def volume(unit: str, name: str, at: datetime, inout: str, amount: int | None) -> TollgateTraffic:
    return TollgateTraffic(
        unit_code=unit,
        unit_name=name,
        ex_div_code="00",
        ex_div_name="도공",
        inout_type=inout,
        inout_name="입구" if inout == "0" else "출구",
        tm_type="2",
        tm_name="15분",
        tcs_type="2",
        tcs_name="hi-pass",
        car_type="1",
        traffic_amount=amount,
        slot_at=at,
    )


def tollgate_rows() -> list[TollgateTraffic]:
    def at(hour: int, minute: int) -> datetime:
        return DAY.replace(hour=hour, minute=minute)

    return [
        volume("101", "서울", at(0, 0), "0", 10),
        volume("101", "서울", at(0, 0), "1", 20),
        volume("101", "서울", at(0, 15), "0", 5),
        volume("101", "서울", at(8, 30), "0", None),  # KEC sent the row without a count
        volume("101", "서울", at(23, 45), "0", 7),
        volume("101", "서울", at(23, 45), "1", 8),
        volume("101", "서울", DAY - timedelta(minutes=15), "0", 99),  # the day before
        volume("101", "서울", DAY + timedelta(days=1), "0", 99),  # the day after
        volume("103", "수원", at(12, 0), "0", 40),  # counted, never listed
    ]


def seed_batches(now: datetime) -> list[Batch]:
    listed = Tollgate(
        unit_code="101",
        unit_name="서울",
        route_no="0010",
        route_name="경부선",
        lat=37.365,
        lon=127.1,
    )
    return [
        TollgateListBatch(**envelope(now), records=(listed,)),
        TollgateBatch(**envelope(now), records=tuple(tollgate_rows())),
        road_batch(history_readings()),
        road_batch(strip_readings()),
        accident_batch(history_incidents(), fetched_at=DAY.replace(hour=11)),
        # Seen an hour ago, not by the latest poll: cleared.
        accident_batch(
            [incident("s-cleared", now - timedelta(hours=2))], fetched_at=now - timedelta(hours=1)
        ),
        accident_batch(strip_incidents(now), fetched_at=now),
    ]


@pytest.fixture(scope="module")
async def seeded(
    mariadb_server: MariaDBServer,
    db_account: tuple[str, str],
    redis_server: RedisServer,
) -> AsyncIterator[tuple[Database, StreamKeys]]:
    keys = StreamKeys(stream=f"t{uuid.uuid4().hex[:12]}:stream")
    async with database_holding(
        mariadb_server, db_account, redis_server, keys, *seed_batches(now_kst())
    ) as db:
        yield db, keys


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory,
    seeded: tuple[Database, StreamKeys],
    redis_server: RedisServer,
) -> Iterator[Api]:
    db, keys = seeded
    with serving(
        tmp_path_factory.mktemp("history-api") / "data-api.log", db, redis_server.addr, keys
    ) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


# --- /api/road/history ------------------------------------------------------------------------


def by_start(body: dict[str, Any]) -> dict[datetime, dict[str, Any]]:
    return {datetime.fromisoformat(b["start"]): b for b in body["buckets"]}


async def test_road_history_buckets_a_day_of_speeds_and_incidents(
    api: Api, http: aiohttp.ClientSession
) -> None:
    answer = await fetch(http, f"{api.url}/api/road/history?route=0010&until={UNTIL}")
    assert answer.status == 200
    body = answer.body
    assert (body["routeNo"], body["routeName"], body["direction"], body["heading"]) == (
        "0010",
        "경부선",
        None,
        None,
    )
    assert body["bucketMinutes"] == 60
    assert datetime.fromisoformat(body["start"]) == DAY - timedelta(hours=12)
    assert datetime.fromisoformat(body["end"]) == DAY.replace(hour=12)
    assert KST_TIME.match(body["start"])
    assert KST_TIME.match(body["buckets"][0]["start"])
    starts = [datetime.fromisoformat(b["start"]) for b in body["buckets"]]
    assert starts == [DAY - timedelta(hours=12 - k) for k in range(24)]  # every bucket listed
    buckets = by_start(body)
    ten = buckets[DAY.replace(hour=10)]
    assert ten == {
        "start": ten["start"],
        "avgSpeed": 70.0,  # 90, 60, 30 and 100: the no-data reading is left out
        "readings": 4,
        "smoothReadings": 2,
        "slowReadings": 1,
        "congestedReadings": 1,
        "incidents": 2,
        "incidentsByType": {"고장": 1, "사고": 1},  # the notice and route 0500 are not counted
    }
    first = buckets[DAY - timedelta(hours=12)]
    assert (first["avgSpeed"], first["readings"], first["slowReadings"]) == (70.0, 1, 1)
    empty = buckets[DAY.replace(hour=9)]
    assert (empty["avgSpeed"], empty["readings"], empty["incidents"]) == (None, 0, 0)
    assert empty["incidentsByType"] == {}
    eight = buckets[DAY.replace(hour=8)]
    assert (eight["incidents"], eight["incidentsByType"]) == (1, {"작업": 1})
    assert sum(b["readings"] for b in body["buckets"]) == 5
    assert sum(b["incidents"] for b in body["buckets"]) == 3


async def test_road_history_of_one_direction(api: Api, http: aiohttp.ClientSession) -> None:
    east = await fetch(http, f"{api.url}/api/road/history?route=0010&direction=E&until={UNTIL}")
    assert (east.body["heading"], east.body["headingEn"]) == ("서울방향", "toward Seoul")
    ten = by_start(east.body)[DAY.replace(hour=10)]
    assert (ten["avgSpeed"], ten["readings"], ten["incidentsByType"]) == (60.0, 3, {"사고": 1})
    assert by_start(east.body)[DAY.replace(hour=8)]["incidents"] == 1  # 서울방향, as accident()
    south = await fetch(http, f"{api.url}/api/road/history?route=0010&direction=S&until={UNTIL}")
    assert south.body["heading"] == "부산방향"
    ten = by_start(south.body)[DAY.replace(hour=10)]
    assert (ten["avgSpeed"], ten["readings"], ten["incidentsByType"]) == (100.0, 1, {"고장": 1})


async def test_road_history_in_quarter_hours(api: Api, http: aiohttp.ClientSession) -> None:
    answer = await fetch(http, f"{api.url}/api/road/history?route=0010&bucket=15&until={UNTIL}")
    body = answer.body
    assert (body["bucketMinutes"], len(body["buckets"])) == (15, 96)
    assert datetime.fromisoformat(body["end"]) == DAY.replace(hour=12)
    buckets = by_start(body)
    assert buckets[DAY.replace(hour=10)]["avgSpeed"] == 83.3  # 90 and 60 at :05, 100 at :10
    assert buckets[DAY.replace(hour=10, minute=15)]["readings"] == 0
    assert buckets[DAY.replace(hour=10, minute=30)]["avgSpeed"] == 30.0


async def test_road_history_defaults_to_the_last_24_hours(
    api: Api, http: aiohttp.ClientSession
) -> None:
    answer = await fetch(http, f"{api.url}/api/road/history?route=0010")
    body = answer.body
    end = datetime.fromisoformat(body["end"])
    assert end - timedelta(hours=1) <= now_kst() < end
    assert len(body["buckets"]) == 24
    assert all(b["readings"] == 0 for b in body["buckets"])  # nothing stored since September


# --- /api/tollgate/history --------------------------------------------------------------------


async def test_a_tollgate_s_day_in_96_slots(api: Api, http: aiohttp.ClientSession) -> None:
    answer = await fetch(http, f"{api.url}/api/tollgate/history?unitCode=101&date=2026-09-24")
    assert answer.status == 200
    body = answer.body
    assert {k: body[k] for k in ("unitCode", "unitName", "routeNo", "date", "slotMinutes")} == {
        "unitCode": "101",
        "unitName": "서울",
        "routeNo": "0010",
        "date": "2026-09-24",
        "slotMinutes": 15,
    }
    slots = body["slots"]
    assert [datetime.fromisoformat(s["slotAt"]) for s in slots] == [
        DAY + timedelta(minutes=15 * k) for k in range(96)
    ]
    assert all(KST_TIME.match(s["slotAt"]) for s in slots)
    amounts = {k: s["trafficAmount"] for k, s in enumerate(slots) if s["trafficAmount"] is not None}
    assert amounts == {0: 30, 1: 5, 95: 15}  # in and out summed; the other days left out
    assert slots[34]["trafficAmount"] is None  # 08:30: a row without a count
    assert slots[2]["trafficAmount"] is None  # 00:30: no row at all


async def test_a_tollgate_counted_but_never_listed(api: Api, http: aiohttp.ClientSession) -> None:
    answer = await fetch(http, f"{api.url}/api/tollgate/history?unitCode=103&date=2026-09-24")
    body = answer.body
    assert (body["unitName"], body["routeNo"], body["slots"][48]["trafficAmount"]) == (
        "수원",
        None,
        40,
    )


async def test_a_tollgate_s_day_defaults_to_today(api: Api, http: aiohttp.ClientSession) -> None:
    answer = await fetch(http, f"{api.url}/api/tollgate/history?unitCode=101")
    assert answer.body["date"] == now_kst().date().isoformat()
    assert [s["trafficAmount"] for s in answer.body["slots"]] == [None] * 96


async def test_an_unknown_tollgate_is_a_404(api: Api, http: aiohttp.ClientSession) -> None:
    for _ in range(2):  # the second from the cache
        answer = await fetch(http, f"{api.url}/api/tollgate/history?unitCode=999")
        assert (answer.status, answer.body["status"]) == (404, 404)
        assert "999" in answer.body["detail"]


# --- /api/road/strip --------------------------------------------------------------------------


async def strips(http: aiohttp.ClientSession, api: Api, query: str) -> Any:
    await learned(http, api.url)
    answer = await fetch(http, f"{api.url}/api/road/strip?{query}")
    assert answer.status == 200, answer.body
    return answer.body


async def test_the_strip_runs_along_the_road_in_travel_order(
    api: Api, http: aiohttp.ClientSession
) -> None:
    east, south = await strips(http, api, "route=0010")
    assert (east["direction"], east["heading"], east["headingEn"]) == (
        "E",
        "서울방향",
        "toward Seoul",
    )
    assert (south["direction"], south["heading"], south["headingEn"]) == (
        "S",
        "부산방향",
        "toward Busan",
    )
    assert (east["routeName"], east["routeNameEn"]) == ("경부선", "Gyeongbu Expressway")
    names = [w.name for w in GYEONGBU.waypoints]
    assert [n["name"] for n in east["nodes"]] == names
    assert [n["name"] for n in south["nodes"]] == names[::-1]
    assert east["nodes"][0]["nameEn"] == "Guseo IC"
    assert [n["kind"] for n in east["nodes"][:3]] == ["IC", "TG", "JC"]
    sections = await fetch(http, f"{api.url}/api/network/sections?route=0010")
    lengths = {
        f["properties"]["conzoneId"]: f["properties"]["lengthKm"] for f in sections.body["features"]
    }
    for strip in (east, south):
        d = strip["direction"]
        segments = strip["segments"]
        assert [s["conzoneId"] for s in segments] == [s.conzone_id for s in SECTIONS[d]]
        assert [(s["fromNode"], s["toNode"]) for s in segments] == [
            (k, k + 1) for k in range(len(segments))
        ]
        assert segments[0]["kmFrom"] == 0.0
        for before, after in itertools.pairwise(segments):
            assert after["kmFrom"] == before["kmTo"]  # no gap: each starts where one ends
        for s in segments:
            assert s["lengthKm"] == lengths[s["conzoneId"]]
            assert s["kmTo"] == pytest.approx(s["kmFrom"] + s["lengthKm"], abs=0.002)
        assert strip["lengthKm"] == pytest.approx(segments[-1]["kmTo"], abs=0.002)
        assert [n["km"] for n in strip["nodes"]] == [0.0] + [s["kmTo"] for s in segments]
        assert datetime.fromisoformat(strip["collectedAt"]) == STRIP_AT


async def test_the_strip_s_sections_carry_their_flow(api: Api, http: aiohttp.ClientSession) -> None:
    east, south = await strips(http, api, "route=0010")
    for s, section_ in zip(east["segments"], SECTIONS["E"], strict=True):
        if section_.stretch == NO_DATA_STRETCH:
            assert (s["grade"], s["speed"], s["travelTimeS"], s["collectedAt"]) == (
                0,
                None,
                None,
                None,
            )
            continue
        speed = 85.0 if section_.stretch == 1 else float(E_SPEEDS[(section_.stretch - 1) % 3])
        # The first section's two detectors: 100 and 70 averaged, the worst grade (서행).
        grade = 2 if section_.stretch == 1 else (1, 2, 3)[(section_.stretch - 1) % 3]
        assert (s["speed"], s["grade"]) == (speed, grade), section_.conzone_id
        assert s["travelTimeS"] == round(s["lengthKm"] * 3600 / speed)
    assert {s["grade"] for s in east["segments"]} == {0, 1, 2, 3}
    slow = [s["conzoneId"] for s in south["segments"] if s["grade"] == 2]
    assert slow == [section("S", S_SLOW_STRETCH).conzone_id]


async def test_the_strip_pins_the_active_incidents(api: Api, http: aiohttp.ClientSession) -> None:
    east, south = await strips(http, api, "route=0010")

    def keyed(strip: dict[str, Any]) -> list[tuple[str | None, str | None, bool]]:
        return [(i["pinnedBy"], i["conzoneId"], i["thisDirection"]) for i in strip["incidents"]]

    # East: the one with coordinates, the one at 신갈JC (its direction names neither heading),
    # the one without a place last; not the cleared one, the notice or route 0500's.
    assert keyed(east) == [
        ("coordinates", section("E", 5).conzone_id, True),
        ("point", section("E", 42).conzone_id, False),
        (None, None, True),
    ]
    coords, point, nowhere = east["incidents"]
    segment = next(s for s in east["segments"] if s["conzoneId"] == section("E", 5).conzone_id)
    assert segment["kmFrom"] < coords["km"] < segment["kmTo"]
    assert coords["km"] == pytest.approx((segment["kmFrom"] + segment["kmTo"]) / 2, abs=0.5)
    singal = next(n for n in east["nodes"] if n["name"] == "신갈JC")
    assert point["km"] == singal["km"]
    assert nowhere["km"] is None
    assert (coords["direction"], point["direction"]) == ("서울방향", "양방향")
    assert KST_TIME.match(coords["occurredAt"])
    # South: 신갈JC comes early (the road runs from 한남IC), then the section named in its place.
    assert keyed(south) == [
        ("point", section("S", 41).conzone_id, False),  # the section leaving 신갈JC
        ("conzone", section("S", 10).conzone_id, True),
    ]
    named = next(s for s in south["segments"] if s["conzoneId"] == section("S", 10).conzone_id)
    assert south["incidents"][1]["km"] == round((named["kmFrom"] + named["kmTo"]) / 2, 3)


async def test_one_direction_of_the_strip(api: Api, http: aiohttp.ClientSession) -> None:
    (south,) = await strips(http, api, "route=0010&direction=S")
    assert south["heading"] == "부산방향"
    assert len(south["segments"]) == len(SECTIONS["S"])


async def test_an_unknown_route_has_no_strip(api: Api, http: aiohttp.ClientSession) -> None:
    answer = await fetch(http, f"{api.url}/api/road/strip?route=9999")
    assert (answer.status, answer.body["status"]) == (404, 404)
    assert "9999" in answer.body["detail"]


# --- bad parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/road/history", "route"),
        ("/api/road/history?route=10", "route"),
        ("/api/road/history?route=0010&direction=N", "direction"),
        ("/api/road/history?route=0010&bucket=20", "bucket"),
        ("/api/road/history?route=0010&bucket=hour", "bucket"),
        ("/api/road/history?route=0010&until=yesterday", "until"),
        ("/api/road/history?route=0010&until=null", "until"),
        ("/api/road/history?route=0010&route=0500", "route"),
        ("/api/road/strip", "route"),
        ("/api/road/strip?route=0010a", "route"),
        ("/api/road/strip?route=0010&direction=both", "direction"),
        ("/api/tollgate/history", "unitCode"),
        ("/api/tollgate/history?unitCode=10-1", "unitCode"),
        ("/api/tollgate/history?unitCode=101&date=2026-02-30", "date"),
        ("/api/tollgate/history?unitCode=101&date=24.09.2026", "date"),
        ("/api/tollgate/history?unitCode=101&date=null", "date"),
    ],
)
async def test_a_bad_parameter_is_a_400_problem_naming_it(
    api: Api, http: aiohttp.ClientSession, path: str, name: str
) -> None:
    answer = await fetch(http, api.url + path)
    assert answer.status == 400, answer.body
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert [p["name"] for p in answer.body["invalid-params"]] == [name]
