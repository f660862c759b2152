"""The data API's state: connections, caches and event hub, and the cached reads.

One :class:`DataApi` per app, on ``app.state`` (:func:`data_api` finds it for a handler); its
connections are opened on the app kit's exit stack (:mod:`trafficha.apps.kit`). Each read builds
its answer once per (query, data version) as encoded JSON bytes, which the handlers return as
they are.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from contextlib import AsyncExitStack
from datetime import datetime
from typing import Any, Final

import redis.asyncio as aioredis
from litestar import Response
from litestar.datastructures import State

from trafficha.apps.data_api import convert
from trafficha.apps.data_api.cache import ResponseCache, VersionReader
from trafficha.apps.data_api.geo import LearnedNetwork, NetworkGeoJson
from trafficha.apps.data_api.ha import ha_status
from trafficha.apps.data_api.hub import EventHub
from trafficha.apps.data_api.telemetry import Telemetry
from trafficha.apps.problems import problem
from trafficha.config import Settings
from trafficha.connections import redis_client, stream_keys
from trafficha.services.hastatus import read_ha_state
from trafficha.services.health import Readiness, all_answer, redis_answers, run_checks
from trafficha.store import (
    DedupStore,
    StoreError,
    accident_stats,
    latest_accidents,
    latest_notices,
    road_status,
    road_summary,
    tollgate_traffic,
)
from trafficha.store.queries import MAX_LIMIT
from trafficha.store.reads import tollgate_volumes

__all__ = [
    "CACHE_HEADERS",
    "SERVICE",
    "STATE_KEY",
    "DataApi",
    "data_api",
    "json_response",
    "problem_response",
]

log = logging.getLogger(__name__)

SERVICE: Final = "data-api"
STATE_KEY: Final = "api"
"""Where the app keeps its :class:`DataApi` on ``app.state``."""
JSON: Final = "application/json"
# HA status changes with heartbeats (every second): a short cache bounds the Redis reads.
HA_MAX_AGE: Final = 1.0
QUERY_TIMEOUT: Final = 10.0
# Redis reads beyond the hot path give up after this (the client's retries take longer).
REDIS_TIMEOUT: Final = 2.0

CACHE_HEADERS: Final[dict[str, dict[str, str]]] = {
    state: {"X-Cache": state} for state in ("hit", "miss", "stale")
}


def json_response(body: bytes, headers: dict[str, str] | None = None) -> Response[Any]:
    """Pre-encoded JSON (typed Any: the handler's annotation documents the body's schema)."""
    return Response(body, media_type=JSON, headers=headers)


def problem_response(status: int, detail: str) -> Response[Any]:
    return problem(status, detail)


class DataApi:
    """The app's connections, caches and event hub; opened in the app's lifespan."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.keys = stream_keys(settings)
        self.served_by = f"{settings.member_name}/{SERVICE}"
        self.cache = ResponseCache(settings.api_cache_max_age.total_seconds())
        self.ha_cache = ResponseCache(HA_MAX_AGE)
        self.network = LearnedNetwork()
        self.telemetry = Telemetry()
        self._store: DedupStore | None = None
        self._redis: aioredis.Redis | None = None
        self._versions: VersionReader | None = None
        self._hub: EventHub | None = None

    @property
    def geo(self) -> NetworkGeoJson:
        """The network served now: learned from the store, the built-in one until then."""
        return self.network.current

    @property
    def store(self) -> DedupStore:
        assert self._store is not None, "the data API is not open"
        return self._store

    @property
    def redis(self) -> aioredis.Redis:
        assert self._redis is not None, "the data API is not open"
        return self._redis

    @property
    def hub(self) -> EventHub:
        assert self._hub is not None, "the data API is not open"
        return self._hub

    async def open(self, resources: AsyncExitStack) -> None:
        """Create the pool (connecting lazily: the API starts while MariaDB is down), the Redis
        client and the event hub, each closed by ``resources`` in reverse order. (The runner
        beats the service's heartbeat.)"""
        self._store = await DedupStore.from_settings(self.settings, minsize=0)
        resources.push_async_callback(self._store.close)
        self._redis = redis_client(self.settings)
        resources.push_async_callback(self._redis.aclose)
        resources.push_async_callback(self.cache.close)
        resources.push_async_callback(self.ha_cache.close)
        self._versions = VersionReader(self._redis, self.keys.data_version)
        resources.push_async_callback(self._versions.close)
        self._hub = EventHub(self._redis, self.keys, self.served_by)
        self._hub.start()
        resources.push_async_callback(self._hub.close)
        # The built-in network is encoded before the first request; the learned one replaces it,
        # built in the background after commits of road, tollgate-list or VDS data.
        self.geo.encode_all()
        self._hub.listeners.append(self.network.note)
        self.network.start(self._store)
        resources.push_async_callback(self.network.close)

    async def serve(self, key: Hashable, build: Callable[[], Awaitable[bytes]]) -> Response[Any]:
        """The cached answer for ``key`` at the current data version; ``build`` on a miss."""
        assert self._versions is not None, "the data API is not open"
        version = await self._versions.read()

        async def bounded() -> bytes:
            # A hung query would hold every request of its key: give up, as on a failure.
            async with asyncio.timeout(QUERY_TIMEOUT):
                return await build()

        try:
            body, state = await self.cache.get(key, version, bounded)
        except (StoreError, TimeoutError) as exc:
            stale = self.cache.last(key)
            if stale is None:
                log.warning("database unavailable for %r: %s", key, str(exc) or type(exc).__name__)
                return problem_response(503, "the database is unavailable; try again shortly")
            body, state = stale, "stale"
        return json_response(body, CACHE_HEADERS[state])

    async def ready(self) -> Readiness:
        """Ready while MariaDB and Redis both answer: ``{"db": true, "redis": true}``."""
        checks = {"db": self.store.ping, "redis": lambda: redis_answers(self.redis)}
        return all_answer(await run_checks(checks))

    # Builders: one query, encoded. --------------------------------------------------------

    async def accidents(
        self,
        *,
        limit: int,
        route: str | None,
        type_name: str | None,
        direction: str | None,
        since: datetime | None,
        until: datetime | None,
        changed_since: datetime | None = None,
    ) -> bytes:
        rows = await latest_accidents(
            self.store,
            limit,
            route_no=route,
            type_name=type_name,
            direction=direction,
            since=since,
            until=until,
            changed_since=changed_since,
        )
        return convert.encode([convert.accident(a) for a in rows])

    async def stats(self) -> bytes:
        return convert.encode(convert.stats(await accident_stats(self.store)))

    async def notices(self, changed_since: datetime | None = None) -> bytes:
        rows = await latest_notices(self.store, MAX_LIMIT, changed_since=changed_since)
        return convert.encode([convert.notice(a) for a in rows])

    async def tollgate_traffic(self) -> bytes:
        return convert.encode(
            [convert.tollgate_series(s) for s in await tollgate_traffic(self.store)]
        )

    async def road_status(
        self, route: str | None, direction: str | None, grade: int | None
    ) -> bytes:
        return convert.encode(
            [
                convert.road_section(r)
                for r in await road_status(self.store)
                if (route is None or r.route_no == route)
                and (direction is None or r.direction == direction)
                and (grade is None or r.grade == grade)
            ]
        )

    async def road_summary(self, route: str | None) -> bytes:
        return convert.encode(
            [
                convert.route_summary(s)
                for s in await road_summary(self.store)
                if route is None or s.route_no == route
            ]
        )

    async def tollgates(self) -> bytes:
        return convert.encode([convert.tollgate(t) for t in await tollgate_volumes(self.store)])

    async def ha_status(self, *, public: bool = False) -> bytes:
        async with asyncio.timeout(REDIS_TIMEOUT):
            state = await read_ha_state(self.redis, self.keys)
        return convert.encode(ha_status(state, self.served_by, self.settings, public=public))


def data_api(state: State) -> DataApi:
    """The app's :class:`DataApi`, for a handler that declares ``state: State``."""
    api = state[STATE_KEY]
    assert isinstance(api, DataApi), "not the data API's state"
    return api
