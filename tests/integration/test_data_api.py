"""The data API as a real uvicorn process over a real MariaDB (read-only account) and Redis.

Data goes in as the processor puts it: batches applied through ``DedupStore.apply``, then an
``INCR`` of the data version. The API reads with an account granted SELECT only.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pymysql
import pytest
import redis.asyncio as aioredis
from multidict import CIMultiDict

from tests.conftest import Database
from tests.support.records import T0, accident, accident_batch, road_batch, road_row
from trafficha.events import CommitEvent, LeaderEvent, publish_event
from trafficha.kst import KST, now_kst
from trafficha.models.domain import Accident, RoadStatus, Tollgate, TollgateTraffic
from trafficha.models.quarantine import RejectedRow
from trafficha.models.stream import StreamEntry as Batch
from trafficha.models.stream import TollgateBatch, TollgateListBatch
from trafficha.providers.kec import parse_road_status, parse_tollgates
from trafficha.providers.modes import SourceState, SourceStatus
from trafficha.reference.network import load_network
from trafficha.reference.outline import load_outline
from trafficha.services.freshness import Collection, record_collection
from trafficha.services.heartbeat import Heartbeat, beat
from trafficha.store import DedupStore
from trafficha.streams.keys import StreamKeys
from trafficha.streams.quarantine import record_rejected
from trafficha.topology.processes import free_port, wait_until
from trafficha.topology.servers import MariaDBServer, RedisServer

pytestmark = pytest.mark.integration

KEC_FIXTURES = Path(__file__).parents[1] / "fixtures" / "kec"

ORIGINAL_ACCIDENT_FIELDS = {
    "id",
    "accDate",
    "accHour",
    "accPointNM",
    "roadNM",
    "nosunNM",
    "smsText",
    "accType",
    "latitude",
    "altitude",
    "createdAt",
}
OUR_ACCIDENT_FIELDS = {
    "occurredAt",
    "lastSeenAt",
    "typeCode",
    "direction",
    "processCode",
    "processName",
    "lanesBlocked",
    "shoulderBlocked",
    "lateLengthKm",
    "source",
    "active",
    "clearedAt",
}
ROAD_STATUS_FIELDS = {
    "routeNo",
    "routeName",
    "conzoneId",
    "conzoneName",
    "vdsId",
    "updownTypeCode",
    "trafficAmount",
    "speed",
    "shareRatio",
    "timeAvg",
    "grade",
    "collectedAt",
}
ROAD_SUMMARY_FIELDS = {
    "routeNo",
    "routeName",
    "totalSections",
    "smoothSections",
    "slowSections",
    "congestedSections",
    "avgSpeed",
    "avgTrafficAmount",
    "collectedAt",
}
KST_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+09:00$")

# --- processes and databases ------------------------------------------------------------------


@dataclass(frozen=True)
class Api:
    """A running data API process and what it reads."""

    url: str
    proc: subprocess.Popen[bytes]
    keys: StreamKeys


def _healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
        return bool(response.status == 200)


def start_api(log: Path, db: Database, redis_addr: str, keys: StreamKeys, **env: str) -> Api:
    """``trafficha run data-api`` on a free port; return once /healthz answers."""
    port = free_port()
    environ = {
        **os.environ,
        "PORT": str(port),
        "REDIS_ADDR": redis_addr,
        **db.env(),
        "STREAM_KEY": keys.stream,
        "MEMBER_NAME": "member1",
        "LOG_LEVEL": "INFO",
        **env,
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trafficha.cli", "run", "data-api"],
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: _healthy(url), timeout=30, what="data API", alive=lambda: proc.poll() is None
        )
    except BaseException:
        stop_api(proc)
        raise
    return Api(url, proc, keys)


def stop_api(proc: subprocess.Popen[bytes]) -> None:
    # SIGTERM: uvicorn runs the lifespan shutdown, which closes the pool and the Redis client.
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def create_database(mariadb_server: MariaDBServer) -> str:
    name = f"t{uuid.uuid4().hex[:12]}"
    with mariadb_server.admin() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    return name


def drop_database(mariadb_server: MariaDBServer, name: str) -> None:
    with mariadb_server.admin() as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cur.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (f"ro_{name}",))


def read_only_account(mariadb_server: MariaDBServer, name: str) -> Database:
    """A loopback account that may only SELECT from database ``name`` (as the topology's)."""
    user, password = f"ro_{name}", uuid.uuid4().hex
    with mariadb_server.admin() as conn, conn.cursor() as cur:
        cur.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (user, password))
        cur.execute(f"GRANT SELECT ON `{name}`.* TO %s@'127.0.0.1'", (user,))
    return Database("127.0.0.1", mariadb_server.port, user, password, name)


async def open_store(db_account: tuple[str, str], port: int, name: str) -> DedupStore:
    store = await DedupStore.open("127.0.0.1", port, *db_account, name)
    await store.migrate()
    return store


def com_select(mariadb_server: MariaDBServer) -> int:
    """SELECT statements the server has run, all sessions together."""
    with mariadb_server.admin() as conn, conn.cursor() as cur:
        cur.execute("SHOW GLOBAL STATUS LIKE 'Com_select'")
        row = cur.fetchone()
    assert row is not None
    return int(row[1])


# --- data -------------------------------------------------------------------------------------


def _envelope() -> dict[str, Any]:
    return {
        "producer": "test",
        "epoch": 1,
        "source": "sim",
        "fetched_at": T0,
        "batch_id": uuid.uuid4().hex,
    }


def incidents(now: datetime) -> list[Accident]:
    base = accident(1)
    return [
        msgspec.structs.replace(
            base,
            incident_key="a-seoul",
            sms_text="[사고] 경부선 서울방향 신갈JC 부근 1차로 사고",
            occurred_at=now - timedelta(minutes=10),
            type_name="사고",
            direction="서울방향",
        ),
        msgspec.structs.replace(
            base,
            incident_key="a-gangneung",
            sms_text="[고장] 영동선 강릉방향 문막IC 부근 2차로 고장차량",
            occurred_at=now - timedelta(minutes=20),
            route_no="0500",
            route_name="영동선",
            type_code="02",
            type_name="고장",
            direction="강릉방향",
        ),
        msgspec.structs.replace(
            base,
            incident_key="a-unplaced",
            sms_text="[작업] 부산방향 도로 보수 작업",
            occurred_at=now - timedelta(minutes=30),
            route_no=None,
            type_code="03",
            type_name="작업",
            direction="부산방향",
            point_name=None,
            lat=None,
            lon=None,
        ),
    ]


def tollgate_rows(newest: datetime, slots: int = 14) -> list[TollgateTraffic]:
    rows = []
    for unit, name in (("101", "서울"), ("103", "수원")):
        for k in range(slots):
            for inout in ("0", "1"):
                rows.append(
                    TollgateTraffic(
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
                        traffic_amount=100 + k + (7 if inout == "1" else 0),
                        slot_at=newest - timedelta(minutes=15 * k),
                    )
                )
    return rows


