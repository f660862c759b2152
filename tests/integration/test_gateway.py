"""The gateway as real processes, in front of real data APIs (and a port nobody listens on).

Two data APIs (member1, member2) share one Redis and one migrated MariaDB database, as the
members do. Each test starts the gateways it needs with its own settings — upstream order,
timeouts, ejection, rate limit, dashboard directory — so outlier state never leaks between
tests. A dead upstream is a free port with nothing listening; a failing one is a data API whose
MariaDB is such a port (it starts, answers /healthz, and answers 503 on data endpoints); a slow
one is a data API stopped with SIGSTOP (the kernel accepts the connection, nobody answers).

The pure parts (upstream pool, token buckets) are checked with a fake clock in
tests/unit/test_gateway_pool.py and tests/unit/test_gateway_ratelimit.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest
import redis.asyncio as aioredis
from yarl import URL

from tests.conftest import Database
from tests.support.services import Services
from tests.support.wait import eventually
from trafficha.apps.gateway.forward import CONNECTIONS_PER_UPSTREAM
from trafficha.connections import HUB_MAX_CONNECTIONS
from trafficha.events import CommitEvent, publish_event
from trafficha.store import DedupStore
from trafficha.streams.keys import StreamKeys
from trafficha.topology.processes import free_port
from trafficha.topology.servers import RedisServer

pytestmark = pytest.mark.integration

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


# --- processes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Apis:
    """The module's data APIs and the environment a data API of this module needs."""

    member1: str
    member2: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def gateway_database(module_database: Database) -> Database:
    return module_database


@pytest.fixture(scope="module")
async def migrated(gateway_database: Database) -> Database:
    """The database with its tables (the processor migrates in a stack, not the data API)."""
    db = gateway_database
    async with await DedupStore.open(db.host, db.port, db.user, db.password, db.name) as store:
        await store.migrate()
    return db


@pytest.fixture(scope="module")
def service_env(migrated: Database, redis_server: RedisServer) -> dict[str, str]:
    db = migrated
    return {
        **os.environ,
        "LOG_LEVEL": "INFO",
        "REDIS_ADDR": redis_server.addr,
        **db.env(),
        # Keys of this module's own (heartbeats, data version, events).
        "STREAM_KEY": f"t{uuid.uuid4().hex[:12]}",
    }


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory, service_env: dict[str, str]) -> Iterator[Apis]:
    services = Services(tmp_path_factory.mktemp("data-apis"))
    try:
        urls = [
            services.start("data-api", {**service_env, "MEMBER_NAME": member}, http=True).url
            for member in ("member1", "member2")
        ]
        member1, member2 = urls
        assert member1 is not None
        assert member2 is not None
        yield Apis(member1, member2, service_env)
    finally:
        services.stop_all()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """The test's own processes (gateways, a data API to kill), stopped at its end."""
    group = Services(tmp_path)
    yield group
    group.stop_all()


@pytest.fixture
def start_gateway(services: Services, apis: Apis) -> Callable[..., str]:
    """Start a gateway (member1) before the given upstreams; returns its base URL."""

    def start(*upstreams: str, **settings: str) -> str:
        env = {
            **apis.env,
            "MEMBER_NAME": "member1",
            "DATA_API_SERVICE_URL": ",".join(upstreams),
            **settings,
        }
        url = services.start("gateway", env, http=True).url
        assert url is not None
        return url

    return start


@pytest.fixture(scope="module")
def dead() -> str:
    """An upstream that refuses connections: a free port nobody listens on."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # limit=0: a burst of 200 is 200 concurrent requests, not 100 and a queue.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30)
    ) as session:
        yield session


# --- helpers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


async def get(
    http: aiohttp.ClientSession,
    url: str | URL,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
) -> Answer:
    async with http.request(method, url, headers=headers, allow_redirects=False) as response:
        body = await response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.headers.items()}, body)


def raw(base: str, path: str) -> URL:
    """A URL sent exactly as written: no client-side normalization of ``..`` or escapes."""
    return URL(base + path, encoded=True)


async def metrics(http: aiohttp.ClientSession, gateway: str) -> dict[str, float]:
    """The gateway's samples, keyed ``name{labels}`` as exposed."""
    answer = await get(http, f"{gateway}/metrics")
    assert answer.status == 200
    samples: dict[str, float] = {}
    for line in answer.body.decode().splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            samples[key] = float(value)
    return samples


