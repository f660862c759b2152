"""The simulator as users meet it: the real server process (`trafficha run simulator` under
uvicorn) driven over HTTP, every answer read with our KEC parsers; plus exact answers at a fixed
clock through Litestar's test client."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

import aiohttp
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from trafficha.apps.simulator import ENDPOINTS, create_app
from trafficha.config import Settings
from trafficha.datasets.registry import ACCIDENTS, DATASETS, TOLLGATE_LIST, TOLLGATE_TRAFFIC
from trafficha.errors import ProviderAuthError, ProviderPayloadError
from trafficha.kst import KST, now_kst
from trafficha.models import Accident
from trafficha.providers.kec import (
    parse_accidents,
    parse_page,
    parse_road_status,
    parse_tollgate_traffic,
    parse_tollgates,
)
from trafficha.sim import TrafficWorld, faults_cli
from trafficha.topology.processes import ManagedProcess, free_port, wait_until

pytestmark = pytest.mark.integration

SEED = 11
KEYS = ("test", "1234567890")
SMS = "/openapi/burstInfo/realTimeSms"
IC = "/openapi/trafficapi/trafficIc"
VDS = "/openapi/odtraffic/trafficAmountByRealtime"
UNITS = "/openapi/locationinfo/locationinfoUnit"
PATHS = {d.endpoint: d.feed.path for d in DATASETS}
PARSERS: dict[str, Callable[[bytes], list[Any]]] = {d.endpoint: d.parse for d in DATASETS}
JSON_TYPE = "application/json;charset=UTF-8"
MEMBER = "member1"
START_TIMEOUT_S = 30.0
WORLD = TrafficWorld(SEED)

T = TypeVar("T")


def healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
        return bool(json.loads(response.read())["status"] == "ok")


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server: `python -m trafficha.cli run simulator` on a free port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = ManagedProcess(
        "simulator",
        [sys.executable, "-m", "trafficha.cli", "run", "simulator"],
        tmp_path_factory.mktemp("simulator"),
    )
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SIMULATOR_API_KEYS": ",".join(KEYS),
        "SIMULATOR_SEED": str(SEED),
        "MEMBER_NAME": MEMBER,
    }
    process.start(env=env)
    try:
        wait_until(
            lambda: healthy(url), timeout=START_TIMEOUT_S, what="simulator", alive=process.alive
        )
        yield url
    finally:
        process.stop()


@pytest.fixture
async def http(simulator: str) -> AsyncIterator[aiohttp.ClientSession]:
    # A fresh connection per request: a dropped connection is then never retried by aiohttp on
    # a reused one, so every request reaches the server exactly once.
    session = aiohttp.ClientSession(
        base_url=simulator, connector=aiohttp.TCPConnector(force_close=True)
    )
    try:
        async with session.delete("/admin/faults") as response:
            assert response.status == 200
        yield session
        async with session.delete("/admin/faults") as response:
            assert response.status == 200
    finally:
        await session.close()


async def get(
    http: aiohttp.ClientSession, path: str, **params: str | int
) -> tuple[int, str, bytes]:
    query = {"key": KEYS[0], "type": "json", **{k: str(v) for k, v in params.items()}}
    async with http.get(path, params=query) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.read()


async def ok(http: aiohttp.ClientSession, path: str, **params: str | int) -> bytes:
    """The body of a KEC request that must answer HTTP 200."""
    status, _, body = await get(http, path, **params)
    assert status == 200
    return body


async def admin(http: aiohttp.ClientSession, method: str, path: str, body: object = None) -> Any:
    async with http.request(method, path, json=body) as response:
        assert response.status == 200, await response.text()
        return await response.json()


def seconds_between(t0: datetime, t1: datetime) -> list[datetime]:
    """Every whole second from t0's to t1's: the instants a request between them was served at.

    The world changes only on whole seconds (incident starts and ends, VDS minutes, tollgate
    slots), so each of these instants stands for every moment within its second.
    """
    first = t0.replace(microsecond=0)
    return [first + timedelta(seconds=n) for n in range(int((t1 - first).total_seconds()) + 1)]


async def timed(fetch: Callable[[], Any]) -> tuple[Any, list[datetime]]:
    t0 = now_kst()
    result = await fetch()
    return result, seconds_between(t0, now_kst())


def keys(accidents: list[Accident]) -> list[str]:
    return [a.incident_key for a in accidents]


# --- every endpoint, parsed -------------------------------------------------------------------


async def test_each_endpoint_parses_into_the_worlds_records(http: aiohttp.ClientSession) -> None:
    (status, ctype, body), moments = await timed(lambda: get(http, SMS))
    assert (status, ctype) == (200, JSON_TYPE)
    served = parse_accidents(body)
    assert any(keys(served) == keys(WORLD.incidents_at(t)[: len(served)]) for t in moments)

    (status, ctype, body), moments = await timed(lambda: get(http, IC))
    assert (status, ctype) == (200, JSON_TYPE)
    page = parse_page(body)
    assert any(
        parse_tollgate_traffic(body) == WORLD.tollgate_hour_at(t)[: TOLLGATE_TRAFFIC.feed.max_rows]
        and page.total_rows == len(WORLD.tollgate_hour_at(t))
        for t in moments
    )

    (status, ctype, body), moments = await timed(lambda: get(http, VDS))
    assert (status, ctype) == (200, JSON_TYPE)
    assert any(parse_road_status(body) == WORLD.road_status_at(t) for t in moments)
    assert parse_page(body).page_count is None  # the VDS feed has no paging keys

    status, ctype, body = await get(http, UNITS)
    assert (status, ctype) == (200, JSON_TYPE)
    assert parse_tollgates(body) == WORLD.tollgates()[: TOLLGATE_LIST.feed.max_rows]


async def test_the_originals_api_traffic(http: aiohttp.ClientSession) -> None:
    async def fetch() -> dict[str, Any]:
        async with http.get("/api/traffic") as response:
            assert response.status == 200
            doc: dict[str, Any] = await response.json()
            return doc

    doc, moments = await timed(fetch)
    assert list(doc) == ["realTimeSMSList"]
    # Its rows are realTimeSms rows: our parser reads them once given KEC's success marker.
    served = parse_accidents(msgspec.json.encode({**doc, "code": "SUCCESS"}))
    assert any(keys(served) == keys(WORLD.incidents_at(t)) for t in moments)


async def test_health(http: aiohttp.ClientSession) -> None:
    alive = {"status": "ok", "service": "simulator", "member": MEMBER}
    # It depends on nothing, so being ready is being alive: /readyz answers the same body.
    for path in ("/healthz", "/readyz"):
        async with http.get(path) as response:
            assert (response.status, await response.json()) == (200, alive), path
            assert response.headers["X-Served-By"] == f"{MEMBER}/simulator", path
    async with http.get("/health") as response:
        assert (response.status, await response.text()) == (200, "OK")


async def test_unknown_paths_and_methods_get_problem_documents(
    http: aiohttp.ClientSession,
) -> None:
    for method, path, status in (
        ("GET", "/no/such/endpoint", 404),
        ("POST", "/openapi/burstInfo/realTimeSms", 405),
        ("PATCH", "/admin/faults", 405),
    ):
        async with http.request(method, path) as response:
            assert response.status == status, (method, path)
            assert response.content_type == "application/problem+json"
            body = await response.json()
            assert body["status"] == status
            assert body["title"]


async def test_xml_when_json_is_not_asked(http: aiohttp.ClientSession) -> None:
    for type_ in ("xml", None):
        params = {"key": KEYS[0], "numOfRows": "3"} | ({"type": type_} if type_ else {})
        async with http.get(UNITS, params=params) as response:
            assert response.headers["Content-Type"].startswith("application/xml")
            root = ET.fromstring(await response.read())
        assert root.findtext("code") == "SUCCESS"
        assert len(root.findall("list")) == 3


# --- paging ---------------------------------------------------------------------------------


async def read_all(
    http: aiohttp.ClientSession, path: str, parse: Callable[[bytes], list[T]], **params: str | int
) -> tuple[list[T], list[tuple[int | None, int | None, int | None]]]:
    """Every page of a feed, following pageSize; the records and each page's figures."""
    records: list[T] = []
    figures = []
    page_no, pages = 1, 1
    while page_no <= pages:
        body = await ok(http, path, pageNo=page_no, **params)
        page = parse_page(body)
        figures.append((page.total_rows, page.page_no, page.page_count))
        pages = page.page_count or 1
        records.extend(parse(body))
        page_no += 1
    return records, figures


