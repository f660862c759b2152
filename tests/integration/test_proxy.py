"""The openapi-proxy as real processes: two proxies (member1, member2) in front of the simulator.

The simulator is the only upstream: it speaks KEC's wire format, counts the requests it serves
(``GET /admin/served``) and injects faults (``PUT /admin/faults/{endpoint}``). Both proxies share
one MariaDB database and one Redis, as the two members do. Each test asks for its own query
(a ``numOfRows`` no other test uses), so it has its own cache row and lock.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import msgspec
import pytest

from tests.conftest import Database
from tests.support.services import Services
from trafficha.apps.proxy import normalize_query
from trafficha.config import env_name
from trafficha.datasets.registry import ACCIDENTS, DATASETS
from trafficha.datasets.spec import Dataset
from trafficha.errors import ProviderUnavailableError
from trafficha.providers.real import Endpoint, RealProvider, endpoint_urls
from trafficha.secrets import Secret
from trafficha.store import DedupStore
from trafficha.store.db import connection
from trafficha.topology.servers import RedisServer

pytestmark = pytest.mark.integration

# Every proxy TTL is 1 s, so a test can wait one out: that wait is the only sleep in this module.
TTL = 1.0
TTL_ENV = "1s"

PATHS: dict[str, str] = {spec.endpoint: spec.feed.path for spec in DATASETS}
SPECS: dict[str, Dataset[Any]] = {spec.endpoint: spec for spec in DATASETS}
TABLES: dict[str, str] = {spec.endpoint: spec.cache_table for spec in DATASETS}
MEMBERS = ("member1", "member2")

_rows = itertools.count(11)


@dataclass(frozen=True)
class Stack:
    simulator: str
    proxies: tuple[str, str]
    database: Database


@dataclass(frozen=True)
class Answer:
    status: int
    cache: str | None
    fetched_at: str | None
    served_by: str | None
    upstream_error: str | None
    content_type: str
    body: bytes


# --- processes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxy_database(module_database: Database) -> Database:
    return module_database


@pytest.fixture(scope="module")
async def store(proxy_database: Database) -> AsyncIterator[DedupStore]:
    db = proxy_database
    async with await DedupStore.open(db.host, db.port, db.user, db.password, db.name) as store:
        # Migrated before the proxies start; their own migrate then finds nothing to do.
        await store.migrate()
        yield store


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    proxy_database: Database,
    redis_server: RedisServer,
    store: DedupStore,
) -> Iterator[Stack]:
    log_dir = tmp_path_factory.mktemp("proxy-stack")
    base = {**os.environ, "LOG_LEVEL": "INFO", "SIMULATOR_API_KEYS": "test"}
    services = Services(log_dir)
    try:
        simulator = services.start("simulator", base, http=True).url
        assert simulator is not None
        db = proxy_database
        proxy_env = {
            **base,
            "REDIS_ADDR": redis_server.addr,
            **db.env(),
            **{env_name(d.url_setting): simulator + d.feed.path for d in DATASETS},
            "REAL_OPENAPI_KEY": "test",
            "PROXY_ACCIDENTS_TTL": TTL_ENV,
            "PROXY_TOLLGATE_TTL": TTL_ENV,
            "PROXY_ROAD_STATUS_TTL": TTL_ENV,
            "PROXY_VDS_LIST_TTL": TTL_ENV,
            "PROXY_ROUTE_LIST_TTL": TTL_ENV,
            "PROXY_TRAVEL_TIME_TTL": TTL_ENV,
        }
        proxies = tuple(
            str(services.start("proxy", {**proxy_env, "MEMBER_NAME": member}, http=True).url)
            for member in MEMBERS
        )
        yield Stack(simulator, (proxies[0], proxies[1]), db)
    finally:
        services.stop_all()


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


@pytest.fixture(autouse=True)
async def no_faults(stack: Stack, http: aiohttp.ClientSession) -> AsyncIterator[None]:
    """Every test starts and ends with a healthy upstream."""
    await _clear_faults(http, stack)
    yield
    await _clear_faults(http, stack)


@pytest.fixture
def rows() -> int:
    """A ``numOfRows`` of this test's own: its own cache row and lock on both proxies."""
    return next(_rows)


async def _clear_faults(http: aiohttp.ClientSession, stack: Stack) -> None:
    async with http.delete(f"{stack.simulator}/admin/faults") as response:
        assert response.status < 300, await response.text()


async def fault(http: aiohttp.ClientSession, stack: Stack, endpoint: str, **spec: Any) -> None:
    body = {
        "outage": None,
        "latency_ms": 0,
        "bad_key": False,
        "blocked": False,
        "malformed": False,
        **spec,
    }
    async with http.put(f"{stack.simulator}/admin/faults/{endpoint}", json=body) as response:
        assert response.status < 300, await response.text()