def attempts(samples: dict[str, float], upstream: str, outcome: str) -> float:
    key = f'trafficha_gateway_upstream_requests_total{{upstream="{upstream}",outcome="{outcome}"}}'
    return samples[key]


def per_upstream(samples: dict[str, float], name: str, upstream: str) -> float:
    return samples[f'trafficha_gateway_{name}{{upstream="{upstream}"}}']


def problem_of(answer: Answer) -> dict[str, object]:
    assert answer.header("Content-Type") == "application/problem+json", answer
    doc = msgspec.json.decode(answer.body)
    assert isinstance(doc, dict)
    assert doc["status"] == answer.status
    return doc


def assert_secure(answer: Answer, *, html: bool) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert answer.header(name) == value, (name, answer.headers)
    csp = answer.header("Content-Security-Policy")
    if html:
        assert csp is not None
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: https:",
            "connect-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
        ):
            assert directive in csp, directive
    else:
        assert csp is None


# --- forwarding -----------------------------------------------------------------------------


async def test_forwards_path_query_and_headers(
    http: aiohttp.ClientSession, apis: Apis, start_gateway: Callable[..., str]
) -> None:
    gateway = start_gateway(apis.member2)

    answer = await get(http, f"{gateway}/api/accidents/latest?limit=5&route=0010")
    assert answer.status == 200, answer
    assert answer.header("Content-Type") == "application/json"
    assert msgspec.json.decode(answer.body) == []
    # The data API's own headers go through; the length is the body's.
    assert answer.header("X-Cache") in ("hit", "miss")
    assert answer.header("Content-Length") == str(len(answer.body))
    # Both hops named, together and apart.
    assert answer.header("X-Served-By") == "member1/gateway, member2/data-api"
    assert answer.header("X-Served-By-Gateway") == "member1"
    assert answer.header("X-Served-By-Data-Api") == "member2"
    assert_secure(answer, html=False)

    # The query reaches the data API as sent: its 400 names the parameter, and a 4xx is the
    # data API's answer, relayed as it is rather than retried.
    bad = await get(http, f"{gateway}/api/accidents/latest?limit=nope")
    assert bad.status == 400
    assert "limit" in str(problem_of(bad)["detail"])
    assert bad.header("X-Served-By") == "member1/gateway, member2/data-api"

    # The data API's schema is served through the gateway too (the dashboard links to it).
    schema = await get(http, f"{gateway}/schema/openapi.json")
    assert schema.status == 200
    assert "/api/accidents/latest" in msgspec.json.decode(schema.body)["paths"]

    # An unknown API path is the data API's 404, not the dashboard's index.html.
    unknown = await get(http, f"{gateway}/api/no-such-thing")
    assert unknown.status == 404
    assert unknown.header("X-Served-By-Data-Api") == "member2"

    samples = await metrics(http, gateway)
    assert attempts(samples, apis.member2, "ok") == 4
    assert samples["trafficha_gateway_retries_total"] == 0


async def test_other_methods_are_refused(
    http: aiohttp.ClientSession, apis: Apis, start_gateway: Callable[..., str]
) -> None:
    gateway = start_gateway(apis.member1)
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        answer = await get(http, f"{gateway}/api/ha/status", method=method)
        assert answer.status == 405, method
        assert answer.header("Allow") == "GET"
        assert method in str(problem_of(answer)["detail"])
        assert_secure(answer, html=False)
    samples = await metrics(http, gateway)
    assert attempts(samples, apis.member1, "ok") == 0  # nothing was forwarded


# --- failover and ejection ------------------------------------------------------------------


async def test_dead_first_upstream_costs_no_failed_request(
    http: aiohttp.ClientSession, apis: Apis, dead: str, start_gateway: Callable[..., str]
) -> None:
    gateway = start_gateway(dead, apis.member2)

    answers = await asyncio.gather(*(get(http, f"{gateway}/api/ha/status") for _ in range(200)))

    assert [a.status for a in answers] == [200] * 200
    assert {a.header("X-Served-By") for a in answers} == {"member1/gateway, member2/data-api"}
    samples = await metrics(http, gateway)
    assert attempts(samples, apis.member2, "ok") == 200
    # Every request that tried the dead one first moved on to member2.
    refused = attempts(samples, dead, "connect_error")
    assert refused >= 2
    assert samples["trafficha_gateway_retries_total"] == refused
    assert per_upstream(samples, "upstream_ejections_total", dead) == 1
    assert per_upstream(samples, "upstream_ejected", dead) == 1