async def test_paging_returns_every_row_once(http: aiohttp.ClientSession) -> None:
    gates = WORLD.tollgates()
    rows = 25
    records, figures = await read_all(http, UNITS, parse_tollgates, numOfRows=rows)
    assert records == gates
    pages = math.ceil(len(gates) / rows)
    assert figures == [(len(gates), n, pages) for n in range(1, pages + 1)]

    # A page past the end is empty but keeps the figures.
    body = await ok(http, UNITS, numOfRows=rows, pageNo=pages + 1)
    assert parse_tollgates(body) == []
    assert parse_page(body).total_rows == len(gates)

    # numOfRows beyond the cap is capped, and the envelope says so.
    body = await ok(http, UNITS, numOfRows=10_000)
    doc = json.loads(body)
    assert (doc["numOfRows"], doc["pageSize"]) == (
        TOLLGATE_LIST.feed.max_rows,
        math.ceil(len(gates) / TOLLGATE_LIST.feed.max_rows),
    )
    body = await ok(http, SMS, numOfRows=10_000)
    assert json.loads(body)["numOfRows"] == ACCIDENTS.feed.max_rows


async def test_incident_pages_cover_the_snapshot_once(http: aiohttp.ClientSession) -> None:
    # The incident set can change between two pages when one starts or ends in between; read
    # again until a read saw a single snapshot (the world changes at most a few times a minute).
    for _ in range(5):
        (records, figures), moments = await timed(
            lambda: read_all(http, SMS, parse_accidents, numOfRows=10)
        )
        snapshots = [keys(WORLD.incidents_at(t)) for t in moments]
        if len(set(map(tuple, snapshots))) == 1:
            break
    else:
        pytest.fail("the incident set changed during every read")
    (expected,) = {tuple(s) for s in snapshots}
    assert keys(records) == list(expected)
    assert figures[0] == (len(expected), 1, math.ceil(len(expected) / 10))