async def served(http: aiohttp.ClientSession, stack: Stack, endpoint: str) -> int:
    """How many requests the simulator has answered on ``endpoint`` so far."""
    async with http.get(f"{stack.simulator}/admin/served") as response:
        assert response.status == 200
        report = msgspec.json.decode(await response.read())
    return int(report["endpoints"][endpoint]["requests"])


async def ask(http: aiohttp.ClientSession, url: str) -> Answer:
    async with http.get(url) as response:
        return Answer(
            status=response.status,
            cache=response.headers.get("X-Cache"),
            fetched_at=response.headers.get("X-Fetched-At"),
            served_by=response.headers.get("X-Served-By"),
            upstream_error=response.headers.get("X-Upstream-Error"),
            content_type=response.headers.get("Content-Type", ""),
            body=await response.read(),
        )


def query(rows: int, caller_key: str = "whatever") -> str:
    # A caller's key is never forwarded: the simulator accepts only the proxy's own ("test").
    return f"?key={caller_key}&type=json&numOfRows={rows}&pageNo=1"


async def burst(
    http: aiohttp.ClientSession, stack: Stack, dataset: str, rows: int, n: int
) -> list[Answer]:
    """``n`` concurrent requests, alternating between the two proxies, each with its own key."""
    return await asyncio.gather(
        *(
            ask(http, stack.proxies[i % 2] + PATHS[dataset] + query(rows, f"caller{i}"))
            for i in range(n)
        )
    )


async def metric(http: aiohttp.ClientSession, stack: Stack, counter: str, dataset: str) -> int:
    """A proxy counter summed over both proxies."""
    line_start = f'trafficha_proxy_{counter}_total{{dataset="{dataset}"}} '
    total = 0
    for proxy in stack.proxies:
        async with http.get(f"{proxy}/metrics") as response:
            text = await response.text()
        (line,) = [line for line in text.splitlines() if line.startswith(line_start)]
        total += int(line.removeprefix(line_start))
    return total


async def cached_rows(store: DedupStore, dataset: str, rows: int) -> list[tuple[bytes, datetime]]:
    """The cache table's rows for this test's query, as the proxy keys them."""
    key = normalize_query(SPECS[dataset], [("numOfRows", str(rows)), ("pageNo", "1")]).cache_key
    async with connection(store.pool, "reading the cache") as conn, conn.cursor() as cur:
        await cur.execute(
            f"SELECT body, fetched_at FROM {TABLES[dataset]} WHERE cache_key = %s", (key,)
        )
        return [(bytes(body), fetched_at) for body, fetched_at in await cur.fetchall()]


def fetched(answer: Answer) -> datetime:
    assert answer.fetched_at is not None
    value = datetime.fromisoformat(answer.fetched_at)
    assert value.utcoffset() == timedelta(hours=9), answer.fetched_at
    return value


async def wait_out_ttl() -> None:
    # The one sleep allowed here: a cached copy expires, and a failed upstream call is forgotten
    # (after min(TTL, 5 s)), only with time; both take the 1 s TTL here.
    await asyncio.sleep(TTL + 0.2)


# --- tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", sorted(PATHS))
async def test_one_upstream_call_per_ttl_for_many_callers_on_both_proxies(
    stack: Stack, http: aiohttp.ClientSession, rows: int, dataset: str
) -> None:
    calls = await served(http, stack, dataset)
    misses = await metric(http, stack, "misses", dataset)

    first = await burst(http, stack, dataset, rows, 50)

    assert [a.status for a in first] == [200] * 50
    assert await served(http, stack, dataset) == calls + 1
    assert await metric(http, stack, "misses", dataset) == misses + 1
    caches = [a.cache for a in first]
    assert caches.count("miss") == 1, caches
    assert set(caches) <= {"miss", "shared", "hit"}, caches
    # Everyone got the one payload fetched, whichever proxy answered.
    assert len({a.body for a in first}) == 1
    assert len({a.fetched_at for a in first}) == 1
    fetched(first[0])
    assert [a.served_by for a in first] == [f"{MEMBERS[i % 2]}/proxy" for i in range(50)]

    await wait_out_ttl()
    second = await burst(http, stack, dataset, rows, 50)

    assert [a.status for a in second] == [200] * 50
    assert await served(http, stack, dataset) == calls + 2
    assert [a.cache for a in second].count("miss") == 1
    assert len({a.fetched_at for a in second}) == 1
    assert fetched(second[0]) > fetched(first[0])


