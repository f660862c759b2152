"""Real KEC answers, end to end: each recording of ``../shared/kec-real`` replayed by the
simulator, read through the proxy by a collector in ``real`` mode, applied by a processor and
served by the data API. Every real row reaches the API or is quarantined with its reason; the
notices are notices; the real ``0010CZE010`` (구서IC-영락IC) is drawn from 구서IC toward 부산TG, in
Busan, not 72 km north (issue 14, point 5).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from tests.conftest import Database
from tests.support.services import Services
from tests.support.shared import KEC_REAL
from tests.support.wait import eventually
from trafficha.config import env_name
from trafficha.datasets.registry import DATASETS
from trafficha.providers.kec import parse_accidents, parse_tollgates
from trafficha.reference.network import haversine_km, load_network
from trafficha.services.freshness import last_collections
from trafficha.streams import StreamKeys
from trafficha.streams.quarantine import quarantine_counts, quarantined_rows
from trafficha.topology.servers import RedisServer

pytestmark = pytest.mark.integration

# One recording per dataset, by the simulator's replay naming (<kind>.json). trafficAll is the
# unit-less sibling of trafficIc: replayed as the tollgate feed, its rows have no unitCode.
RECORDINGS = {
    "accidents": "realTimeSms.json",
    "road": "trafficAmountByRealtime.json",
    "tollgates": "locationinfoUnit-590.json",
    "tollgate": "trafficAll.json",
}
KEY = "test"


def recording(kind: str) -> bytes:
    return (KEC_REAL / RECORDINGS[kind]).read_bytes()


def wrapped(rows: bytes) -> bytes:
    """A bare array of KEC rows (the 590-unit list) in KEC's envelope, for the parser."""
    listed = json.loads(rows)
    return json.dumps({"code": "SUCCESS", "count": len(listed), "list": listed}).encode()