# --- filters --------------------------------------------------------------------------------


def traffic_unit() -> str:
    """A unit with traffic (most of the list's units have none: junctions, rest areas …)."""
    return WORLD.tollgate_traffic_at(now_kst())[0].unit_code


async def test_tollgate_filters_apply_server_side(http: aiohttp.ClientSession) -> None:
    unit = traffic_unit()
    wanted = {"inoutType": "1", "tcsType": "2", "carType": "1", "exDivCode": "00"}
    body, moments = await timed(lambda: ok(http, IC, **wanted))
    records = parse_tollgate_traffic(body)
    assert records
    assert {(r.inout_type, r.tcs_type, r.car_type, r.ex_div_code) for r in records} == {
        tuple(wanted.values())
    }
    assert any(
        parse_page(body).total_rows
        == sum(
            (r.inout_type, r.tcs_type, r.car_type, r.ex_div_code) == tuple(wanted.values())
            for r in WORLD.tollgate_hour_at(t)
        )
        for t in moments
    )

    (body, moments) = await timed(lambda: ok(http, IC, unitCode=unit, tmType=2))
    one_gate = parse_tollgate_traffic(body)
    assert {r.unit_code for r in one_gate} == {unit}
    assert any(
        one_gate == [r for r in WORLD.tollgate_hour_at(t) if r.unit_code == unit] for t in moments
    )
    assert len({r.slot_at for r in one_gate}) == 4  # the last hour's four slots
    # At most in/out x TCS/hi-pass x six classes a slot (none for a class nobody drove).
    assert len(one_gate) <= 4 * 2 * 2 * 6

    body = await ok(http, IC, unitCode=unit, tmType=1)
    hourly = parse_tollgate_traffic(body)
    assert 0 < len(hourly) <= 2 * 2 * 6
    assert {(r.tm_type, r.tm_name) for r in hourly} == {("1", "1시간")}
    assert all(r.slot_at.minute == 0 for r in hourly)

    body = await ok(http, IC, unitCode="no-such-unit")
    assert parse_tollgate_traffic(body) == []