async def test_second_caller_shares_the_first_callers_upstream_call_across_proxies(
    stack: Stack, http: aiohttp.ClientSession, rows: int
) -> None:
    # A slow upstream keeps the first call in flight while the other proxy is asked.
    await fault(http, stack, "accidents", latency_ms=400)
    calls = await served(http, stack, "accidents")
    url = PATHS["accidents"] + query(rows)

    one, two = await asyncio.gather(
        ask(http, stack.proxies[0] + url), ask(http, stack.proxies[1] + url)
    )
    three = await ask(http, stack.proxies[1] + url)

    assert sorted([one.cache or "", two.cache or ""]) == ["miss", "shared"]
    assert three.cache == "hit"
    assert one.body == two.body == three.body
    assert one.fetched_at == two.fetched_at == three.fetched_at
    assert (one.served_by, two.served_by) == ("member1/proxy", "member2/proxy")
    assert await served(http, stack, "accidents") == calls + 1
    assert one.content_type.startswith("application/json")


async def test_caller_keys_and_parameter_spelling_share_one_cache_entry(
    stack: Stack, http: aiohttp.ClientSession, store: DedupStore, rows: int
) -> None:
    path = PATHS["accidents"]
    first = await ask(http, f"{stack.proxies[0]}{path}?numOfRows=0{rows}&pageNo=1&key=alice")
    # Same query: other key, padded number, upper-case type, an unknown parameter, other order.
    second = await ask(
        http, f"{stack.proxies[1]}{path}?pageNo=01&key=bob&type=JSON&foo=bar&numOfRows={rows}"
    )

    assert (first.status, first.cache) == (200, "miss")
    assert (second.status, second.cache) == (200, "hit")
    assert second.body == first.body
    assert len(await cached_rows(store, "accidents", rows)) == 1


@pytest.mark.parametrize("outage", ["503", "refuse"])
async def test_upstream_outage_serves_the_stale_copy(
    stack: Stack, http: aiohttp.ClientSession, store: DedupStore, rows: int, outage: str
) -> None:
    url = PATHS["accidents"] + query(rows)
    fresh = await ask(http, stack.proxies[0] + url)
    assert fresh.cache == "miss"
    await wait_out_ttl()
    await fault(http, stack, "accidents", outage=outage)
    calls = await served(http, stack, "accidents")
    misses = await metric(http, stack, "misses", "accidents")

    during = await asyncio.gather(*(ask(http, stack.proxies[i % 2] + url) for i in range(10)))

    # One failed call for the whole burst on both proxies: the others share its reason.
    assert await metric(http, stack, "misses", "accidents") == misses + 1
    # aiohttp resends an idempotent request once when the server drops the connection.
    assert await served(http, stack, "accidents") == calls + (2 if outage == "refuse" else 1)

    for answer in during:
        assert (answer.status, answer.cache) == (200, "stale")
        assert answer.body == fresh.body
        assert answer.fetched_at == fresh.fetched_at
        assert answer.upstream_error
        assert "test" not in answer.upstream_error  # the proxy's key never shows
    # The failed call was not cached: the row still holds the first payload.
    [(body, _)] = await cached_rows(store, "accidents", rows)
    assert body == fresh.body

    await _clear_faults(http, stack)
    remembered = await ask(http, stack.proxies[1] + url)
    assert (remembered.cache, remembered.upstream_error) == ("stale", during[0].upstream_error)
    await wait_out_ttl()
    after = await ask(http, stack.proxies[1] + url)
    assert (after.status, after.cache) == (200, "miss")
    assert fetched(after) > fetched(fresh)


async def test_outage_without_a_copy_is_a_502_problem(
    stack: Stack, http: aiohttp.ClientSession, store: DedupStore, rows: int
) -> None:
    await fault(http, stack, "road", outage="503")

    answer = await ask(http, stack.proxies[0] + PATHS["road"] + query(rows))

    assert answer.status == 502
    assert answer.content_type.startswith("application/problem+json")
    problem = msgspec.json.decode(answer.body)
    assert problem["status"] == 502
    assert answer.upstream_error is not None
    assert "503" in answer.upstream_error
    assert answer.served_by == "member1/proxy"
    assert await cached_rows(store, "road", rows) == []