TOLLGATES = (
    Tollgate(
        unit_code="101",
        unit_name="서울",
        route_no="0010",
        route_name="경부선",
        lat=37.365,
        lon=127.102,
    ),
    Tollgate(
        unit_code="102", unit_name="판교", route_no="0010", route_name="경부선", lat=None, lon=None
    ),
)


def road_rows() -> list[RoadStatus]:
    rows = [road_row(n, grade=1) for n in range(4)] + [road_row(n, grade=3) for n in (4, 5)]
    rows += [
        msgspec.structs.replace(
            road_row(n, grade=2),
            vds_id=f"0500VDS{n:05d}",
            conzone_id="0500CZS001",
            conzone_name="강릉JC-강릉IC",
            route_no="0500",
            route_name="영동선",
            direction="S",
        )
        for n in (0, 1)
    ]
    return rows


async def apply_and_announce(
    store: DedupStore, redis: aioredis.Redis, keys: StreamKeys, *batches: Batch
) -> None:
    """As the processor does: apply, then bump the data version."""
    for batch in batches:
        await store.apply(batch)
        await redis.incr(keys.data_version)


@asynccontextmanager
async def database_holding(
    mariadb_server: MariaDBServer,
    db_account: tuple[str, str],
    redis_server: RedisServer,
    keys: StreamKeys,
    *batches: Batch,
) -> AsyncIterator[Database]:
    """A database of its own, migrated and holding ``batches`` (each announced as the processor
    does), seen through a read-only account; dropped at the end."""
    name = create_database(mariadb_server)
    redis = aioredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        async with await open_store(db_account, mariadb_server.port, name) as store:
            await apply_and_announce(store, redis, keys, *batches)
        yield read_only_account(mariadb_server, name)
    finally:
        await redis.aclose()
        drop_database(mariadb_server, name)


@contextmanager
def serving(
    log: Path, db: Database, redis_addr: str, keys: StreamKeys, **env: str
) -> Iterator[Api]:
    """:func:`start_api` for as long as the block runs."""
    running = start_api(log, db, redis_addr, keys, **env)
    try:
        yield running
    finally:
        stop_api(running.proc)


def seed_batches(now: datetime) -> list[Batch]:
    return [
        accident_batch(incidents(now), fetched_at=now),
        # Seen only 30 h ago: out of the default 24 h window.
        accident_batch(
            [
                msgspec.structs.replace(
                    accident(9),
                    incident_key="a-old",
                    type_name="정체",
                    occurred_at=now - timedelta(hours=31),
                )
            ],
            fetched_at=now - timedelta(hours=30),
        ),
        TollgateListBatch(**_envelope(), records=TOLLGATES),
        TollgateBatch(**_envelope(), records=tuple(tollgate_rows(T0))),
        road_batch(road_rows()),
    ]


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_keys() -> StreamKeys:
    return StreamKeys(stream=f"t{uuid.uuid4().hex[:12]}:stream")


@pytest.fixture(scope="module")
async def seeded_database(
    mariadb_server: MariaDBServer,
    db_account: tuple[str, str],
    redis_server: RedisServer,
    module_keys: StreamKeys,
) -> AsyncIterator[Database]:
    """One seeded database for the module's read-only tests; the read-only account's view."""
    batches = seed_batches(now_kst())
    async with database_holding(
        mariadb_server, db_account, redis_server, module_keys, *batches
    ) as db:
        yield db


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory,
    seeded_database: Database,
    redis_server: RedisServer,
    module_keys: StreamKeys,
) -> Iterator[Api]:
    log = tmp_path_factory.mktemp("data-api") / "data-api.log"
    with serving(log, seeded_database, redis_server.addr, module_keys) as running:
        yield running


@pytest.fixture
def apis(tmp_path: Path, redis_server: RedisServer) -> Iterator[Callable[..., Api]]:
    """Start more apps in a test (own keys unless given); all stopped at the end."""
    started: list[Api] = []

    def start(db: Database, *, keys: StreamKeys | None = None, **env: str) -> Api:
        keys = keys or StreamKeys(stream=f"t{uuid.uuid4().hex[:12]}:stream")
        running = start_api(
            tmp_path / "data-api.log", db, env.pop("redis_addr", redis_server.addr), keys, **env
        )
        started.append(running)
        return running

    yield start
    for running in started:
        stop_api(running.proc)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


@dataclass(frozen=True)
class Answer:
    status: int
    headers: CIMultiDict[str]
    body: Any


async def fetch(http: aiohttp.ClientSession, url: str) -> Answer:
    async with http.get(url) as response:
        raw = await response.read()
        body = json.loads(raw) if "json" in response.content_type else raw.decode()
        return Answer(response.status, CIMultiDict(response.headers), body)