async def test_incidents_sort_both_ways(http: aiohttp.ClientSession) -> None:
    for _ in range(5):
        (asc, desc), moments = await timed(
            lambda: _both(get(http, SMS, sortType="asc"), get(http, SMS, sortType="desc"))
        )
        if len({tuple(keys(WORLD.incidents_at(t))) for t in moments}) == 1:
            break
    else:
        pytest.fail("the incident set changed during every read")
    a, d = parse_accidents(asc[2]), parse_accidents(desc[2])
    assert [x.occurred_at for x in a] == sorted(x.occurred_at for x in a)
    assert [x.occurred_at for x in d] == sorted((x.occurred_at for x in d), reverse=True)
    total = parse_page(asc[2]).total_rows
    if total is not None and total <= ACCIDENTS.feed.max_rows:
        assert keys(a) == keys(d)[::-1]


async def _both(first: Any, second: Any) -> tuple[Any, Any]:
    return await first, await second


async def test_location_filters(http: aiohttp.ClientSession) -> None:
    gates = WORLD.tollgates()
    on_route = [g for g in gates if g.route_no == "0010"]
    for route in ("001", "0010"):
        records, _ = await read_all(http, UNITS, parse_tollgates, routeNo=route)
        assert records == on_route
    body = await ok(http, UNITS, unitCode=gates[3].unit_code)
    assert parse_tollgates(body) == [gates[3]]


# --- keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_keys(http: aiohttp.ClientSession, endpoint: str) -> None:
    path, parse = PATHS[endpoint], PARSERS[endpoint]
    for key in KEYS:
        body = await ok(http, path, key=key)
        parse(body)
    for params in ({"key": "wrong"}, {}):
        async with http.get(path, params={"type": "json", **params}) as response:
            status, body = response.status, await response.read()
        assert status == 200
        assert json.loads(body) == {"code": "ERROR", "message": "인증키가 유효하지 않습니다."}
        with pytest.raises(ProviderAuthError):
            parse(body)


# --- faults ---------------------------------------------------------------------------------


async def set_fault(http: aiohttp.ClientSession, endpoint: str, **spec: object) -> Any:
    return await admin(http, "PUT", f"/admin/faults/{endpoint}", spec)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_fault_types(http: aiohttp.ClientSession, endpoint: str) -> None:
    path, parse = PATHS[endpoint], PARSERS[endpoint]
    others = [PATHS[e] for e in ENDPOINTS if e != endpoint]

    await set_fault(http, endpoint, blocked=True)
    status, ctype, body = await get(http, path)
    assert (status, ctype.split(";")[0]) == (200, "text/html")
    with pytest.raises(ProviderPayloadError, match="HTML page"):
        parse(body)
    for other in others:  # faults are per endpoint
        assert (await get(http, other))[1] == JSON_TYPE

    await set_fault(http, endpoint, malformed=True)
    status, ctype, body = await get(http, path)
    assert (status, ctype) == (200, JSON_TYPE)
    with pytest.raises(ProviderPayloadError):
        parse(body)

    await set_fault(http, endpoint, bad_key=True)
    body = await ok(http, path, key=KEYS[0])
    assert status == 200
    with pytest.raises(ProviderAuthError):
        parse(body)

    await set_fault(http, endpoint, outage="503")
    assert (await get(http, path))[0] == 503

    await set_fault(http, endpoint, outage="refuse")
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(http, path)
    assert (await get(http, others[0]))[0] == 200  # the server itself is fine

    await admin(http, "DELETE", "/admin/faults")
    parse((await get(http, path))[2])


