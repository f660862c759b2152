"""The data API: the dashboard's reads, cached per data version, plus HA status and live events.

Endpoints (all GET):

- the original's five, with its paths and field names: ``/api/accidents/latest``,
  ``/api/accidents/stats``, ``/api/tollgate/traffic``, ``/api/road/status``,
  ``/api/road/summary`` (with our filters);
- ``/api/tollgates`` (locations, latest volume, 3 h series), ``/api/network`` and
  ``/api/network/sections`` (GeoJSON of the reference network), ``/api/network/outline``
  (GeoJSON of South Korea's land outline);
- ``/api/ha/status`` (leader, source, members, stream, collections) and ``/api/events``
  (server-sent events: hello, commit, leader, source, members);
- ``/healthz``, ``/readyz``, ``/metrics``, ``/schema/openapi.json``.

Every data answer is cached as encoded bytes per (path, normalized query) and data version
(:mod:`.cache`), so repeated requests cost one Redis GET and no query, and a committed batch is
visible on the next request. Headers: ``X-Cache`` (``hit``, ``miss``, or ``stale`` when MariaDB
failed and the last answer is served), and on every response ``X-Served-By: <member>/data-api``.
Errors are RFC 9457 problem documents (:mod:`trafficha.apps.problems`).

The app only reads: it connects with ``DB_USER``, which may be a read-only account, and never
migrates (the processor does).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from litestar import Litestar, MediaType, Response, get
from litestar.datastructures import ResponseHeader
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Stream
from litestar.types import Message, Scope
from redis.exceptions import RedisError

from trafficha import __version__
from trafficha.apps.data_api.models import (
    AccidentItem,
    AccidentStatsBody,
    FeatureCollection,
    HaStatus,
    OutlineCollection,
    RoadStatusItem,
    RoadSummaryItem,
    SectionCollection,
    TollgateItem,
    TollgateTrafficItem,
)
from trafficha.apps.data_api.params import (
    AccidentDirection,
    Grade,
    Limit,
    RoadDirection,
    RouteParam,
    Since,
    TypeParam,
    Until,
    instant,
)
from trafficha.apps.data_api.service import (
    CACHE_HEADERS,
    SERVICE,
    DataApi,
    json_response,
    problem_response,
)
from trafficha.apps.metrics import METRICS_MEDIA
from trafficha.apps.problems import Problem, exception_handlers
from trafficha.config import Settings

__all__ = ["create_app"]

log = logging.getLogger(__name__)

SSE: Final = "text/event-stream"
NETWORK_CACHE_CONTROL: Final = "public, max-age=300"

_BAD_PARAMS: Final = ResponseSpec(
    Problem,
    description="A parameter is invalid (named in invalid-params)",
    media_type="application/problem+json",
    generate_examples=False,
)
_NO_DATABASE: Final = ResponseSpec(
    Problem,
    description="MariaDB is unavailable and nothing is cached for this query",
    media_type="application/problem+json",
    generate_examples=False,
)
_NO_REDIS: Final = ResponseSpec(
    Problem,
    description="Redis is unavailable",
    media_type="application/problem+json",
    generate_examples=False,
)
# Documented only: the values are set per response (``value`` gives the schema its type).
_CACHE_HEADER: Final = [
    ResponseHeader(
        name="X-Cache",
        value="hit",
        documentation_only=True,
        description="hit (cached for the current data version), miss, or stale (MariaDB failed)",
    ),
]
_SERVED_BY_HEADER: Final = ResponseHeader(
    name="X-Served-By",
    value="member1/data-api",
    documentation_only=True,
    description="<member>/data-api that answered (on every response)",
)
_PROBLEM_400: Final = {400: _BAD_PARAMS}


def create_app(settings: Settings) -> Litestar:
    """The data API app; its connections live in the app's lifespan."""
    api = DataApi(settings)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await api.open()
        try:
            yield
        finally:
            await api.close()

    @get(
        "/api/accidents/latest",
        summary="Latest incidents",
        description=(
            "Incidents last seen in the window (default: the last 24 h), newest start first. "
            "The original's fields, plus occurredAt, lastSeenAt, typeCode, direction, "
            "processName, lanesBlocked, shoulderBlocked, lateLengthKm and source."
        ),
        tags=["incidents"],
        response_headers=_CACHE_HEADER,
        responses={400: _BAD_PARAMS, 503: _NO_DATABASE},
    )
    async def accidents_latest(
        *,
        limit: Limit = 100,
        route: RouteParam = None,
        type: TypeParam = None,  # the original's name, though it shadows the builtin
        direction: AccidentDirection = None,
        since: Since = None,
        until: Until = None,
    ) -> Response[list[AccidentItem]]:
        lo, hi = instant(since), instant(until)
        return await api.serve(
            ("accidents", limit, route, type, direction, lo, hi),
            lambda: api.accidents(
                limit=limit,
                route=route,
                type_name=type,
                direction=direction,
                since=lo,
                until=hi,
            ),
        )

    @get(
        "/api/accidents/stats",
        summary="Incident counts",
        description="All incidents stored, those seen today (KST), and the last 3 h by type.",
        tags=["incidents"],
        response_headers=_CACHE_HEADER,
        responses={503: _NO_DATABASE},
    )
    async def accidents_stats() -> Response[AccidentStatsBody]:
        return await api.serve("stats", api.stats)

    @get(
        "/api/tollgate/traffic",
        summary="Tollgate volumes",
        description=(
            "Per tollgate, the 15-minute volumes of the 3 h up to the newest slot, newest first."
        ),
        tags=["tollgates"],
        response_headers=_CACHE_HEADER,
        responses={503: _NO_DATABASE},
    )
    async def tollgate_traffic_() -> Response[list[TollgateTrafficItem]]:
        return await api.serve("tollgate-traffic", api.tollgate_traffic)

    @get(
        "/api/road/status",
        summary="Flow per section",
        description=(
            "Current flow per route, conzone and direction, over the detectors' latest valid "
            "readings (speed >= 0, grade > 0)."
        ),
        tags=["road"],
        response_headers=_CACHE_HEADER,
        responses={400: _BAD_PARAMS, 503: _NO_DATABASE},
    )
    async def road_status_(
        route: RouteParam = None, direction: RoadDirection = None, grade: Grade = None
    ) -> Response[list[RoadStatusItem]]:
        return await api.serve(
            ("road-status", route, direction, grade),
            lambda: api.road_status(route, direction, grade),
        )

    @get(
        "/api/road/summary",
        summary="Flow per route",
        description="Each route's latest summary, by route number.",
        tags=["road"],
        response_headers=_CACHE_HEADER,
        responses={400: _BAD_PARAMS, 503: _NO_DATABASE},
    )
    async def road_summary_(route: RouteParam = None) -> Response[list[RoadSummaryItem]]:
        return await api.serve(("road-summary", route), lambda: api.road_summary(route))

    @get(
        "/api/tollgates",
        summary="Tollgates with location and volume",
        description=(
            "Every tollgate (location null when unknown) with its latest 15-minute volume and "
            "its series over the 3 h up to the newest slot, oldest first."
        ),
        tags=["tollgates"],
        response_headers=_CACHE_HEADER,
        responses={503: _NO_DATABASE},
    )
    async def tollgates() -> Response[list[TollgateItem]]:
        return await api.serve("tollgates", api.tollgates)

    @get(
        "/api/network",
        summary="Expressway network (GeoJSON)",
        description="One LineString per route, then one Point per waypoint.",
        tags=["network"],
    )
    async def network() -> Response[FeatureCollection]:
        return json_response(api.geo.routes, {"Cache-Control": NETWORK_CACHE_CONTROL})

    @get(
        "/api/network/outline",
        summary="Land outline (GeoJSON)",
        description=(
            "South Korea's coastline and the DMZ as one MultiPolygon feature (the mainland, "
            "Jeju and other large islands), coarse to a few km: a backdrop for the network."
        ),
        tags=["network"],
    )
    async def network_outline() -> Response[OutlineCollection]:
        return json_response(api.geo.outline, {"Cache-Control": NETWORK_CACHE_CONTROL})

    @get(
        "/api/network/sections",
        summary="Conzones (GeoJSON)",
        description=("One LineString per conzone and direction; conzoneId joins /api/road/status."),
        tags=["network"],
        responses=_PROBLEM_400,
    )
    async def network_sections(route: RouteParam = None) -> Response[SectionCollection]:
        return json_response(api.geo.sections(route), {"Cache-Control": NETWORK_CACHE_CONTROL})

    @get(
        "/api/ha/status",
        summary="HA status",
        description="Leader, source, members' services, stream figures and collections.",
        tags=["ha"],
        response_headers=_CACHE_HEADER,
        responses={503: _NO_REDIS},
    )
    async def ha_status_() -> Response[HaStatus]:
        try:
            body, state = await api.ha_cache.get("ha", None, api.ha_status)
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("HA status unavailable: %s", str(exc) or type(exc).__name__)
            return problem_response(503, "Redis is unavailable")
        return json_response(body, CACHE_HEADERS[state])

    @get(
        "/api/events",
        summary="Live events (server-sent events)",
        description=(
            "First `hello` (data version, leader, source, live services), then `commit`, "
            "`leader`, `source` and `members` events as they happen; a comment every 15 s."
        ),
        tags=["ha"],
        media_type=SSE,
    )
    async def events() -> Stream:
        return Stream(
            api.hub.stream(),
            media_type=SSE,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @get("/healthz", summary="Liveness", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": SERVICE, "member": settings.member_name}

    @get(
        "/readyz",
        summary="Readiness: MariaDB and Redis answer",
        tags=["ops"],
        responses={503: _NO_DATABASE},
    )
    async def readyz() -> Response[dict[str, bool]]:
        checks = await api.ready()
        if all(checks.values()):
            return Response(checks, media_type=MediaType.JSON)
        down = ", ".join(name for name, ok in checks.items() if not ok)
        return problem_response(503, f"not reachable: {down}")

    @get("/metrics", summary="Prometheus metrics", tags=["ops"], media_type=METRICS_MEDIA)
    async def metrics() -> str:
        return await api.telemetry.render(api)

    served_by = api.served_by.encode()
    count = api.telemetry.count

    async def before_send(message: Message, scope: Scope) -> None:
        # Every answer, 404s and problems included, says who served it and is counted.
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), (b"x-served-by", served_by)]
            count(scope.get("path_template"), message["status"])

    return Litestar(
        route_handlers=[
            accidents_latest,
            accidents_stats,
            tollgate_traffic_,
            road_status_,
            road_summary_,
            tollgates,
            network,
            network_outline,
            network_sections,
            ha_status_,
            events,
            healthz,
            readyz,
            metrics,
        ],
        lifespan=[lifespan],
        before_send=[before_send],
        response_headers=[_SERVED_BY_HEADER],
        exception_handlers=exception_handlers("data API"),
        logging_config=None,
        openapi_config=OpenAPIConfig(
            title="trafficha data API",
            version=__version__,
            description=(
                "Korean expressway traffic: incidents, tollgate volumes, road flow, the network, "
                "and the pipeline's HA state. Times are ISO 8601 with +09:00."
            ),
            path="/schema",
        ),
    )