async def test_5xx_is_answered_by_the_next_upstream(
    http: aiohttp.ClientSession,
    apis: Apis,
    services: Services,
    start_gateway: Callable[..., str],
) -> None:
    # A data API whose MariaDB is gone: alive, but every data endpoint answers 503.
    broken = services.start(
        "data-api",
        {**apis.env, "MEMBER_NAME": "member1", "DB_HOST": f"127.0.0.1:{free_port()}"},
        http=True,
    ).url
    assert broken is not None
    direct = await get(http, f"{broken}/api/accidents/stats")
    assert direct.status == 503
    gateway = start_gateway(broken, apis.member2, GATEWAY_EJECT_AFTER="100")

    answers = [await get(http, f"{gateway}/api/accidents/stats") for _ in range(3)]

    for answer in answers:
        assert answer.status == 200, answer
        assert answer.header("X-Served-By") == "member1/gateway, member2/data-api"
    samples = await metrics(http, gateway)
    assert attempts(samples, broken, "http_5xx") == 3
    assert attempts(samples, apis.member2, "ok") == 3


async def test_when_every_upstream_fails_the_last_5xx_is_relayed(
    http: aiohttp.ClientSession,
    apis: Apis,
    dead: str,
    services: Services,
    start_gateway: Callable[..., str],
) -> None:
    broken = services.start(
        "data-api",
        {**apis.env, "MEMBER_NAME": "member2", "DB_HOST": f"127.0.0.1:{free_port()}"},
        http=True,
    ).url
    assert broken is not None
    gateway = start_gateway(dead, broken)

    answer = await get(http, f"{gateway}/api/accidents/stats")

    # The data API's own account of the failure beats a bare 502.
    assert answer.status == 503
    problem_of(answer)
    assert answer.header("X-Served-By") == "member1/gateway, member2/data-api"


async def test_no_upstream_answers_502(
    http: aiohttp.ClientSession, dead: str, start_gateway: Callable[..., str]
) -> None:
    gateway = start_gateway(dead)

    answer = await get(http, f"{gateway}/api/ha/status")

    assert answer.status == 502
    assert "no data API answered" in str(problem_of(answer)["detail"])
    assert answer.header("X-Served-By") == "member1/gateway"
    assert answer.header("X-Served-By-Gateway") == "member1"
    assert answer.header("X-Served-By-Data-Api") is None
    assert_secure(answer, html=False)
    ready = await get(http, f"{gateway}/readyz")
    assert ready.status == 503
    problem_of(ready)
    samples = await metrics(http, gateway)
    assert samples["trafficha_gateway_unanswered_total"] == 1


async def test_readyz_and_healthz(
    http: aiohttp.ClientSession, apis: Apis, dead: str, start_gateway: Callable[..., str]
) -> None:
    gateway = start_gateway(dead, apis.member1)

    health = await get(http, f"{gateway}/healthz")
    ready = await get(http, f"{gateway}/readyz")

    assert health.status == 200
    assert msgspec.json.decode(health.body)["service"] == "gateway"
    assert_secure(health, html=False)
    assert ready.status == 200
    assert msgspec.json.decode(ready.body)["upstreams"] == {dead: False, apis.member1: True}


