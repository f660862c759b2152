"""The app kit (trafficha.apps.kit), in process: every kit-built app answers ``/healthz`` and
``/readyz`` alike and says who served it; the kit opens resources in the lifespan and closes
them in reverse order.

The apps run under Litestar's test client with their stores on ports nothing listens on, so
each must start anyway and answer "not ready" as a problem document. Two exceptions: the proxy
migrates its cache tables as it opens, so it gets the session's real MariaDB (its Redis is
still nowhere); the simulator depends on nothing, so it is always ready.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import msgspec
import pytest
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.testing import AsyncTestClient

from tests.conftest import Database
from trafficha.apps.data_api import create_app as data_api_app
from trafficha.apps.gateway import create_app as gateway_app
from trafficha.apps.kit import RESOURCES, build_app
from trafficha.apps.proxy import create_app as proxy_app
from trafficha.apps.simulator import create_app as simulator_app
from trafficha.config import Settings
from trafficha.datasets.registry import ACCIDENTS
from trafficha.secrets import Secret
from trafficha.services.health import READY_TIMEOUT, Readiness, all_answer, run_checks
from trafficha.topology.processes import free_port
from trafficha.topology.servers import RedisServer


def _nowhere() -> str:
    return f"127.0.0.1:{free_port()}"


def _settings(
    upstreams: str | None = None, *, database: Database | None = None, redis: str | None = None
) -> Settings:
    """Stores nobody listens on, unless a real ``database`` or ``redis`` is given; for the
    gateway, these data-API ``upstreams`` (default: one that is down)."""
    settings = Settings(
        member_name="member2",
        redis_addr=redis or _nowhere(),
        db_host=_nowhere(),
        data_api_service_url=upstreams or f"http://{_nowhere()}",
        # The proxy will not start without a KEC key of its own; it never calls KEC here.
        real_openapi_key=Secret("unused"),
    )
    if database is None:
        return settings
    return msgspec.structs.replace(
        settings,
        db_host=database.addr,
        db_user=database.user,
        db_password=Secret(database.password),
        db_name=database.name,
    )


Client = AsyncTestClient[Litestar]


@dataclass(frozen=True)
class KitApp:
    """One app built with the kit, as the shape tests use it."""

    factory: Callable[[Settings], Litestar]
    own_route: str
    """One of the app's own GET routes (a POST to it is refused)."""
    needs_db: bool = False
    """It starts only with MariaDB up (it migrates in its lifespan)."""
    depends: bool = True
    """It waits for something, so it is unready while its stores are down."""


# Every app built with the kit, by service.
KIT_APPS: dict[str, KitApp] = {
    # For the gateway, the raw ASGI path (forwarded), not a Litestar route.
    "data-api": KitApp(data_api_app, "/api/ha/status"),
    "gateway": KitApp(gateway_app, "/api/ha/status"),
    "proxy": KitApp(proxy_app, ACCIDENTS.feed.path, needs_db=True),
    "simulator": KitApp(simulator_app, ACCIDENTS.feed.path, depends=False),
}
DEPENDENT = sorted(s for s, app in KIT_APPS.items() if app.depends)


@pytest.fixture(params=sorted(KIT_APPS))
async def kit_app(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[str, Client]]:
    service: str = request.param
    kit = KIT_APPS[service]
    # Asked for only here: the other apps' tests need no mariadbd.
    database = request.getfixturevalue("module_database") if kit.needs_db else None
    async with AsyncTestClient(app=kit.factory(_settings(database=database))) as client:
        yield service, client


async def test_liveness_has_one_shape(kit_app: tuple[str, Client]) -> None:
    service, client = kit_app
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status": "ok", "service": service, "member": "member2"}
    assert response.headers["x-served-by"] == f"member2/{service}"


@pytest.mark.parametrize("kit_app", DEPENDENT, indirect=True)
async def test_unready_is_a_503_problem_that_says_who_served_it(
    kit_app: tuple[str, Client],
) -> None:
    service, client = kit_app
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["type"], body["title"], body["status"]) == (
        "about:blank",
        "Service Unavailable",
        503,
    )
    assert body["detail"]
    assert response.headers["x-served-by"] == f"member2/{service}"


@pytest.mark.parametrize("kit_app", sorted(set(KIT_APPS) - set(DEPENDENT)), indirect=True)
async def test_an_app_that_depends_on_nothing_is_ready_as_it_is_alive(
    kit_app: tuple[str, Client],
) -> None:
    service, client = kit_app
    health = await client.get("/healthz")
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == health.json()
    assert ready.headers["x-served-by"] == f"member2/{service}"