async def test_bad_key_answer_is_never_cached(
    stack: Stack, http: aiohttp.ClientSession, store: DedupStore, rows: int
) -> None:
    url = PATHS["tollgate"] + query(rows)
    await fault(http, stack, "tollgate", bad_key=True)

    rejected = await ask(http, stack.proxies[0] + url)

    assert rejected.status == 502
    assert rejected.upstream_error == "upstream rejected the API key"
    assert await cached_rows(store, "tollgate", rows) == []

    # Healthy again: once the failure is forgotten the next call goes upstream (nothing was
    # cached from the rejection), then the copy ages.
    await _clear_faults(http, stack)
    await wait_out_ttl()
    fresh = await ask(http, stack.proxies[1] + url)
    assert (fresh.status, fresh.cache) == (200, "miss")
    await wait_out_ttl()
    await fault(http, stack, "tollgate", bad_key=True)

    stale = await ask(http, stack.proxies[0] + url)

    assert (stale.status, stale.cache) == (200, "stale")
    assert stale.upstream_error == "upstream rejected the API key"
    assert stale.body == fresh.body
    [(body, _)] = await cached_rows(store, "tollgate", rows)
    assert body == fresh.body


@pytest.mark.parametrize("kind", ["blocked", "malformed"])
async def test_blocked_or_malformed_answers_are_not_cached(
    stack: Stack, http: aiohttp.ClientSession, store: DedupStore, rows: int, kind: str
) -> None:
    url = PATHS["locations"] + query(rows)
    await fault(http, stack, "locations", **{kind: True})
    calls = await served(http, stack, "locations")

    answers = [await ask(http, proxy + url) for proxy in stack.proxies]

    for answer in answers:
        assert answer.status == 502
        assert answer.content_type.startswith("application/problem+json")
        assert answer.upstream_error == answers[0].upstream_error
    assert answers[0].upstream_error
    if kind == "blocked":
        assert "HTML" in answers[0].upstream_error
    # The second proxy answered from the first one's remembered failure.
    assert await served(http, stack, "locations") == calls + 1
    assert await cached_rows(store, "locations", rows) == []
    await _clear_faults(http, stack)
    await wait_out_ttl()
    healthy = await ask(http, stack.proxies[0] + url)
    assert (healthy.status, healthy.cache) == (200, "miss")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ("numOfRows=abc", "numOfRows"),
        ("pageNo=0", "pageNo"),
        ("type=xml", "type"),
        ("numOfRows=5&numOfRows=6", "numOfRows"),
    ],
)
async def test_bad_parameters_get_a_400_naming_them(
    stack: Stack, http: aiohttp.ClientSession, params: str, name: str
) -> None:
    calls = await served(http, stack, "accidents")

    answer = await ask(http, f"{stack.proxies[1]}{PATHS['accidents']}?key=x&{params}")

    assert answer.status == 400
    assert answer.content_type.startswith("application/problem+json")
    problem = msgspec.json.decode(answer.body)
    assert problem["status"] == 400
    assert name in problem["detail"]
    assert [p["name"] for p in problem["invalid-params"]] == [name]
    assert answer.served_by == "member2/proxy"
    assert await served(http, stack, "accidents") == calls


async def test_health_readiness_and_metrics(stack: Stack, http: aiohttp.ClientSession) -> None:
    for member, proxy in zip(MEMBERS, stack.proxies, strict=True):
        health = await ask(http, f"{proxy}/healthz")
        assert (health.status, health.served_by) == (200, f"{member}/proxy")
        assert msgspec.json.decode(health.body) == {
            "status": "ok",
            "service": "proxy",
            "member": member,
        }
        ready = await ask(http, f"{proxy}/readyz")
        assert (ready.status, ready.served_by) == (200, f"{member}/proxy")
        assert msgspec.json.decode(ready.body) == {"db": True, "redis": True}
        metrics = await ask(http, f"{proxy}/metrics")
        assert metrics.content_type.startswith("text/plain")
        text = metrics.body.decode()
        for counter in ("hits", "shared", "misses", "stale", "errors"):
            assert f"# TYPE trafficha_proxy_{counter}_total counter" in text
            for dataset in PATHS:
                assert f'trafficha_proxy_{counter}_total{{dataset="{dataset}"}} ' in text
        missing = await ask(http, f"{proxy}/no/such/path")
        assert (missing.status, missing.served_by) == (404, f"{member}/proxy")
        assert missing.content_type.startswith("application/problem+json")


async def test_the_real_adapter_counts_a_stale_copy_as_a_failing_upstream(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    # Through the proxies KEC's outage shows only as X-Cache: stale; the collector's real
    # source must see it, or auto mode would never fall back to sim.
    provider = RealProvider(
        {
            "accidents": Endpoint(
                endpoint_urls(stack.proxies, "accidents"),
                Secret("any"),
                {"sortType": "desc"},
                page_rows=97,
            )
        },
        attempts=1,
    )
    try:
        assert await provider.fetch(ACCIDENTS)
        await wait_out_ttl()
        await fault(http, stack, "accidents", outage="503")
        with pytest.raises(ProviderUnavailableError, match="stale copy"):
            await provider.fetch(ACCIDENTS)
    finally:
        await provider.aclose()