async def test_ejected_upstream_is_left_out_for_eject_for(
    http: aiohttp.ClientSession, apis: Apis, dead: str, start_gateway: Callable[..., str]
) -> None:
    eject_for = 1.0
    gateway = start_gateway(
        dead, apis.member2, GATEWAY_EJECT_AFTER="2", GATEWAY_EJECT_FOR=f"{eject_for:g}s"
    )
    url = f"{gateway}/api/ha/status"

    async def refused() -> float:
        return attempts(await metrics(http, gateway), dead, "connect_error")

    # Sequential requests: the first two try the dead upstream (and move on), the second ejects.
    assert (await get(http, url)).status == 200
    assert await refused() == 1
    ejecting_from = time.monotonic()
    assert (await get(http, url)).status == 200
    ejected_by = time.monotonic()
    samples = await metrics(http, gateway)
    assert attempts(samples, dead, "connect_error") == 2
    assert per_upstream(samples, "upstream_ejections_total", dead) == 1
    assert per_upstream(samples, "upstream_ejected", dead) == 1

    # Requests go on; the dead upstream is not tried again until the ejection is over.
    sent = 0
    while await refused() == 2:
        assert time.monotonic() - ejecting_from < eject_for + 5, "never tried again"
        answer = await get(http, url)
        assert answer.status == 200
        assert answer.header("X-Served-By-Data-Api") == "member2"
        sent += 1
    tried_again_by = time.monotonic()
    assert tried_again_by - ejecting_from >= eject_for
    assert tried_again_by - ejected_by <= eject_for + 1.0
    assert sent > 10  # requests kept coming all along, none of them on the dead upstream

    # Back on probation: that one failure ejected it again at once.
    samples = await metrics(http, gateway)
    assert attempts(samples, dead, "connect_error") == 3
    assert per_upstream(samples, "upstream_ejections_total", dead) == 2
    assert samples["trafficha_gateway_retries_total"] == 3


async def test_slow_upstream_times_out_to_the_next(
    http: aiohttp.ClientSession,
    apis: Apis,
    services: Services,
    start_gateway: Callable[..., str],
) -> None:
    # A data API that is stopped (SIGSTOP) accepts connections in the kernel but never answers.
    frozen = services.start("data-api", {**apis.env, "MEMBER_NAME": "member1"}, http=True)
    assert frozen.url is not None
    gateway = start_gateway(frozen.url, apis.member2, GATEWAY_TIMEOUT="300ms")
    frozen.proc.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        answer = await get(http, f"{gateway}/api/ha/status")
        took = time.monotonic() - started
    finally:
        frozen.proc.send_signal(signal.SIGCONT)

    assert answer.status == 200
    assert answer.header("X-Served-By-Data-Api") == "member2"
    assert 0.3 <= took < 2.0
    samples = await metrics(http, gateway)
    assert attempts(samples, frozen.url, "timeout") == 1


# --- event stream ---------------------------------------------------------------------------


async def _read_until(response: aiohttp.ClientResponse, needle: bytes, received: bytes) -> bytes:
    async with asyncio.timeout(10):
        while needle not in received:
            chunk = await response.content.readany()
            assert chunk, f"the stream ended before {needle!r}"
            received += chunk
    return received


async def _hello(response: aiohttp.ClientResponse) -> bytes:
    return await _read_until(response, b"event: hello", b"")


async def _event_streams_open(http: aiohttp.ClientSession, gateway: str) -> float:
    return (await metrics(http, gateway))["trafficha_gateway_event_streams_open"]


async def test_the_gateway_serves_the_event_stream_itself(
    http: aiohttp.ClientSession,
    apis: Apis,
    dead: str,
    start_gateway: Callable[..., str],
    redis_client: aioredis.Redis,
) -> None:
    # Its only data API is dead: the stream comes from the gateway's own hub, not from one.
    gateway = start_gateway(dead)
    async with http.get(f"{gateway}/api/events") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["X-Accel-Buffering"] == "no"
        assert response.headers["X-Served-By"] == "member1/gateway"
        assert "Content-Length" not in response.headers
        hello = await _hello(response)
        assert b'"servedBy":"member1/gateway"' in hello
        assert await _event_streams_open(http, gateway) == 1

        keys = StreamKeys(stream=apis.env["STREAM_KEY"])
        event = CommitEvent(kind="road", batch_id="gw-1", inserted=3, duplicates=0, version=1)
        await publish_event(redis_client, keys, event)
        newest: Any = await redis_client.xrevrange(keys.events_log, count=1)
        received = b""
        async with asyncio.timeout(5):
            while b'"batchId":"gw-1"' not in received:
                received += await response.content.readany()
        assert b"id: " + newest[0][0] + b"\nevent: commit\n" in received
    samples = await metrics(http, gateway)
    assert samples["trafficha_gateway_event_streams_total"] == 1
    assert attempts(samples, dead, "connect_error") == 0  # nothing was forwarded

    # The viewer went away: the gateway notices without waiting for the next event.
    async def closed() -> bool:
        return await _event_streams_open(http, gateway) == 0

    await eventually(closed, timeout=5, interval=0.05)