async def test_latency_adds_at_least_the_delay(http: aiohttp.ClientSession) -> None:
    latency_ms = 300
    faults = await set_fault(http, "road", latency_ms=latency_ms)
    assert faults["road"]["latency_ms"] == latency_ms
    assert faults["tollgate"]["latency_ms"] == 0
    started = time.monotonic()
    body = await ok(http, VDS)
    elapsed = time.monotonic() - started
    assert parse_road_status(body)  # a slow answer is still a whole answer
    assert elapsed >= latency_ms / 1000


async def test_all_sets_every_endpoint_and_show_reports_it(http: aiohttp.ClientSession) -> None:
    faults = await set_fault(http, "all", outage="503", latency_ms=5)
    assert set(faults) == set(ENDPOINTS)
    assert all(f["outage"] == "503" and f["latency_ms"] == 5 for f in faults.values())
    assert await admin(http, "GET", "/admin/faults") == faults
    for path in PATHS.values():
        assert (await get(http, path))[0] == 503
    cleared = await admin(http, "DELETE", "/admin/faults")
    assert all(f == {**f, "outage": None, "latency_ms": 0} for f in cleared.values())


@pytest.mark.parametrize(
    ("endpoint", "body", "field"),
    [
        ("road", {"latency_ms": -1}, "latency_ms"),
        ("road", {"latency_ms": "slow"}, "latency_ms"),
        ("road", {"outage": "sometimes"}, "outage"),
        ("road", {"blocked": "yes"}, "blocked"),
        ("road", {"flaky": True}, "flaky"),
        ("bridges", {}, "endpoint"),
        ("road", None, None),
    ],
)
async def test_bad_fault_bodies_get_problem_documents(
    http: aiohttp.ClientSession, endpoint: str, body: object, field: str | None
) -> None:
    raw = b"not json" if body is None else json.dumps(body).encode()
    async with http.put(f"/admin/faults/{endpoint}", data=raw) as response:
        assert response.status == 400
        assert response.headers["Content-Type"] == "application/problem+json"
        problem = json.loads(await response.read())
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == 400
    assert [p["name"] for p in problem.get("invalid-params", [])] == ([field] if field else [])
    if field is not None:
        assert field in problem["detail"]
    # Nothing changed.
    faults = await admin(http, "GET", "/admin/faults")
    assert all(not f["blocked"] and f["latency_ms"] == 0 for f in faults.values())


HOSTILE = '<img src=x onerror=alert(1)> "quoted" & 한글 **'


async def test_the_text_fault_sets_every_incidents_text(http: aiohttp.ClientSession) -> None:
    faults = await set_fault(http, "accidents", text=HOSTILE)
    assert faults["accidents"]["text"] == HOSTILE
    body, moments = await timed(lambda: ok(http, SMS, numOfRows=20))
    rows = json.loads(body)["realTimeSMSList"]
    assert rows
    assert {r["smsText"] for r in rows} == {HOSTILE}  # as JSON carries it, nothing escaped
    # The same incidents as ever (their keys), only their text replaced.
    served = parse_accidents(body)
    assert any(keys(served) == keys(WORLD.incidents_at(t)[:20]) for t in moments)
    assert {a.sms_text for a in served} == {HOSTILE.strip()}
    async with http.get("/api/traffic") as response:
        original = await response.json()
    assert {r["smsText"] for r in original["realTimeSMSList"]} == {HOSTILE}
    # XML escapes it as markup must be.
    async with http.get(SMS, params={"key": KEYS[0], "numOfRows": "1"}) as response:
        text = await response.text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert ET.fromstring(text).findtext("realTimeSMSList/smsText") == HOSTILE
    # Cleared, the world's own texts are back.
    await admin(http, "DELETE", "/admin/faults")
    plain = await ok(http, SMS, numOfRows=20)
    assert {r["smsText"] for r in json.loads(plain)["realTimeSMSList"]} != {HOSTILE}


