"""Schemathesis against the running data API: every GET operation of its own OpenAPI document,
with valid and invalid inputs, over data the simulated world produced.

No answer may be a 5xx; every answer must conform to the document (status, content type,
headers, body schema); inputs the document allows must be accepted and those it forbids
rejected. The event stream is left out: it never ends.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.core.result import Ok

from tests.conftest import Database
from tests.integration.test_data_api import (
    Api,
    database_holding,
    serving,
)
from trafficha.datasets.registry import TRAVEL_TIME
from trafficha.datasets.spec import SimRequest
from trafficha.datasets.travel_time import TravelTimeBatch
from trafficha.kst import now_kst
from trafficha.models.domain import summarize_routes
from trafficha.models.stream import (
    AccidentBatch,
    RoadBatch,
    TollgateBatch,
    TollgateListBatch,
)
from trafficha.models.stream import StreamEntry as Batch
from trafficha.sim.world import TrafficWorld
from trafficha.streams.keys import StreamKeys
from trafficha.topology.servers import MariaDBServer, RedisServer

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 25


def world_batches() -> list[Batch]:
    """An hour of the simulated world as the collector would batch it."""
    world = TrafficWorld(seed=7)
    now = now_kst()

    def envelope(at: datetime = now) -> dict[str, Any]:
        return {
            "producer": "schema-test",
            "epoch": 1,
            "source": "sim",
            "fetched_at": at,
            "batch_id": uuid.uuid4().hex,
        }

    def travel(at: datetime) -> SimRequest:
        return SimRequest(world=world, params={}, now=at, cache={})

    batches: list[Batch] = [TollgateListBatch(**envelope(), records=tuple(world.tollgates()))]
    for minutes in (60, 30, 0):
        at = now - timedelta(minutes=minutes)
        road = world.road_status_at(at)
        batches += [
            AccidentBatch(**envelope(at), records=tuple(world.incidents_at(at))),
            TollgateBatch(**envelope(at), records=tuple(world.tollgate_traffic_at(at))),
            RoadBatch(**envelope(at), records=tuple(road), summaries=tuple(summarize_routes(road))),
            TravelTimeBatch(**envelope(at), records=tuple(TRAVEL_TIME.sim_records(travel(at)))),
        ]
    return batches


@pytest.fixture(scope="module")
async def world_database(
    mariadb_server: MariaDBServer, db_account: tuple[str, str], redis_server: RedisServer
) -> AsyncIterator[tuple[Database, StreamKeys]]:
    keys = StreamKeys(stream=f"t{uuid.uuid4().hex[:12]}:stream")
    async with database_holding(
        mariadb_server, db_account, redis_server, keys, *world_batches()
    ) as db:
        yield db, keys


@pytest.fixture(scope="module")
def world_api(
    tmp_path_factory: pytest.TempPathFactory,
    world_database: tuple[Database, StreamKeys],
    redis_server: RedisServer,
) -> Iterator[Api]:
    db, keys = world_database
    log = tmp_path_factory.mktemp("data-api-schema") / "data-api.log"
    with serving(log, db, redis_server.addr, keys) as running:
        yield running


# Operations with query parameters: fuzzed with invalid inputs too.
WITH_PARAMETERS = (
    "/api/accidents/latest",
    "/api/notices",  # changedSince
    "/api/road/status",
    "/api/road/summary",
    "/api/road/history",  # route, direction, bucket, until
    "/api/road/strip",  # route, direction
    "/api/tollgate/history",  # unitCode, date
    "/api/travel-time",  # from, to, carType
    "/api/network",  # v: the geometry's version
    "/api/network/outline",
    "/api/network/sections",
)
# Every GET operation but the event stream (it never ends); a test below keeps this complete.
PATHS = (
    "/api/accidents/latest",
    "/api/accidents/stats",
    "/api/notices",
    "/api/tollgate/traffic",
    "/api/road/status",
    "/api/road/summary",
    "/api/road/history",
    "/api/road/strip",
    "/api/tollgates",
    "/api/tollgate/history",
    "/api/travel-time",
    "/api/travel-time/pairs",
    "/api/network",
    "/api/network/outline",
    "/api/network/sections",
    "/api/network/check",
    "/api/map/config",
    "/api/ha/status",
    "/healthz",
    "/readyz",
    "/metrics",
)


@pytest.fixture(scope="module")
def api_schema(world_api: Api) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{world_api.url}/schema/openapi.json")


def test_every_operation_is_fuzzed(api_schema: BaseSchema) -> None:
    documented = {
        result.ok().path for result in api_schema.get_all_operations() if isinstance(result, Ok)
    }
    assert documented - {"/api/events"} == set(PATHS)
    with_parameters = {
        result.ok().path
        for result in api_schema.get_all_operations()
        if isinstance(result, Ok) and result.ok().query
    }
    assert with_parameters == set(WITH_PARAMETERS)


# Schemathesis' own pytest plugin does not run under pytest 9 (it sets a node id pytest no
# longer has), so each operation is a plain Hypothesis test over the operation's strategy.
@pytest.mark.parametrize(
    ("path", "mode"),
    [(path, GenerationMode.POSITIVE) for path in PATHS]
    + [(path, GenerationMode.NEGATIVE) for path in WITH_PARAMETERS],
)
def test_operation_conforms_to_the_document(
    api_schema: BaseSchema, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Case[Any]) -> None:
        case.call_and_validate()

    check()