async def until(check: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Await a condition the app reaches on its own (a cache expiring, a watcher's tick)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


# --- the original's five ----------------------------------------------------------------------


async def test_latest_accidents_keep_the_original_fields(
    api: Api, http: aiohttp.ClientSession
) -> None:
    answer = await fetch(http, f"{api.url}/api/accidents/latest")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["X-Served-By"] == "member1/data-api"
    items = answer.body
    assert [a["smsText"] for a in items] == [a.sms_text for a in incidents(now_kst())]
    for item in items:
        assert set(item) == ORIGINAL_ACCIDENT_FIELDS | OUR_ACCIDENT_FIELDS
        occurred = datetime.fromisoformat(item["occurredAt"])
        assert item["accDate"] == occurred.strftime("%Y%m%d")
        assert item["accHour"] == occurred.strftime("%H%M")
        for field in ("createdAt", "occurredAt", "lastSeenAt"):
            assert KST_TIME.match(item[field]), item[field]
    seoul, gangneung, unplaced = items
    assert seoul["accType"] == "사고"
    assert (seoul["roadNM"], seoul["nosunNM"]) == ("경부선", "0010")
    assert (seoul["latitude"], seoul["altitude"]) == (37.28, 127.11)  # altitude: the longitude
    assert gangneung["nosunNM"] == "0500"
    assert gangneung["id"] != seoul["id"]
    assert (unplaced["nosunNM"], unplaced["accPointNM"]) == ("", "")
    assert (unplaced["latitude"], unplaced["altitude"]) == (None, None)
    assert unplaced["lanesBlocked"] == "NYNNNN"
    assert unplaced["source"] == "sim"

    limited = await fetch(http, f"{api.url}/api/accidents/latest?limit=1")
    assert [a["smsText"] for a in limited.body] == [seoul["smsText"]]


async def test_accident_stats_count_all_today_and_by_type(
    api: Api, http: aiohttp.ClientSession
) -> None:
    answer = await fetch(http, f"{api.url}/api/accidents/stats")
    assert answer.status == 200
    # "Today" is the KST day an incident started: shortly after midnight, not all three.
    now = now_kst()
    today = sum(a.occurred_at.date() == now.date() for a in incidents(now))
    assert answer.body == {
        "totalAccidents": 4,
        "todayAccidents": today,  # the fourth started 31 h ago
        "activeAccidents": 3,
        "clearedToday": 1,  # the fourth: the newest poll does not list it
        "activeNotices": 0,
        "byType": {"사고": 1, "고장": 1, "작업": 1},
    }


async def test_tollgate_traffic_keeps_the_original_shape(
    api: Api, http: aiohttp.ClientSession
) -> None:
    answer = await fetch(http, f"{api.url}/api/tollgate/traffic")
    assert answer.status == 200
    assert [t["unitCode"] for t in answer.body] == ["101", "103"]
    seoul = answer.body[0]
    assert set(seoul) == {"unitCode", "unitName", "exDivName", "trafficData", "lastUpdated"}
    assert (seoul["unitName"], seoul["exDivName"]) == ("서울", "도공")
    # 3 h up to the newest slot: 13 slots, newest first, in and out summed.
    times = [datetime.fromisoformat(p["collectedAt"]) for p in seoul["trafficData"]]
    assert times == [T0 - timedelta(minutes=15 * k) for k in range(13)]
    assert [p["trafficAmount"] for p in seoul["trafficData"]] == [207 + 2 * k for k in range(13)]
    assert datetime.fromisoformat(seoul["lastUpdated"]) == T0
    assert set(seoul["trafficData"][0]) == {"collectedAt", "trafficAmount"}
    assert KST_TIME.match(seoul["lastUpdated"])


async def test_road_status_and_summary_keep_the_original_shape(
    api: Api, http: aiohttp.ClientSession
) -> None:
    status = await fetch(http, f"{api.url}/api/road/status")
    assert status.status == 200
    assert [
        (s["routeNo"], s["conzoneId"], s["updownTypeCode"], s["grade"]) for s in status.body
    ] == [
        ("0010", "0010CZE000", "E", 1),
        ("0010", "0010CZE001", "E", 1),
        ("0010", "0010CZE002", "E", 3),
        ("0500", "0500CZS001", "S", 2),
    ]
    first = status.body[0]
    assert set(first) == ROAD_STATUS_FIELDS
    assert first["vdsId"] == "0010VDE00000"  # the smallest detector of the section
    assert (first["speed"], first["trafficAmount"], first["shareRatio"], first["timeAvg"]) == (
        90,
        20,
        5,
        60,
    )
    assert datetime.fromisoformat(first["collectedAt"]) == T0

    summary = await fetch(http, f"{api.url}/api/road/summary")
    assert summary.status == 200
    assert [set(s) for s in summary.body] == [ROAD_SUMMARY_FIELDS] * 2
    gyeongbu, yeongdong = summary.body
    assert (gyeongbu["routeNo"], gyeongbu["routeName"]) == ("0010", "경부선")
    assert (
        gyeongbu["totalSections"],
        gyeongbu["smoothSections"],
        gyeongbu["slowSections"],
        gyeongbu["congestedSections"],
    ) == (3, 2, 0, 1)
    assert yeongdong["routeNo"] == "0500"
    assert yeongdong["slowSections"] == 1
    assert KST_TIME.match(gyeongbu["collectedAt"])


async def test_an_empty_database_gives_empty_lists(
    mariadb_server: MariaDBServer,
    db_account: tuple[str, str],
    apis: Callable[..., Api],
    http: aiohttp.ClientSession,
) -> None:
    name = create_database(mariadb_server)
    try:
        async with await open_store(db_account, mariadb_server.port, name):
            pass  # the schema, as the processor leaves it before its first batch
        empty = apis(read_only_account(mariadb_server, name))
        for path in (
            "/api/accidents/latest",
            "/api/tollgate/traffic",
            "/api/road/status",
            "/api/road/summary",
            "/api/tollgates",
            "/api/travel-time",
            "/api/travel-time/pairs",
        ):
            answer = await fetch(http, empty.url + path)
            assert (answer.status, answer.body) == (200, []), path
        stats = await fetch(http, f"{empty.url}/api/accidents/stats")
        assert stats.body == {
            "totalAccidents": 0,
            "todayAccidents": 0,
            "activeAccidents": 0,
            "clearedToday": 0,
            "activeNotices": 0,
            "byType": {},
        }
        notices = await fetch(http, f"{empty.url}/api/notices")
        assert (notices.status, notices.body) == (200, [])
    finally:
        drop_database(mariadb_server, name)


# --- filters and bad parameters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("route=0500", ["a-gangneung"]),
        ("route=0150", []),
        ("type=작업", ["a-unplaced"]),
        ("direction=서울방향", ["a-seoul"]),
        ("type=고장&direction=서울방향", []),
        ("since=2000-01-01T00:00:00", ["a-seoul", "a-gangneung", "a-unplaced", "a-old"]),
        ("until=2000-01-01T00:00:00%2B09:00", []),
        ("since=0001-01-01T00:00:00-23:59&until=9999-12-31T23:59:59%2B23:59", None),
    ],
)
async def test_accident_filters(
    api: Api, http: aiohttp.ClientSession, query: str, expected: list[str] | None
) -> None:
    texts = {a.sms_text: a.incident_key for a in incidents(now_kst())}
    answer = await fetch(http, f"{api.url}/api/accidents/latest?{query}")
    assert answer.status == 200, answer.body
    keys = [texts.get(a["smsText"], "a-old") for a in answer.body]
    if expected is None:  # instants beyond what MariaDB holds are clamped, not errors
        assert len(keys) == 4
    else:
        assert keys == expected


async def test_accident_time_window_naive_is_kst(api: Api, http: aiohttp.ClientSession) -> None:
    seen = datetime.fromisoformat(
        (await fetch(http, f"{api.url}/api/accidents/latest?limit=1")).body[0]["lastSeenAt"]
    )
    naive = seen.astimezone(KST).replace(tzinfo=None).isoformat(timespec="milliseconds")
    assert len((await fetch(http, f"{api.url}/api/accidents/latest?since={naive}")).body) == 3
    later = (seen + timedelta(seconds=1)).astimezone(KST).replace(tzinfo=None).isoformat()
    assert (await fetch(http, f"{api.url}/api/accidents/latest?since={later}")).body == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/road/status?route=0500", [("0500", "S", 2)]),
        ("/api/road/status?direction=E&grade=3", [("0010", "E", 3)]),
        ("/api/road/status?grade=0", []),
        ("/api/road/status?route=0010&direction=S", []),
        ("/api/road/summary?route=0010", [("0010",)]),
        ("/api/road/summary?route=9999", []),
    ],
)
async def test_road_filters(
    api: Api, http: aiohttp.ClientSession, path: str, expected: list[tuple[Any, ...]]
) -> None:
    answer = await fetch(http, api.url + path)
    assert answer.status == 200
    fields = ("routeNo", "updownTypeCode", "grade")
    assert [tuple(item[f] for f in fields if f in item) for item in answer.body] == expected


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/accidents/latest?limit=0", "limit"),
        ("/api/accidents/latest?limit=1001", "limit"),
        ("/api/accidents/latest?limit=ten", "limit"),
        ("/api/accidents/latest?since=yesterday", "since"),
        ("/api/accidents/latest?until=2026-13-01T00:00:00", "until"),
        ("/api/accidents/latest?route=10", "route"),
        ("/api/accidents/latest?type=", "type"),
        ("/api/road/status?grade=4", "grade"),
        ("/api/road/status?grade=-1", "grade"),
        ("/api/road/status?direction=N", "direction"),
        ("/api/road/summary?route=0010a", "route"),
        ("/api/network/sections?route=x", "route"),
        # What Litestar alone would take: null for a number, an instant or an enum (as if
        # absent), and a parameter given twice (the last wins).
        ("/api/road/status?grade=null", "grade"),
        ("/api/road/status?direction=null", "direction"),
        ("/api/accidents/latest?since=null", "since"),
        ("/api/road/status?route=0010&route=0500", "route"),
        ("/api/accidents/latest?limit=5&limit=6", "limit"),
    ],
)
async def test_a_bad_parameter_is_a_400_problem_naming_it(
    api: Api, http: aiohttp.ClientSession, path: str, name: str
) -> None:
    answer = await fetch(http, api.url + path)
    assert answer.status == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["X-Served-By"] == "member1/data-api"
    assert answer.body["status"] == 400
    assert [p["name"] for p in answer.body["invalid-params"]] == [name]
    assert "Traceback" not in json.dumps(answer.body)