async def test_the_text_fault_applies_to_incidents_only(http: aiohttp.ClientSession) -> None:
    for endpoint in ("road", "locations"):
        async with http.put(f"/admin/faults/{endpoint}", json={"text": "x"}) as response:
            assert response.status == 400
            problem = await response.json(content_type=None)
        assert [p["name"] for p in problem["invalid-params"]] == ["text"]
    for bad in ("", "x" * 2001):
        async with http.put("/admin/faults/accidents", json={"text": bad}) as response:
            assert response.status == 400
    faults = await set_fault(http, "all", text=HOSTILE, latency_ms=1)
    assert faults["accidents"]["text"] == HOSTILE
    assert all(
        f["text"] is None and f["latency_ms"] == 1 for e, f in faults.items() if e != "accidents"
    )
    assert parse_road_status(await ok(http, VDS))  # other answers as ever


def test_cli_sets_the_text(simulator: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = ["--url", simulator]
    assert faults_cli.main(["fault", "set", "accidents", "--text", HOSTILE, *url]) == 0
    assert json.loads(capsys.readouterr().out)["accidents"]["text"] == HOSTILE
    with urllib.request.urlopen(f"{simulator}/api/traffic", timeout=5) as response:
        rows = json.loads(response.read())["realTimeSMSList"]
    assert {r["smsText"] for r in rows} == {HOSTILE}
    assert faults_cli.main(["fault", "set", "road", "--text", "x", *url]) == 1
    assert "text" in capsys.readouterr().err
    assert faults_cli.main(["fault", "clear", *url]) == 0
    assert json.loads(capsys.readouterr().out)["accidents"]["text"] is None


# --- ground truth ---------------------------------------------------------------------------


async def test_ground_truth_lists_what_was_served(http: aiohttp.ClientSession) -> None:
    report = await admin(http, "DELETE", "/admin/served")
    assert (report["total"], report["incidents"]) == (0, [])
    assert all(
        c == {"requests": 0, "ok": 0, "faulted": 0, "rejected": 0}
        for c in report["endpoints"].values()
    )

    first = parse_accidents((await get(http, SMS, numOfRows=5))[2])
    again = parse_accidents((await get(http, SMS, numOfRows=5))[2])
    second = parse_accidents((await get(http, SMS, numOfRows=5, pageNo=2))[2])
    async with http.get("/api/traffic") as response:
        everything = parse_accidents(
            msgspec.json.encode({**(await response.json()), "code": "SUCCESS"})
        )
    # Not served: a rejected key and a malformed answer.
    await get(http, SMS, key="wrong")
    await set_fault(http, "accidents", malformed=True)
    await get(http, SMS)
    await get(http, VDS)

    report = await admin(http, "GET", "/admin/served?kind=accidents")
    served = {i["incident_key"]: i for i in report["incidents"]}
    assert set(served) == set(keys(first + again + second + everything))
    assert report["total"] == len(served)
    for acc in first + second + everything:
        item = served[acc.incident_key]
        assert datetime.fromisoformat(item["occurred_at"]) == acc.occurred_at
        assert (item["type_code"], item["route_no"]) == (acc.type_code, acc.route_no)
        assert item["served_first_at"] <= item["served_last_at"]
    assert report["endpoints"]["accidents"] == {
        "requests": 6,
        "ok": 4,
        "faulted": 1,
        "rejected": 1,
    }
    assert report["endpoints"]["road"] == {"requests": 1, "ok": 1, "faulted": 0, "rejected": 0}

    async with http.get("/admin/served", params={"kind": "road"}) as response:
        assert response.status == 400
        body = await response.json(content_type=None)
        assert body["invalid-params"][0]["name"] == "kind"


# --- the CLI --------------------------------------------------------------------------------


def test_cli_sets_shows_and_clears_faults(
    simulator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--url", simulator]
    assert (
        faults_cli.main(["fault", "set", "tollgate", "--outage", "503", "--latency-ms", "7", *url])
        == 0
    )
    shown = json.loads(capsys.readouterr().out)
    assert shown["tollgate"] == {
        "outage": "503",
        "latency_ms": 7,
        "bad_key": False,
        "blocked": False,
        "malformed": False,
        "text": None,
    }
    assert faults_cli.main(["fault", "set", "all", "--blocked", "--bad-key", *url]) == 0
    capsys.readouterr()
    assert faults_cli.main(["fault", "show", *url]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert all(f["blocked"] and f["bad_key"] and f["outage"] is None for f in shown.values())
    assert faults_cli.main(["fault", "clear", *url]) == 0
    assert not any(f["blocked"] for f in json.loads(capsys.readouterr().out).values())
    assert faults_cli.main(["served", *url]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "accidents"
    assert faults_cli.main(["served", "--reset", *url]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 0

    # The simulator's refusal and an unreachable simulator are exit status 1, with the reason.
    assert faults_cli.main(["served", "--kind", "road", *url]) == 1
    assert "kind" in capsys.readouterr().err
    assert faults_cli.main(["fault", "show", "--url", f"http://127.0.0.1:{free_port()}"]) == 1
    assert "trafficha sim:" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        faults_cli.main(["fault", "set", "bridges", *url])
    assert exc.value.code == 2


def test_cli_mounts_under_another_parser(
    simulator: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    parser = argparse.ArgumentParser(prog="trafficha")
    commands = parser.add_subparsers(dest="command", required=True)
    faults_cli.add_parser(commands)
    monkeypatch.setenv("SIMULATOR_API_URL", simulator)  # the default --url
    args = parser.parse_args(["sim", "fault", "show"])
    assert args.command == "sim"
    assert faults_cli.run(args) == 0
    assert set(json.loads(capsys.readouterr().out)) == set(ENDPOINTS)


# --- exact answers at a fixed clock (Litestar's test client, no server) -----------------------

FIXED = datetime(2026, 9, 24, 18, 42, 7, tzinfo=KST)


@pytest.fixture
async def fixed() -> AsyncIterator[AsyncTestClient[Any]]:
    settings = Settings(simulator_seed=SEED, simulator_api_keys=",".join(KEYS))
    app = create_app(settings, clock=lambda: FIXED, served_capacity=3)
    async with AsyncTestClient(app) as client:
        yield client


async def fixed_get(client: AsyncTestClient[Any], path: str, **params: str | int) -> bytes:
    query = {"key": KEYS[0], "type": "json", **{k: str(v) for k, v in params.items()}}
    response = await client.get(path, params=query)
    assert response.status_code == 200
    return response.content


async def test_exact_records_at_a_fixed_clock(fixed: AsyncTestClient[Any]) -> None:
    incidents = WORLD.incidents_at(FIXED)
    assert parse_accidents(await fixed_get(fixed, SMS)) == incidents[: ACCIDENTS.feed.max_rows]
    desc = await fixed_get(fixed, SMS, sortType="desc", numOfRows=len(incidents))
    assert parse_accidents(desc) == incidents[::-1][: ACCIDENTS.feed.max_rows]
    traffic = WORLD.tollgate_hour_at(FIXED)
    served_traffic: list[Any] = []
    for page in range(1, math.ceil(len(traffic) / TOLLGATE_TRAFFIC.feed.max_rows) + 1):
        served_traffic += parse_tollgate_traffic(await fixed_get(fixed, IC, pageNo=page))
    assert served_traffic == traffic
    assert parse_road_status(await fixed_get(fixed, VDS)) == WORLD.road_status_at(FIXED)


async def test_answers_look_like_the_recordings(fixed: AsyncTestClient[Any]) -> None:
    """The calibrated properties, as a client reads them over HTTP (see test_sim_world)."""
    sms = json.loads(await fixed_get(fixed, SMS))
    rows = sms["realTimeSMSList"]
    assert 20 <= sms["count"] <= 200
    assert rows[0]["accTypeCode"] == "15"  # oldest first: the notices lead, as recorded
    assert sum(r["accTypeCode"] == "15" for r in rows) >= 10
    assert sum(r["latitude"] is None for r in rows) > len(rows) / 2
    assert sum(r["accPointNM"] == " " for r in rows) >= 10
    assert {(r["accProcessCode"], r["accProcessNM"]) for r in rows} == {("1", "진행")}

    units: list[dict[str, Any]] = []
    for page in range(1, 7):
        units += json.loads(await fixed_get(fixed, UNITS, pageNo=page))["list"]
    assert len(units) == 590
    assert sum(u["xValue"] is None for u in units) == 194
    assert all(len(u["routeNo"]) == 3 and u["unitCode"].endswith(" ") for u in units)

    ic = json.loads(await fixed_get(fixed, IC))
    everything: list[dict[str, Any]] = []
    for page in range(1, ic["pageSize"] + 1):
        everything += json.loads(await fixed_get(fixed, IC, pageNo=page))["trafficIc"]
    assert len({r["sumTm"] for r in everything}) == 4
    assert {r["exDivCode"] for r in everything} > {"00"}
    assert any(r["trafficAmout"] == "" for r in everything)

    vds = json.loads(await fixed_get(fixed, VDS))["list"]
    assert any(r["grade"] == "0" and r["speed"] == "-1" for r in vds)


async def test_hourly_volumes_sum_the_four_slots(fixed: AsyncTestClient[Any]) -> None:
    unit = WORLD.tollgate_traffic_at(FIXED)[0].unit_code
    hourly = parse_tollgate_traffic(await fixed_get(fixed, IC, tmType=1, unitCode=unit))
    (hour,) = {r.slot_at for r in hourly}
    quarters = [
        r
        for n in range(4)
        for r in WORLD.tollgate_traffic_at(hour + (n + 2) * timedelta(minutes=15))
        if r.unit_code == unit
    ]
    assert {r.slot_at - hour for r in quarters} == {timedelta(minutes=15 * n) for n in range(4)}
    for row in hourly:
        same = [
            q.traffic_amount or 0
            for q in quarters
            if (q.inout_type, q.tcs_type, q.car_type)
            == (row.inout_type, row.tcs_type, row.car_type)
        ]
        assert row.traffic_amount == sum(same)


async def test_ground_truth_is_bounded(fixed: AsyncTestClient[Any]) -> None:
    incidents = WORLD.incidents_at(FIXED)
    assert len(incidents) > 3
    await fixed_get(fixed, SMS)
    report = (await fixed.get("/admin/served")).json()
    assert (report["capacity"], report["total"]) == (3, 3)
    assert report["evicted"] == len(incidents[: ACCIDENTS.feed.max_rows]) - 3
    # The earliest served go first; the latest stay.
    kept = keys(incidents[: ACCIDENTS.feed.max_rows])[-3:]
    assert [i["incident_key"] for i in report["incidents"]] == kept


async def test_refuse_without_uvicorn_answers_503(fixed: AsyncTestClient[Any]) -> None:
    await fixed.put("/admin/faults/locations", json={"outage": "refuse"})
    response = await fixed.get(UNITS, params={"key": KEYS[0], "type": "json"})
    assert response.status_code == 503