def whole_routes() -> bytes:
    """The road snapshot of two whole routes: the recorded readings, and every other conzone of
    the recorded conzone index (routes 0010 and 1000) as KEC lists a conzone without a reading
    (grade 0, speed -1). The recorded snapshot alone is 2 of ~1,600 conzones: no conzone has a
    neighbour to place an end by, as every conzone of the whole feed has."""
    snapshot = json.loads(recording("road"))
    first = snapshot["list"][0]
    recorded = {row["conzoneId"] for row in snapshot["list"]}
    index = json.loads((KEC_REAL / "conzones-sample.json").read_bytes())["conzones"]
    for n, cz in enumerate(c for c in index if c["conzoneId"] not in recorded):
        direction = cz["conzoneId"][6]
        snapshot["list"].append(
            {
                **first,
                "vdsId": f"{cz['routeNo']}VD{direction}{90000 + n:05d}",
                "conzoneId": cz["conzoneId"],
                "conzoneName": cz["conzoneName"],
                "routeNo": cz["routeNo"],
                "routeName": cz["routeName"],
                "updownTypeCode": direction,
                "speed": "-1",
                "trafficAmout": "0",
                "grade": "0",
            }
        )
    snapshot["count"] = len(snapshot["list"])
    return json.dumps(snapshot, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def replay_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The recordings under their replay names, linked (never copied into the repository); the
    road snapshot widened to two whole routes; and an empty VDS list, so that no simulated
    chainage mixes into the real conzones."""
    directory = tmp_path_factory.mktemp("replay")
    for kind, name in RECORDINGS.items():
        if kind != "road":
            (directory / f"{kind}.json").symlink_to(KEC_REAL / name)
    (directory / "road.json").write_bytes(whole_routes())
    (directory / "vds.json").write_text('{"code":"SUCCESS","count":0,"list":[]}')
    return directory


@pytest.fixture
def keys(namespace: str) -> StreamKeys:
    return StreamKeys(stream=f"{namespace}:stream", group=f"{namespace}:group")


@pytest.fixture
def pipeline(
    tmp_path: Path,
    replay_dir: Path,
    database: Database,
    redis_server: RedisServer,
    keys: StreamKeys,
) -> Iterator[str]:
    """simulator (replaying) -> proxy -> collector (real) -> processor -> data API; yields the
    data API's URL."""
    services = Services(tmp_path)
    base = {
        "REDIS_ADDR": redis_server.addr,
        "REDIS_PASSWORD": redis_server.password or "",
        **database.env(),
        "STREAM_KEY": keys.stream,
        "STREAM_GROUP": keys.group,
        "LOG_LEVEL": "INFO",
    }
    try:
        simulator = services.start(
            "simulator",
            {**base, "SIMULATOR_API_KEYS": KEY, "SIMULATOR_REPLAY_DIR": str(replay_dir)},
            http=True,
        )
        assert simulator.url is not None
        upstream = {env_name(d.url_setting): simulator.url + d.feed.path for d in DATASETS}
        proxy = services.start("proxy", {**base, **upstream, "REAL_OPENAPI_KEY": KEY}, http=True)
        assert proxy.url is not None
        services.start("processor", base)
        services.start(
            "collector",
            {
                **base,
                "DATA_SOURCE_MODE": "real",
                "OPENAPI_PROXY_URL": proxy.url,
                "REAL_OPENAPI_KEY": KEY,
                "COLLECT_INTERVAL": "1s",
                "TOLLGATE_COLLECT_INTERVAL": "1s",
                "ROAD_STATUS_COLLECT_INTERVAL": "1s",
                "TOLLGATE_LIST_INTERVAL": "1s",
                "VDS_LIST_INTERVAL": "1s",
            },
        )
        api = services.start("data-api", base, http=True)
        assert api.url is not None
        yield api.url
    finally:
        services.stop_all()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session


async def get(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_every_recorded_row_reaches_the_api_or_is_quarantined(
    pipeline: str, http: aiohttp.ClientSession, redis_client: aioredis.Redis, keys: StreamKeys
) -> None:
    parsed = parse_accidents(recording("accidents"))
    units = parse_tollgates(wrapped(recording("tollgates")))
    assert not parsed.rejected
    assert not units.rejected
    notices = {a.sms_text for a in parsed if a.category == "notice"}
    incidents = {a.sms_text for a in parsed if a.category == "incident"}
    assert len(notices) == 19
    assert len(incidents) == 1

    async def arrived() -> bool:
        tollgates = await get(http, f"{pipeline}/api/tollgates")
        road = await get(http, f"{pipeline}/api/road/status")
        listed = await get(http, f"{pipeline}/api/notices")
        return len(tollgates) == len(units) and bool(road) and len(listed) == len(notices)

    await eventually(arrived, timeout=60, interval=0.5)

    # Incidents: the notices are served as notices, the one 작업 as an incident; none is lost.
    served_notices = await get(http, f"{pipeline}/api/notices")
    assert {n["smsText"] for n in served_notices} == notices
    served = await get(http, f"{pipeline}/api/accidents/latest")
    assert {a["smsText"] for a in served} == incidents
    stats = await get(http, f"{pipeline}/api/accidents/stats")
    assert (stats["activeNotices"], stats["totalAccidents"]) == (19, 1)
    assert "이벤트/홍보" not in stats["byType"]

    # Tollgates: all 590 units, with the coordinates KEC gave (null stays null).
    tollgates = await get(http, f"{pipeline}/api/tollgates")
    located = {t["unitCode"]: (t["lat"], t["lon"]) for t in tollgates if t["lat"] is not None}
    assert located == {u.unit_code: (u.lat, u.lon) for u in units if u.lat is not None}
    assert len(located) == 396

    # Road flow: both recorded readings, under KEC's own ids (the others have no reading).
    road = await get(http, f"{pipeline}/api/road/status")
    assert {r["conzoneId"] for r in road} == {"0010CZE010", "0010CZS010"}

    # trafficAll rows carry no unitCode: every one is quarantined with that reason, the
    # collection is a failed one that says so, and no other dataset lost a row.
    async def quarantined() -> bool:
        return any(c.dataset == "tollgate" for c in await quarantine_counts(redis_client, keys))

    await eventually(quarantined, timeout=30, interval=0.5)
    counts = await quarantine_counts(redis_client, keys)
    assert {(c.dataset, c.reason) for c in counts} == {("tollgate", "unitCode is missing")}
    assert counts[0].rows % 20 == 0
    sample = await quarantined_rows(redis_client, keys, "tollgate")
    assert sample
    assert all('"exDivCode"' in r.excerpt for r in sample)
    tollgate = (await last_collections(redis_client, keys))["tollgate"]
    assert (tollgate.ok, tollgate.error) == (False, "all 20 rows quarantined (unitCode is missing)")


async def test_the_real_conzone_is_drawn_between_its_named_ends(
    pipeline: str, http: aiohttp.ClientSession
) -> None:
    route = {w.name: w for w in load_network().route("0010").waypoints}
    # 구서IC is a built-in waypoint; 영락IC is in no gazetteer (KEC's unit list has no 영락), so
    # its end is placed by the conzone order: after 구서IC, before 부산TG (the next conzone's).
    guseo, busan = route["구서IC"], route["부산TG"]
    span = haversine_km(guseo.lat, guseo.lon, busan.lat, busan.lon)

    found: list[dict[str, Any]] = []

    async def learned() -> bool:
        # The data API learns the network from what the pipeline stored, once it is stored.
        sections = await get(http, f"{pipeline}/api/network/sections?route=0010")
        found[:] = [
            f
            for f in sections["features"]
            if f["properties"]["conzoneId"] == "0010CZE010"
            and f["properties"]["conzoneName"] == "구서IC-영락IC"
        ]
        return bool(found)

    await eventually(learned, timeout=60, interval=0.5)
    [feature] = found
    (lon0, lat0), *_, (lon1, lat1) = feature["geometry"]["coordinates"]
    assert haversine_km(lat0, lon0, guseo.lat, guseo.lon) < 0.5
    assert 0.1 < haversine_km(lat1, lon1, guseo.lat, guseo.lon) < span
    assert 0.1 < haversine_km(lat1, lon1, busan.lat, busan.lon) < span
    check = await get(http, f"{pipeline}/api/network/check")
    assert check["source"] == "store"
    index = json.loads((KEC_REAL / "conzones-sample.json").read_bytes())["conzones"]
    assert check["total"] == check["placed"] == len(index)  # every recorded conzone placed