async def test_null_is_text_where_a_parameter_is_text(
    api: Api, http: aiohttp.ClientSession
) -> None:
    answer = await fetch(http, f"{api.url}/api/accidents/latest?type=null")
    assert (answer.status, answer.body) == (200, [])  # no incident of the type "null"


async def test_unknown_paths_are_problems_too(api: Api, http: aiohttp.ClientSession) -> None:
    answer = await fetch(http, f"{api.url}/api/nothing")
    assert (answer.status, answer.body["status"]) == (404, 404)
    assert answer.headers["X-Served-By"] == "member1/data-api"


# --- ours: tollgates and the network ----------------------------------------------------------


async def test_tollgates_with_location_latest_volume_and_series(
    api: Api, http: aiohttp.ClientSession
) -> None:
    answer = await fetch(http, f"{api.url}/api/tollgates")
    assert answer.status == 200
    seoul, pangyo, suwon = answer.body
    assert (seoul["unitCode"], seoul["lat"], seoul["lon"], seoul["routeNo"]) == (
        "101",
        37.365,
        127.102,
        "0010",
    )
    assert datetime.fromisoformat(seoul["latestSlotAt"]) == T0
    assert seoul["latestTrafficAmount"] == 207  # in 100 + out 107 of the newest slot
    series = seoul["series"]
    assert [datetime.fromisoformat(p["slotAt"]) for p in series] == [
        T0 - timedelta(minutes=15 * k) for k in reversed(range(13))
    ]
    assert series[-1] == {"slotAt": seoul["latestSlotAt"], "trafficAmount": 207}
    # Listed without location, and without traffic.
    assert pangyo == {
        "unitCode": "102",
        "unitName": "판교",
        "routeNo": "0010",
        "routeName": "경부선",
        "lat": None,
        "lon": None,
        "latestSlotAt": None,
        "latestTrafficAmount": None,
        "series": [],
    }
    # Traffic without a list row: named from its traffic, no location.
    assert (suwon["unitCode"], suwon["unitName"], suwon["lat"], suwon["routeNo"]) == (
        "103",
        "수원",
        None,
        None,
    )
    assert len(suwon["series"]) == 13