async def test_open_streams_hold_no_upstream_or_store_connections(
    http: aiohttp.ClientSession,
    apis: Apis,
    redis_server: RedisServer,
    start_gateway: Callable[..., str],
) -> None:
    """More open streams than the gateway keeps connections to a data API
    (CONNECTIONS_PER_UPSTREAM): ordinary GETs still answer at once."""
    gateway = start_gateway(apis.member1)
    viewers = CONNECTIONS_PER_UPSTREAM + 44
    responses = [await http.get(f"{gateway}/api/events") for _ in range(viewers)]
    try:
        await asyncio.gather(*(_hello(r) for r in responses))
        assert await _event_streams_open(http, gateway) == viewers
        started = time.monotonic()
        answers = await asyncio.gather(*(get(http, f"{gateway}/api/ha/status") for _ in range(50)))
        took = time.monotonic() - started
        assert [a.status for a in answers] == [200] * 50
        assert took < 5, f"50 GETs beside {viewers} streams took {took:.1f} s"
        with redis_server.client() as admin:
            named = [c for c in admin.client_list() if c["name"] == "member1/gateway-hub"]
        assert 1 <= len(named) <= HUB_MAX_CONNECTIONS
    finally:
        for response in responses:
            response.close()


async def test_a_viewer_resumes_through_the_gateway_and_a_slow_one_is_dropped(
    http: aiohttp.ClientSession,
    apis: Apis,
    dead: str,
    start_gateway: Callable[..., str],
    redis_client: aioredis.Redis,
) -> None:
    """Frames are written from the fan-out itself: a resumed viewer gets the replay, then new
    events, none twice; a viewer that stops reading is let go once its socket is full, and the
    others receive every event meanwhile."""
    gateway = start_gateway(dead)
    keys = StreamKeys(stream=apis.env["STREAM_KEY"])

    def commit(name: str, pad: int = 0) -> CommitEvent:
        return CommitEvent(
            kind="road", batch_id=name + "x" * pad, inserted=1, duplicates=0, version=1
        )

    await publish_event(redis_client, keys, commit("r-1"))
    newest: Any = await redis_client.xrevrange(keys.events_log, count=1)
    await publish_event(redis_client, keys, commit("r-2"))
    resume = {"Last-Event-ID": newest[0][0].decode()}
    async with http.get(f"{gateway}/api/events", headers=resume) as response:
        received = await _read_until(response, b'"batchId":"r-2"', await _hello(response))
        assert b'"resumed":true' in received
        assert b'"batchId":"r-1"' not in received

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (URL(gateway).host, URL(gateway).port))
        reader, writer = await asyncio.open_connection(sock=sock)
        writer.write(b"GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        await reader.readuntil(b"event: hello")  # then it reads nothing more
        assert await _event_streams_open(http, gateway) == 2
        try:
            sent = 0
            while (await metrics(http, gateway))[
                "trafficha_gateway_event_streams_dropped_total"
            ] < 1:
                assert sent < 4000, "a viewer that reads nothing was never dropped"
                for _ in range(50):
                    sent += 1
                    await publish_event(redis_client, keys, commit(f"s-{sent}-", pad=2000))
                received = await _read_until(response, f'"batchId":"s-{sent}-'.encode(), received)
            assert await _event_streams_open(http, gateway) == 1
            await publish_event(redis_client, keys, commit("r-3"))
            received = await _read_until(response, b'"batchId":"r-3"', received)
        finally:
            writer.close()
    for name in ["r-2", *(f"s-{n}-" for n in range(1, sent + 1)), "r-3"]:
        assert received.count(f'"batchId":"{name}'.encode()) == 1, name


# --- rate limit -----------------------------------------------------------------------------


async def test_rate_limit_per_client(
    http: aiohttp.ClientSession, apis: Apis, start_gateway: Callable[..., str]
) -> None:
    gateway = start_gateway(apis.member1, GATEWAY_RATE_LIMIT="5")
    url = f"{gateway}/api/ha/status"
    first = {"X-Forwarded-For": "203.0.113.7, 10.0.0.1"}

    started = time.monotonic()
    answers = [await get(http, url, headers=first) for _ in range(30)]
    elapsed = time.monotonic() - started

    statuses = [a.status for a in answers]
    assert statuses[:10] == [200] * 10  # the burst: twice the rate
    allowed = statuses.count(200)
    assert allowed <= 10 + 5 * elapsed + 1
    limited = [a for a in answers if a.status == 429]
    assert limited
    for answer in limited:
        assert int(answer.header("Retry-After") or "0") >= 1
        assert "too many requests" in str(problem_of(answer)["detail"])
        assert answer.header("X-Served-By") == "member1/gateway"
        assert_secure(answer, html=False)

    # Another client (another first address) has a bucket of its own; probes are never limited.
    other = await get(http, url, headers={"X-Forwarded-For": "198.51.100.9"})
    assert other.status == 200
    assert all([(await get(http, f"{gateway}/healthz")).status == 200 for _ in range(20)])
    samples = await metrics(http, gateway)
    assert samples["trafficha_gateway_rate_limited_total"] == len(limited)
    assert samples["trafficha_gateway_rate_limit_clients"] >= 2
    # The machine itself (loopback: operators, benchmarks, load tests) is exempt by default.
    local = [await get(http, url) for _ in range(30)]
    assert [a.status for a in local] == [200] * 30
    assert (await metrics(http, gateway))["trafficha_gateway_rate_limited_total"] == len(limited)


# --- the dashboard --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dashboard build, with a file beside it that must never be served."""
    top = tmp_path_factory.mktemp("spa")
    (top / "pyproject.toml").write_text("SECRET-MARKER outside the build\n")
    build = top / "dist"
    (build / "assets").mkdir(parents=True)
    (build / "index.html").write_text(
        '<!doctype html><html><head><script type="module" src="/assets/index-4f9a1c.js">'
        '</script></head><body><div id="root">INDEX-MARKER</div></body></html>'
    )
    (build / "assets" / "index-4f9a1c.js").write_text("console.log('ASSET-MARKER');\n")
    # Big enough to be compressed (a kilobyte or more).
    rows = ", ".join(f'{{"id": {n}, "name": "row {n}"}}' for n in range(400))
    (build / "assets" / "vendor-5b2e7d.js").write_text(f"export const rows = [{rows}];\n")
    (build / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    # Symlinks out of the build: resolved, they lie outside, so they are refused.
    (build / "escape.txt").symlink_to(top / "pyproject.toml")
    (build / "escape").symlink_to(top / "pyproject.toml")
    return build


@pytest.fixture(scope="module")
def spa_gateway(tmp_path_factory: pytest.TempPathFactory, apis: Apis, dist: Path) -> Iterator[str]:
    services = Services(tmp_path_factory.mktemp("spa-gateway"))
    try:
        env = {
            **apis.env,
            "MEMBER_NAME": "member1",
            "DATA_API_SERVICE_URL": apis.member1,
            "SPA_DIST_DIR": str(dist),
        }
        url = services.start("gateway", env, http=True).url
        assert url is not None
        yield url
    finally:
        services.stop_all()


async def test_dashboard_files_routes_and_caching(
    http: aiohttp.ClientSession, spa_gateway: str
) -> None:
    gateway = spa_gateway

    index = await get(http, f"{gateway}/")
    assert index.status == 200
    assert b"INDEX-MARKER" in index.body
    assert index.header("Content-Type") == "text/html; charset=utf-8"
    assert index.header("Cache-Control") == "no-cache"
    assert_secure(index, html=True)
    assert index.header("X-Served-By") == "member1/gateway"

    asset = await get(http, f"{gateway}/assets/index-4f9a1c.js")
    assert asset.status == 200
    assert b"ASSET-MARKER" in asset.body
    assert asset.header("Content-Type") == "text/javascript; charset=utf-8"
    assert asset.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert_secure(asset, html=False)

    icon = await get(http, f"{gateway}/favicon.svg")
    assert icon.status == 200
    assert icon.header("Content-Type") == "image/svg+xml"
    assert icon.header("Cache-Control") == "no-cache"

    # Client-side routes get index.html; a missing file-like path is a 404, never HTML.
    for route in ("/accidents", "/map/route/0010", "/index.html"):
        page = await get(http, gateway + route)
        assert page.status == 200, route
        assert b"INDEX-MARKER" in page.body
    for missing in ("/assets/gone-123.js", "/robots.txt"):
        answer = await get(http, gateway + missing)
        assert answer.status == 404, missing
        problem_of(answer)

    # Revalidation: the same ETag is a 304 without a body.
    etag = index.header("ETag")
    assert etag
    again = await get(http, f"{gateway}/", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.body == b""

    head = await get(http, f"{gateway}/", method="HEAD")
    assert head.status == 200
    assert head.body == b""
    refused = await get(http, f"{gateway}/", method="POST")
    assert refused.status == 405
    problem_of(refused)


@pytest.mark.parametrize(
    "path",
    [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/%2E%2E/pyproject.toml",
        "/assets/../../pyproject.toml",
        "/assets/%2e%2e/%2e%2e/pyproject.toml",
        "/..%2fpyproject.toml",
        "/%2e%2e%2fpyproject.toml",
        "/./index.html",
        "/api/../pyproject.toml",
        "/api/%2e%2e/healthz",
        "/escape.txt",
        "/escape",
    ],
)
async def test_path_traversal_is_refused(
    http: aiohttp.ClientSession, spa_gateway: str, path: str
) -> None:
    answer = await get(http, raw(spa_gateway, path))

    assert b"SECRET-MARKER" not in answer.body
    if path == "/escape":
        # Not a file of the build, so a client-side route: index.html, not the target.
        assert answer.status == 200
        assert b"INDEX-MARKER" in answer.body
    else:
        assert answer.status == 404, (path, answer)
        problem_of(answer)


async def test_no_build_page(
    http: aiohttp.ClientSession, apis: Apis, tmp_path: Path, start_gateway: Callable[..., str]
) -> None:
    gateway = start_gateway(apis.member1, SPA_DIST_DIR=str(tmp_path / "no-such-dist"))

    for path in ("/", "/accidents"):
        page = await get(http, gateway + path)
        assert page.status == 200
        assert page.header("Content-Type") == "text/html; charset=utf-8"
        assert_secure(page, html=True)
        text = page.body.decode()
        korean, english = text.index("대시보드 빌드가 없습니다"), text.index("build is missing")
        assert korean < english
        assert "make up" in text
        assert 'href="/api/ha/status"' in text
        assert 'href="/schema/openapi.json"' in text
    missing = await get(http, f"{gateway}/assets/index-1.js")
    assert missing.status == 404
    # The API is unaffected.
    assert (await get(http, f"{gateway}/api/ha/status")).status == 200


# --- small answers --------------------------------------------------------------------------


@pytest.fixture
async def raw_http() -> AsyncIterator[aiohttp.ClientSession]:
    """A client that sends only the Accept-Encoding a test gives and decodes nothing."""
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=30),
        auto_decompress=False,
        skip_auto_headers=("Accept-Encoding",),
    ) as session:
        yield session


def decoded(answer: Answer) -> bytes:
    import gzip

    import brotli

    coding = answer.header("Content-Encoding")
    if coding == "gzip":
        return gzip.decompress(answer.body)
    if coding == "br":
        return bytes(brotli.decompress(answer.body))
    assert coding is None, coding
    return answer.body


async def test_compressed_answers_and_304s_pass_through(
    raw_http: aiohttp.ClientSession, apis: Apis, start_gateway: Callable[..., str]
) -> None:
    gateway = start_gateway(apis.member1)
    url = f"{gateway}/api/network"
    plain = await get(raw_http, url)
    assert plain.status == 200
    assert plain.header("Content-Encoding") is None
    assert plain.header("Vary") == "Accept-Encoding"
    direct = await get(raw_http, f"{apis.member1}/api/network")
    assert plain.body == direct.body
    assert plain.header("ETag") == direct.header("ETag")

    for accept, coding in (("gzip", "gzip"), ("br", "br"), ("gzip, deflate, br", "br")):
        answer = await get(raw_http, url, headers={"Accept-Encoding": accept})
        assert answer.status == 200
        # Coded once, by the data API: never twice, and the length is the coded body's.
        assert answer.header("Content-Encoding") == coding
        assert answer.header("Content-Length") == str(len(answer.body))
        assert answer.header("Vary") == "Accept-Encoding"
        assert decoded(answer) == plain.body
        assert answer.header("X-Served-By") == "member1/gateway, member1/data-api"
        assert_secure(answer, html=False)

    # Revalidation goes up and the 304 comes down, with its validator and caching.
    etag = plain.header("ETag")
    assert etag
    coded = (await get(raw_http, url, headers={"Accept-Encoding": "br"})).header("ETag")
    assert coded is not None
    assert coded == etag[:-1] + '-br"'
    cases: list[tuple[str, str | None]] = [(etag, None), (etag, "br"), (coded, "br")]
    for held, asked in cases:
        headers = {"If-None-Match": held} | ({"Accept-Encoding": asked} if asked else {})
        again = await get(raw_http, url, headers=headers)
        assert again.status == 304, (held, asked)
        assert again.body == b""
        assert again.header("ETag") == held
        assert again.header("Cache-Control") == plain.header("Cache-Control")
        assert again.header("X-Served-By-Data-Api") == "member1"

    # Versioned geometry, through the gateway.
    version = plain.header("X-Network-Version")
    assert version
    versioned = await get(raw_http, f"{gateway}/api/network/sections?v={version}")
    assert versioned.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert plain.header("Cache-Control") == "public, max-age=60"


async def test_event_stream_is_not_compressed_through_the_gateway(
    raw_http: aiohttp.ClientSession, apis: Apis, start_gateway: Callable[..., str]
) -> None:
    gateway = start_gateway(apis.member1)
    async with raw_http.get(
        f"{gateway}/api/events", headers={"Accept-Encoding": "gzip, br"}
    ) as response:
        assert response.status == 200
        assert response.content_type == "text/event-stream"
        assert "Content-Encoding" not in response.headers
        received = b""
        async with asyncio.timeout(5):
            while b"event: hello" not in received:
                received += await response.content.readany()


async def test_dashboard_files_are_compressed(
    raw_http: aiohttp.ClientSession, spa_gateway: str, dist: Path
) -> None:
    url = f"{spa_gateway}/assets/vendor-5b2e7d.js"
    source = (dist / "assets" / "vendor-5b2e7d.js").read_bytes()
    plain = await get(raw_http, url)
    assert plain.status == 200
    assert plain.header("Content-Encoding") is None
    assert plain.body == source

    for coding in ("gzip", "br"):
        answer = await get(raw_http, url, headers={"Accept-Encoding": coding})
        assert answer.status == 200
        assert answer.header("Content-Encoding") == coding
        assert answer.header("Content-Length") == str(len(answer.body))
        assert answer.header("Cache-Control") == "public, max-age=31536000, immutable"
        assert answer.header("Content-Type") == "text/javascript; charset=utf-8"
        assert decoded(answer) == source
        assert len(answer.body) < len(source) / 4
        assert_secure(answer, html=False)
        # The coded file's tag revalidates it.
        tag = answer.header("ETag")
        assert tag
        assert tag.endswith(f'-{coding}"')
        again = await get(raw_http, url, headers={"Accept-Encoding": coding, "If-None-Match": tag})
        assert again.status == 304
        assert again.body == b""

    # A small file is sent as it is.
    small = await get(raw_http, f"{spa_gateway}/index.html", headers={"Accept-Encoding": "br"})
    assert small.status == 200
    assert small.header("Content-Encoding") is None
    assert b"INDEX-MARKER" in small.body


# --- requests uvicorn cannot parse ----------------------------------------------------------


async def test_an_unreadable_request_gets_a_problem_document(
    apis: Apis, start_gateway: Callable[..., str]
) -> None:
    """uvicorn's own 400 (its parser refused the request: the app never saw it) comes back as
    every other error does, on the gateway's port as on every service's."""
    gateway = URL(start_gateway(apis.member1))
    assert gateway.host is not None
    assert gateway.port is not None
    for request in (
        b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
        b"G\x00T / HTTP/1.1\r\n\r\n",
    ):
        reader, writer = await asyncio.open_connection(gateway.host, gateway.port)
        try:
            writer.write(request)
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), 5)  # it closes the connection
        finally:
            writer.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        assert lines[0] == "HTTP/1.1 400 Bad Request", request
        headers = dict(line.lower().split(": ", 1) for line in lines[1:])
        assert headers["content-type"] == "application/problem+json"
        assert int(headers["content-length"]) == len(body)
        assert "server" not in headers
        document = msgspec.json.decode(body)
        assert (document["status"], document["title"]) == (400, "Bad Request")
        assert document["detail"] == "Invalid HTTP request received."