async def test_every_error_is_a_problem_that_says_who_served_it(
    kit_app: tuple[str, Client],
) -> None:
    service, client = kit_app
    # Every app is read-only on its own routes: a POST is refused, by Litestar or by the
    # gateway's raw path.
    response = await client.post(KIT_APPS[service].own_route)
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 405
    assert response.headers["x-served-by"] == f"member2/{service}"
    # A file no app has: the gateway's dashboard answers a missing file 404 too.
    missing = await client.get("/assets/no-such-file.js")
    assert (missing.status_code, missing.headers["x-served-by"]) == (404, f"member2/{service}")
    assert missing.headers["content-type"] == "application/problem+json"


async def test_the_data_api_names_what_does_not_answer() -> None:
    async with AsyncTestClient(app=data_api_app(_settings())) as client:
        response = await client.get("/readyz")
    assert response.json()["detail"] == "not reachable: db, redis"


async def test_the_proxy_names_what_does_not_answer(module_database: Database) -> None:
    async with AsyncTestClient(app=proxy_app(_settings(database=module_database))) as client:
        response = await client.get("/readyz")
    assert response.json()["detail"] == "not reachable: redis"


async def test_the_proxy_is_ready_while_its_stores_answer(
    module_database: Database, redis_server: RedisServer
) -> None:
    settings = _settings(database=module_database, redis=redis_server.addr)
    async with AsyncTestClient(app=proxy_app(settings)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"db": True, "redis": True}


class _Healthy(BaseHTTPRequestHandler):
    """A data API as the gateway's readiness sees one: its /healthz answers 200."""

    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def healthy_upstream() -> Iterator[str]:
    # Its own thread: the test client runs the app's loop in another thread than the test's.
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_the_gateway_is_ready_while_some_data_api_answers(healthy_upstream: str) -> None:
    dead = f"http://{_nowhere()}"
    settings = _settings(upstreams=f"{dead},{healthy_upstream}")
    async with AsyncTestClient(app=gateway_app(settings)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ready",
        "upstreams": {dead: False, healthy_upstream: True},
    }


# --- the kit itself -----------------------------------------------------------------------


class Resource:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def close(self) -> None:
        self.log.append(f"close {self.name}")


def _log(state: State) -> list[str]:
    log = state["log"]
    assert isinstance(log, list)
    return log


@get("/log")
async def show_log(state: State) -> list[str]:
    return _log(state)


async def open_two(resources: AsyncExitStack, state: State) -> None:
    assert state[RESOURCES] is resources
    for name in ("first", "second"):
        resources.push_async_callback(Resource(name, _log(state)).close)
        _log(state).append(f"open {name}")


async def answers() -> bool:
    return True


async def refuses() -> bool:
    raise ConnectionRefusedError


async def ready_one_of_two(_: State) -> Readiness:
    return all_answer(await run_checks({"up": answers, "down": refuses}))


async def test_resources_open_in_the_lifespan_and_close_in_reverse() -> None:
    log: list[str] = []
    app = build_app(
        "demo",
        member="member1",
        route_handlers=[show_log],
        state={"log": log},
        open=open_two,
        ready=ready_one_of_two,
    )
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/log")).json() == ["open first", "open second"]
        ready = await client.get("/readyz")
        assert (ready.status_code, ready.json()["detail"]) == (503, "not reachable: down")
        # No renderer, no /metrics.
        assert (await client.get("/metrics")).status_code == 404
    assert log[2:] == ["close second", "close first"]


async def test_an_app_without_checks_is_ready_as_it_is_alive() -> None:
    app = build_app("demo", member="member1")
    async with AsyncTestClient(app=app) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == health.json() == {"status": "ok", "service": "demo", "member": "member1"}


async def test_a_check_that_hangs_is_down_after_the_readiness_timeout() -> None:
    async def hangs() -> bool:
        await asyncio.Event().wait()
        return True

    loop = asyncio.get_running_loop()
    started = loop.time()
    results = await run_checks({"hangs": hangs, "up": answers})
    assert results == {"hangs": False, "up": True}
    # Within a kubelet's default probe timeout (1 s), so the verdict reaches it.
    assert READY_TIMEOUT <= loop.time() - started < 1.0


def test_the_ready_body_is_encoded_as_given() -> None:
    verdict = all_answer({"db": True, "redis": True})
    assert msgspec.json.encode(verdict.body) == b'{"db":true,"redis":true}'