async def test_network_is_geojson_of_routes_and_waypoints(
    api: Api, http: aiohttp.ClientSession
) -> None:
    network = load_network()
    answer = await fetch(http, f"{api.url}/api/network")
    assert answer.status == 200
    assert answer.body["type"] == "FeatureCollection"
    lines = [f for f in answer.body["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in answer.body["features"] if f["geometry"]["type"] == "Point"]
    assert [f["properties"]["routeNo"] for f in lines] == [r.route_no for r in network.routes]
    first = network.routes[0]
    assert lines[0]["properties"] == {
        "routeNo": first.route_no,
        "routeName": first.route_name,
        "routeNameEn": first.route_name_en,
    }
    assert lines[0]["geometry"]["coordinates"][0] == [
        first.waypoints[0].lon,
        first.waypoints[0].lat,
    ]
    assert len(points) == sum(len(r.waypoints) for r in network.routes)
    assert set(points[0]["properties"]) == {"name", "nameEn", "kind", "routeNo"}

    # The sections are the stored conzones, placed: three of 0010's are named alike
    # (서울TG-신갈JC, whose 2nd and 3rd copies fall on one point) and 영동선's 강릉IC is unknown.
    check = await learned(http, api.url)
    assert (check["source"], check["total"], check["placed"]) == ("store", 4, 1)
    assert [u["conzoneId"] for u in check["unplaced"]] == ["0010CZE001", "0010CZE002", "0500CZS001"]
    assert "강릉IC is not in the gazetteer" in check["unplaced"][2]["reason"]
    sections = await fetch(http, f"{api.url}/api/network/sections?route=0010")
    [feature] = sections.body["features"]
    assert feature["properties"]["conzoneId"] == "0010CZE000"
    gyeongbu = {w.name: w for w in network.route("0010").waypoints}
    assert feature["geometry"]["coordinates"] == [
        [gyeongbu[name].lon, gyeongbu[name].lat] for name in ("서울TG", "신갈JC")
    ]
    every = await fetch(http, f"{api.url}/api/network/sections")
    assert every.body["features"] == [feature]
    unknown = await fetch(http, f"{api.url}/api/network/sections?route=9999")
    assert unknown.body == {"type": "FeatureCollection", "features": []}


async def learned(http: aiohttp.ClientSession, url: str, total: int | None = None) -> Any:
    """The data API's network check once it is learned from the store (of ``total`` conzones)."""

    async def check() -> Any:
        answer = await fetch(http, f"{url}/api/network/check")
        body = answer.body
        done = body["source"] == "store" and (total is None or body["total"] == total)
        return body if done else None

    return await until(check, timeout=30, what="the network learned from the store")


async def test_the_network_is_learned_from_what_is_stored(
    mariadb_server: MariaDBServer,
    db_account: tuple[str, str],
    redis_client: aioredis.Redis,
    apis: Callable[..., Api],
    http: aiohttp.ClientSession,
) -> None:
    network = load_network()
    name = create_database(mariadb_server)
    keys = StreamKeys(stream=f"t{uuid.uuid4().hex[:12]}:stream")
    try:
        async with await open_store(db_account, mariadb_server.port, name) as store:
            running = apis(read_only_account(mariadb_server, name), keys=keys)
            # Nothing stored: the built-in network, as it is drawn.
            check = await fetch(http, f"{running.url}/api/network/check")
            assert check.headers["Cache-Control"] == "public, max-age=60"
            assert (check.body["source"], check.body["unplaced"]) == ("builtin", [])
            assert check.body["placed"] == check.body["total"] == len(network.sections)
            builtin = await fetch(http, f"{running.url}/api/network/sections")
            assert [f["properties"]["conzoneId"] for f in builtin.body["features"]] == [
                s.conzone_id for s in network.sections
            ]
            first = network.sections[0]
            assert builtin.body["features"][0]["geometry"]["coordinates"] == [
                [first.start.lon, first.start.lat],
                [first.end.lon, first.end.lat],
            ]

            # KEC's answers come in: readings of real conzones (and 0010CZE011, which follows
            # 0010CZE010 구서IC-영락IC), and the tollgate list.
            readings = list(
                parse_road_status((KEC_FIXTURES / "traffic_amount_by_realtime.json").read_bytes())
            )
            readings.append(
                msgspec.structs.replace(
                    readings[0],
                    vds_id="0010VDE00111",
                    conzone_id="0010CZE011",
                    conzone_name="영락IC-부산TG",
                )
            )
            gates = parse_tollgates((KEC_FIXTURES / "locationinfo_unit.json").read_bytes())
            await apply_and_announce(
                store,
                redis_client,
                keys,
                road_batch(readings),
                TollgateListBatch(**_envelope(), records=tuple(gates)),
            )
            commit = CommitEvent(kind="road", batch_id="b-1", inserted=6, duplicates=0, version=2)
            await publish_event(redis_client, keys, commit)

            check = await learned(http, running.url, total=5)
            assert (check["placed"], check["tollgates"], check["unplaced"]) == (5, 2, [])
            assert {r["routeNo"]: (r["placed"], r["total"]) for r in check["routes"]} == {
                "0010": (4, 4),
                "0150": (1, 1),
            }
            sections = await fetch(http, f"{running.url}/api/network/sections?route=0010")
            by_id = {f["properties"]["conzoneId"]: f for f in sections.body["features"]}
            assert set(by_id) == {"0010CZE010", "0010CZE011", "0010CZS010", "0010CZS011"}
            guseo = network.route("0010").waypoints[0]
            east = by_id["0010CZE010"]
            assert east["properties"]["conzoneName"] == "구서IC-영락IC"
            assert east["geometry"]["coordinates"][0] == [guseo.lon, guseo.lat]
            assert (
                east["geometry"]["coordinates"][-1]
                == by_id["0010CZE011"]["geometry"]["coordinates"][0]
            )
            routes = await fetch(http, f"{running.url}/api/network")
            lines = [f for f in routes.body["features"] if f["geometry"]["type"] == "LineString"]
            assert [f["properties"]["routeNo"] for f in lines] == [
                r.route_no for r in network.routes
            ]
    finally:
        drop_database(mariadb_server, name)


async def test_network_outline_is_geojson_of_the_land(
    api: Api, http: aiohttp.ClientSession
) -> None:
    answer = await fetch(http, f"{api.url}/api/network/outline")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["Cache-Control"] == "public, max-age=300"
    assert answer.body == load_outline()
    [feature] = answer.body["features"]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"] == {"name": "대한민국", "nameEn": "Republic of Korea"}


# --- the cache --------------------------------------------------------------------------------


async def test_a_repeated_request_is_a_hit_without_a_query_and_a_commit_shows_next(
    mariadb_server: MariaDBServer,
    db_account: tuple[str, str],
    redis_client: aioredis.Redis,
    apis: Callable[..., Api],
    http: aiohttp.ClientSession,
) -> None:
    name = create_database(mariadb_server)
    keys = StreamKeys(stream=f"t{uuid.uuid4().hex[:12]}:stream")
    try:
        async with await open_store(db_account, mariadb_server.port, name) as store:
            await apply_and_announce(store, redis_client, keys, road_batch(road_rows()))
            # A long max age: only the data version may expire an answer here.
            running = apis(
                read_only_account(mariadb_server, name), keys=keys, API_CACHE_MAX_AGE="10m"
            )
            await learned(http, running.url)  # its queries done: only ours are counted below
            url = f"{running.url}/api/road/summary"

            first = await fetch(http, url)
            assert (first.status, first.headers["X-Cache"]) == (200, "miss")
            before = com_select(mariadb_server)
            for _ in range(5):
                again = await fetch(http, url)
                assert (again.headers["X-Cache"], again.body) == ("hit", first.body)
            assert com_select(mariadb_server) == before

            # Another query is another entry.
            assert (await fetch(http, f"{url}?route=0010")).headers["X-Cache"] == "miss"

            later = [
                msgspec.structs.replace(r, std_at=r.std_at + timedelta(minutes=5))
                for r in road_rows()
            ]
            await apply_and_announce(store, redis_client, keys, road_batch(later))
            fresh = await fetch(http, url)
            assert fresh.headers["X-Cache"] == "miss"
            assert [s["collectedAt"] for s in fresh.body] == [
                (T0 + timedelta(minutes=5)).isoformat()
            ] * 2

            # Concurrent misses of one key share one query.
            await redis_client.incr(keys.data_version)
            before = com_select(mariadb_server)
            answers = await asyncio.gather(*(fetch(http, url) for _ in range(20)))
            assert com_select(mariadb_server) == before + 1
            assert {a.status for a in answers} == {200}
            assert all(a.body == fresh.body for a in answers)

            metrics = parse_metrics((await fetch(http, f"{running.url}/metrics")).body)
            cache = {
                s.labels["result"]: s.value
                for s in metrics["trafficha_data_api_cache_requests_total"]
            }
            assert cache["hit"] >= 5
            assert cache["miss"] == 4
    finally:
        drop_database(mariadb_server, name)


async def test_with_the_cache_off_every_request_queries(
    mariadb_server: MariaDBServer,
    seeded_database: Database,
    apis: Callable[..., Api],
    http: aiohttp.ClientSession,
) -> None:
    running = apis(seeded_database, API_CACHE_MAX_AGE="0")
    await learned(http, running.url)  # its queries done: only ours are counted below
    before = com_select(mariadb_server)
    for _ in range(3):
        answer = await fetch(http, f"{running.url}/api/road/summary")
        assert (answer.status, answer.headers["X-Cache"]) == (200, "miss")
    assert com_select(mariadb_server) == before + 3


async def test_a_store_failure_serves_the_last_answer_as_stale(
    mariadb_server: MariaDBServer,
    db_account: tuple[str, str],
    redis_client: aioredis.Redis,
    apis: Callable[..., Api],
    http: aiohttp.ClientSession,
) -> None:
    name = create_database(mariadb_server)
    keys = StreamKeys(stream=f"t{uuid.uuid4().hex[:12]}:stream")
    try:
        async with await open_store(db_account, mariadb_server.port, name) as store:
            await apply_and_announce(store, redis_client, keys, road_batch(road_rows()))
        running = apis(read_only_account(mariadb_server, name), keys=keys)
        cached = await fetch(http, f"{running.url}/api/road/summary")
        with mariadb_server.admin(name) as conn, conn.cursor() as cur:
            cur.execute("RENAME TABLE road_route_summary TO road_route_summary_gone")
        await redis_client.incr(keys.data_version)
        stale = await fetch(http, f"{running.url}/api/road/summary")
        assert (stale.status, stale.headers["X-Cache"], stale.body) == (200, "stale", cached.body)
        never = await fetch(http, f"{running.url}/api/road/summary?route=0010")
        assert never.status == 503
        assert never.headers["Content-Type"] == "application/problem+json"
        assert "Traceback" not in json.dumps(never.body)
        with mariadb_server.admin(name) as conn, conn.cursor() as cur:
            cur.execute("RENAME TABLE road_route_summary_gone TO road_route_summary")
        back = await fetch(http, f"{running.url}/api/road/summary")
        assert (back.status, back.headers["X-Cache"]) == (200, "miss")
    finally:
        drop_database(mariadb_server, name)


def test_the_account_is_read_only(seeded_database: Database) -> None:
    db = seeded_database
    with (
        pymysql.connect(
            host=db.host, port=db.port, user=db.user, password=db.password, database=db.name
        ) as conn,
        conn.cursor() as cur,
        pytest.raises(pymysql.err.OperationalError, match="command denied"),
    ):
        cur.execute("DELETE FROM traffic_accidents")


# --- HA status, events, health, metrics -------------------------------------------------------


async def test_ha_status_reflects_leader_source_members_stream_and_collections(
    api: Api, redis_client: aioredis.Redis, http: aiohttp.ClientSession
) -> None:
    keys = api.keys
    now = now_kst()
    await redis_client.hset(
        keys.holder, mapping={"holder": "member2/collector-host-42", "epoch": 7}
    )
    await SourceStatus(redis_client, keys).write(
        SourceState(mode="auto", active="sim", switches=2, changed_at=now, reason="3 failures")
    )
    await redis_client.xgroup_create(keys.stream, keys.group, id="0", mkstream=True)
    for n in range(3):
        await redis_client.xadd(keys.stream, {"n": n})
    await redis_client.xreadgroup(keys.group, "member2-proc", {keys.stream: ">"}, count=2)
    await redis_client.xadd(keys.dead, {"reason": "undecodable"})
    quarantined = [
        RejectedRow(page=1, row=n, reason="grade … is not 0..3", detail="d", excerpt="{}")
        for n in range(3)
    ]
    await record_rejected(
        redis_client,
        keys,
        dataset="road",
        source="real",
        producer="p",
        at=now,
        rejected=quarantined,
    )
    await record_collection(
        redis_client,
        keys,
        Collection(kind="road", at=now, ok=True, records=8, source="sim", producer="p", epoch=7),
    )
    await beat(
        redis_client,
        keys,
        Heartbeat(member="member2", service="processor", pid=4242, port=None, at=now),
    )
    await beat(
        redis_client,
        keys,
        Heartbeat(
            member="member2", service="gateway", pid=4243, port=9, at=now - timedelta(minutes=1)
        ),
    )

    async def status() -> dict[str, Any] | None:
        body: dict[str, Any] = (await fetch(http, f"{api.url}/api/ha/status")).body
        return body if body["leader"] and body["collections"] else None

    body = await until(status, timeout=5, what="the HA status to show the leader")
    assert body["servedBy"] == "member1/data-api"
    assert body["leader"] == {
        "holder": "member2/collector-host-42",
        "member": "member2",
        "epoch": 7,
    }
    assert body["source"] == {
        "mode": "auto",
        "active": "sim",
        "switches": 2,
        "changedAt": now.isoformat(),
        "reason": "3 failures",
    }
    members = {m["member"]: {s["service"]: s for s in m["services"]} for m in body["members"]}
    assert members["member1"]["data-api"]["alive"] is True
    assert members["member2"]["processor"]["alive"] is True
    assert members["member2"]["processor"]["pid"] == 4242
    # What the ingress forwards carries its mark: the public view has no pids nor ports.
    async with http.get(
        f"{api.url}/api/ha/status", headers={"X-Trafficha-Edge": "public"}
    ) as response:
        public = await response.json()
    served = [s for m in public["members"] for s in m["services"]]
    assert {(s["pid"], s["port"]) for s in served} == {(None, None)}
    assert {s["service"] for s in served} >= {"processor", "gateway", "data-api"}
    again = (await fetch(http, f"{api.url}/api/ha/status")).body  # the views cache apart
    pids = {(m["member"], s["service"]): s["pid"] for m in again["members"] for s in m["services"]}
    assert pids["member2", "processor"] == 4242
    assert members["member2"]["gateway"]["alive"] is False
    assert body["stream"]["length"] == 3
    assert body["stream"]["pending"] == 2
    assert body["stream"]["lag"] == 1
    assert body["stream"]["deadLetters"] == 1
    assert body["stream"]["consumers"][0]["name"] == "member2-proc"
    assert body["collections"] == [
        {
            "kind": "road",
            "at": now.isoformat(),
            "ok": True,
            "records": 8,
            "source": "sim",
            "error": None,
            "intervalSeconds": 300.0,  # ROAD_STATUS_COLLECT_INTERVAL: stale after twice that
        }
    ]
    assert body["dataVersion"] == 5  # one INCR per seeded batch

    metrics = parse_metrics((await fetch(http, f"{api.url}/metrics")).body)
    assert metrics["trafficha_leader_epoch"][0].value == 7
    assert metrics["trafficha_stream_length"][0].value == 3
    assert metrics["trafficha_stream_pending"][0].value == 2
    assert metrics["trafficha_stream_dead_letters"][0].value == 1
    assert metrics["trafficha_source_switches"][0].value == 2
    assert metrics["trafficha_data_version"][0].value == 5
    [rows] = metrics["trafficha_quarantined_rows_total"]
    assert (rows.labels, rows.value) == ({"dataset": "road", "reason": "grade … is not 0..3"}, 3)


class EventStream:
    """Reads server-sent events off a streaming response."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.last_id: str | None = None

    async def next(self) -> tuple[str, dict[str, Any]]:
        event, data = "message", ""
        while True:
            line = (await self.response.content.readline()).decode()
            if not line:
                raise AssertionError("the event stream ended")
            line = line.rstrip("\n")
            if line == "":
                if data:
                    return event, json.loads(data)
                continue
            field, _, value = line.partition(": ")
            if field == "event":
                event = value
            elif field == "id":
                self.last_id = value
            elif field == "data":
                data += value

    async def wait_for(
        self,
        kind: str,
        match: Callable[[dict[str, Any]], bool] = lambda _: True,
        timeout: float = 5,
    ) -> dict[str, Any]:
        async def find() -> dict[str, Any]:
            while True:
                event, data = await self.next()
                if event == kind and match(data):
                    return data

        return await asyncio.wait_for(find(), timeout)


async def test_events_relay_commits_and_leader_changes_within_a_second(
    api: Api, redis_client: aioredis.Redis, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{api.url}/api/events") as response:
        assert response.status == 200
        assert response.content_type == "text/event-stream"
        assert response.headers["X-Served-By"] == "member1/data-api"
        stream = EventStream(response)
        event, hello = await stream.next()
        assert event == "hello"
        assert hello["servedBy"] == "member1/data-api"
        assert hello["dataVersion"] >= 5
        assert "member1/data-api" in hello["alive"]

        commit = CommitEvent(kind="road", batch_id="b-1", inserted=8, duplicates=0, version=6)
        await publish_event(redis_client, api.keys, commit)
        data = await stream.wait_for("commit", timeout=1)
        assert data == {
            "type": "commit",
            "kind": "road",
            "batchId": "b-1",
            "inserted": 8,
            "duplicates": 0,
            "version": 6,
            "changed": None,
        }
        # The frame carries the event's id in the log: what a reconnect resumes from.
        newest: Any = await redis_client.xrevrange(api.keys.events_log, count=1)
        assert stream.last_id == newest[0][0].decode()
        await redis_client.xadd(api.keys.events_log, {b"e": b"not an event"})  # ignored
        await publish_event(redis_client, api.keys, LeaderEvent(holder="member2/c", epoch=8))
        assert await stream.wait_for("leader", timeout=1) == {
            "type": "leader",
            "holder": "member2/c",
            "epoch": 8,
        }


async def test_events_announce_a_service_appearing_and_going_stale(
    api: Api, redis_client: aioredis.Redis, http: aiohttp.ClientSession
) -> None:
    name = f"member2/sse-{uuid.uuid4().hex[:6]}"
    member, service = name.split("/")
    async with http.get(f"{api.url}/api/events") as response:
        stream = EventStream(response)
        assert (await stream.next())[0] == "hello"
        await beat(
            redis_client,
            api.keys,
            Heartbeat(member=member, service=service, pid=1, port=None, at=now_kst()),
        )
        appeared = await stream.wait_for("members", lambda d: name in d["alive"], timeout=3)
        assert name not in appeared["down"]
        await beat(
            redis_client,
            api.keys,
            Heartbeat(
                member=member,
                service=service,
                pid=1,
                port=None,
                at=now_kst() - timedelta(minutes=1),
            ),
        )
        gone = await stream.wait_for("members", lambda d: name in d["down"], timeout=3)
        assert name not in gone["alive"]


async def test_event_clients_are_counted_and_released(
    api: Api, redis_client: aioredis.Redis, http: aiohttp.ClientSession
) -> None:
    responses = [await http.get(f"{api.url}/api/events") for _ in range(5)]
    try:
        streams = [EventStream(r) for r in responses]
        for stream in streams:
            assert (await stream.next())[0] == "hello"
        metrics = parse_metrics((await fetch(http, f"{api.url}/metrics")).body)
        assert metrics["trafficha_data_api_event_clients"][0].value >= 5
        await publish_event(
            redis_client,
            api.keys,
            CommitEvent(kind="accidents", batch_id="b-2", inserted=1, duplicates=0, version=7),
        )
        for stream in streams:
            assert (await stream.wait_for("commit", timeout=1))["batchId"] == "b-2"
    finally:
        for response in responses:
            response.close()

    async def released() -> bool:
        metrics = parse_metrics((await fetch(http, f"{api.url}/metrics")).body)
        return metrics["trafficha_data_api_event_clients"][0].value == 0

    await until(released, timeout=5, what="the closed streams to be released")


async def test_health_and_readiness(api: Api, http: aiohttp.ClientSession) -> None:
    health = await fetch(http, f"{api.url}/healthz")
    assert (health.status, health.body["status"]) == (200, "ok")
    ready = await fetch(http, f"{api.url}/readyz")
    assert (ready.status, ready.body) == (200, {"db": True, "redis": True})


async def test_without_mariadb_it_starts_not_ready_and_answers_problems(
    apis: Callable[..., Api], http: aiohttp.ClientSession
) -> None:
    nowhere = Database("127.0.0.1", free_port(), "nobody", "x", "nothing")
    running = apis(nowhere)
    ready = await fetch(http, f"{running.url}/readyz")
    assert ready.status == 503
    assert ready.headers["Content-Type"] == "application/problem+json"
    assert "db" in ready.body["detail"]
    data = await fetch(http, f"{running.url}/api/road/summary")
    assert (data.status, data.body["status"]) == (503, 503)
    assert "Traceback" not in json.dumps(data.body)


async def test_without_redis_it_still_serves_data(
    seeded_database: Database, apis: Callable[..., Api], http: aiohttp.ClientSession
) -> None:
    running = apis(seeded_database, redis_addr=f"127.0.0.1:{free_port()}")
    ready = await fetch(http, f"{running.url}/readyz")
    assert (ready.status, "redis" in ready.body["detail"]) == (503, True)
    first = await fetch(http, f"{running.url}/api/road/summary")
    assert (first.status, len(first.body)) == (200, 2)
    # Cached by max age alone meanwhile, and without waiting on Redis for each request.
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(5):
        assert (await fetch(http, f"{running.url}/api/road/summary")).headers["X-Cache"] == "hit"
    assert loop.time() - started < 1.0
    ha = await fetch(http, f"{running.url}/api/ha/status")
    assert ha.status == 503


# --- metrics and the OpenAPI document ---------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


_SAMPLE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?P<labels>([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*)\})?'
    r" (?P<value>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|NaN|[-+]Inf)$"
)
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> dict[str, list[Sample]]:
    """Parse Prometheus text format 0.0.4 strictly: every line a comment or a valid sample,
    every sample of a family declared by TYPE before it."""
    families: dict[str, list[Sample]] = {}
    typed: set[str] = set()
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in {"counter", "gauge"}, line
            assert name not in typed, f"{name} declared twice"
            typed.add(name)
            families[name] = []
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name = match["name"]
        assert name in typed, f"{name} has no TYPE line"
        labels = dict(_LABEL.findall(match["labels"] or ""))
        families[name].append(Sample(labels, float(match["value"])))
    return families


async def test_metrics_are_prometheus_text(api: Api, http: aiohttp.ClientSession) -> None:
    await fetch(http, f"{api.url}/api/road/summary")
    await fetch(http, f"{api.url}/api/road/summary?route=x")
    answer = await fetch(http, f"{api.url}/metrics")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    metrics = parse_metrics(answer.body)
    responses = {
        (s.labels["route"], s.labels["status"]): s.value
        for s in metrics["trafficha_data_api_responses_total"]
    }
    assert responses[("/api/road/summary", "200")] >= 1
    assert responses[("/api/road/summary", "400")] >= 1
    assert metrics["trafficha_redis_up"][0].value == 1
    for name in (
        "trafficha_data_api_cache_requests_total",
        "trafficha_stream_length",
        "trafficha_stream_pending",
        "trafficha_stream_dead_letters",
        "trafficha_source_switches",
        "trafficha_leader_epoch",
    ):
        assert name in metrics


async def test_openapi_document_is_valid_and_complete(
    api: Api, http: aiohttp.ClientSession
) -> None:
    import schemathesis

    answer = await fetch(http, f"{api.url}/schema/openapi.json")
    assert answer.status == 200
    document = answer.body
    schemathesis.openapi.from_dict(document).validate()  # against the OpenAPI 3.1 meta-schema
    paths = document["paths"]
    for path in (
        "/api/accidents/latest",
        "/api/accidents/stats",
        "/api/notices",
        "/api/tollgate/traffic",
        "/api/road/status",
        "/api/road/summary",
        "/api/tollgates",
        "/api/network",
        "/api/network/sections",
        "/api/network/check",
        "/api/ha/status",
        "/api/events",
        "/healthz",
        "/readyz",
        "/metrics",
    ):
        assert set(paths[path]) == {"get"}, path
        assert "200" in paths[path]["get"]["responses"], path
    schemas = document["components"]["schemas"]
    assert (
        set(schemas["AccidentItem"]["required"]) == ORIGINAL_ACCIDENT_FIELDS | OUR_ACCIDENT_FIELDS
    )
    params = {p["name"]: p["schema"] for p in paths["/api/road/status"]["get"]["parameters"]}
    assert params["grade"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 3,
        "description": params["grade"]["description"],
    }
    assert params["direction"]["enum"] == ["S", "E"]
    bad = paths["/api/accidents/latest"]["get"]["responses"]["400"]["content"]
    assert bad["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


# --- small answers: compression, revalidation, versioned geometry ----------------------------


@pytest.fixture
async def raw_http() -> AsyncIterator[aiohttp.ClientSession]:
    """A client that sends only the Accept-Encoding a test gives and decodes nothing."""
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=30),
        auto_decompress=False,
        skip_auto_headers=("Accept-Encoding",),
    ) as session:
        yield session


async def raw_get(
    http: aiohttp.ClientSession, url: str, **headers: str
) -> tuple[int, CIMultiDict[str], bytes]:
    named = {name.replace("_", "-"): value for name, value in headers.items()}
    async with http.get(url, headers=named) as response:
        return response.status, CIMultiDict(response.headers), await response.read()


def decoded(headers: CIMultiDict[str], body: bytes) -> bytes:
    import gzip

    import brotli

    coding = headers.get("Content-Encoding")
    if coding == "gzip":
        return gzip.decompress(body)
    if coding == "br":
        return bytes(brotli.decompress(body))
    assert coding is None, coding
    return body


async def test_answers_are_compressed_where_the_client_accepts_it(
    api: Api, raw_http: aiohttp.ClientSession
) -> None:
    url = f"{api.url}/api/network"  # 50 KB (the seeded store places one section: small)
    status, plain, identity = await raw_get(raw_http, url)
    assert status == 200
    assert "Content-Encoding" not in plain
    assert plain["Content-Length"] == str(len(identity))
    assert plain["Vary"] == "Accept-Encoding"
    document = json.loads(identity)
    assert document["type"] == "FeatureCollection"

    for accept, coding in (
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, deflate, br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0.5, br;q=0.9", "br"),
        ("*", "br"),
        ("identity", None),
        ("deflate", None),
    ):
        status, headers, body = await raw_get(raw_http, url, Accept_Encoding=accept)
        assert status == 200, accept
        assert headers.get("Content-Encoding") == coding, accept
        assert headers["Content-Length"] == str(len(body)), accept
        assert headers["Vary"] == "Accept-Encoding"
        assert decoded(headers, body) == identity, accept
        if coding is not None:
            assert len(body) < len(identity) / 4, (coding, len(body))
            # Each coding its own strong validator, of the same body.
            assert headers["ETag"] == plain["ETag"][:-1] + f'-{coding}"'

    # A cached data answer too, with its X-Cache.
    status, headers, body = await raw_get(
        raw_http, f"{api.url}/api/road/status", Accept_Encoding="gzip"
    )
    assert status == 200
    assert headers["X-Cache"] in ("hit", "miss")
    assert json.loads(decoded(headers, body)) == json.loads(
        (await raw_get(raw_http, f"{api.url}/api/road/status"))[2]
    )

    # A small body is left alone, whatever the client accepts.
    status, headers, body = await raw_get(raw_http, f"{api.url}/healthz", Accept_Encoding="br")
    assert status == 200
    assert "Content-Encoding" not in headers
    assert json.loads(body)["service"] == "data-api"


async def test_event_stream_is_never_compressed(api: Api, raw_http: aiohttp.ClientSession) -> None:
    async with raw_http.get(
        f"{api.url}/api/events", headers={"Accept-Encoding": "gzip, br"}
    ) as response:
        assert response.status == 200
        assert response.content_type == "text/event-stream"
        assert "Content-Encoding" not in response.headers
        assert "ETag" not in response.headers
        received = b""
        async with asyncio.timeout(5):  # not buffered: the hello comes at once, as text
            while b"event: hello" not in received:
                received += await response.content.readany()


async def test_a_matching_etag_is_a_304(api: Api, raw_http: aiohttp.ClientSession) -> None:
    for path in ("/api/road/status", "/api/accidents/latest", "/api/network", "/api/tollgates"):
        url = f"{api.url}{path}"
        status, headers, body = await raw_get(raw_http, url)
        assert status == 200
        etag = headers["ETag"]
        assert re.fullmatch(r'"[0-9a-f]{24}"', etag), etag

        status, again, body = await raw_get(raw_http, url, If_None_Match=etag)
        assert (status, body) == (304, b""), path
        assert again["ETag"] == etag
        assert again.get("Cache-Control") == headers.get("Cache-Control")
        assert "Content-Encoding" not in again

        # The compressed variant's tag, or a list naming it, or W/: the same body, a 304.
        status, coded, _ = await raw_get(raw_http, url, Accept_Encoding="br")
        for held in (coded["ETag"], f'"nope", {etag}', f"W/{etag}"):
            status, again, body = await raw_get(
                raw_http, url, Accept_Encoding="br", If_None_Match=held
            )
            assert (status, body) == (304, b""), (path, held)
        status, _, body = await raw_get(raw_http, url, If_None_Match='"0000"')
        assert status == 200
        assert body


async def test_geometry_is_cacheable_for_good_at_its_version(
    api: Api, raw_http: aiohttp.ClientSession
) -> None:
    status, headers, _ = await raw_get(raw_http, f"{api.url}/api/network/check")
    assert status == 200
    version = headers["X-Network-Version"]
    assert re.fullmatch(r"[0-9a-f]{16}", version)
    immutable = "public, max-age=31536000, immutable"
    for path, short in (
        ("/api/network", "public, max-age=60"),
        ("/api/network/sections", "public, max-age=60"),
        ("/api/network/sections?route=0010", "public, max-age=60"),
        ("/api/network/outline", "public, max-age=300"),
    ):
        joiner = "&" if "?" in path else "?"
        _, plain, body = await raw_get(raw_http, f"{api.url}{path}")
        assert plain["Cache-Control"] == short, path
        assert plain["X-Network-Version"] == version
        status, versioned, same = await raw_get(raw_http, f"{api.url}{path}{joiner}v={version}")
        assert status == 200
        assert versioned["Cache-Control"] == immutable, path
        assert same == body
        # Another version (an old build's): the current geometry, briefly cached.
        _, other, _ = await raw_get(raw_http, f"{api.url}{path}{joiner}v=0123456789abcdef")
        assert other["Cache-Control"] == short, path
        assert other["X-Network-Version"] == version
    status, _, _ = await raw_get(raw_http, f"{api.url}/api/network?v={'f' * 65}")
    assert status == 400
