"""The data API's own routes: module-level handlers that find the :class:`DataApi` on the app's
state (``/healthz``, ``/readyz`` and ``/metrics`` come from :mod:`trafficha.apps.kit`)."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Final

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import ResponseHeader, State
from litestar.openapi.spec import OpenAPIType
from litestar.params import HeaderParameter, Parameter
from litestar.response import Stream
from redis.exceptions import RedisError

from trafficha.apps.data_api.geo import NetworkGeoJson
from trafficha.apps.data_api.history import road_history, tollgate_history
from trafficha.apps.data_api.models import (
    AccidentItem,
    AccidentStatsBody,
    FeatureCollection,
    HaStatus,
    NetworkCheck,
    NoticeItem,
    OutlineCollection,
    RoadStatusItem,
    RoadSummaryItem,
    SectionCollection,
    TollgateItem,
    TollgateTrafficItem,
)
from trafficha.apps.data_api.params import (
    AccidentDirection,
    ChangedSince,
    Grade,
    Limit,
    RoadDirection,
    RouteParam,
    Since,
    TypeParam,
    Until,
    instant,
)
from trafficha.apps.data_api.responses import BAD_PARAMS, CACHE_HEADER, NO_DATABASE, NO_REDIS
from trafficha.apps.data_api.service import (
    CACHE_HEADERS,
    data_api,
    json_response,
    problem_response,
)
from trafficha.apps.data_api.strip import road_strip
from trafficha.apps.data_api.travel_time import TRAVEL_TIME_ROUTES
from trafficha.apps.tiles import MapConfig, map_config

__all__ = ["ROUTES"]

# The ingress sets it on every request it forwards (replacing a client's): the public view.
EDGE_HEADER: Final = "x-trafficha-edge"
log = logging.getLogger(__name__)

SSE: Final = "text/event-stream"
NETWORK_CACHE_CONTROL: Final = "public, max-age=300"
# The network is learned from the stored data and rebuilt when it changes.
LEARNED_CACHE_CONTROL: Final = "public, max-age=60"

_LEARNED_HEADERS: Final = {"Cache-Control": LEARNED_CACHE_CONTROL}
# A versioned geometry URL (?v= the current version) names bytes that never change.
IMMUTABLE_CACHE_CONTROL: Final = "public, max-age=31536000, immutable"
NETWORK_VERSION_HEADER: Final = "X-Network-Version"
_VERSION_HEADER: Final = [
    ResponseHeader(
        name=NETWORK_VERSION_HEADER,
        value="3f9c0a1b2d4e6f70",
        documentation_only=True,
        description=(
            "The geometry's version: with ?v= it, /api/network, /api/network/sections and "
            "/api/network/outline are cacheable for a year (immutable)"
        ),
    ),
]
_VERSION_MAX: Final = 64
NetworkVersion = Annotated[
    str | None,
    Parameter(
        description=(
            "The geometry's version (X-Network-Version): when it is the current one the answer "
            "is cacheable for a year; any other value gets the current geometry, briefly cached"
        ),
        max_length=_VERSION_MAX,
        # Documented whole, as params.py does: a query value is never null.
        schema_extra={"oneOf": None, "type": OpenAPIType.STRING, "maxLength": _VERSION_MAX},
    ),
]


def _geometry(geo: NetworkGeoJson, v: str | None, cache_control: str) -> dict[str, str]:
    """The headers of a geometry answer: its version, and a year's caching when ``v`` is it."""
    current = geo.version
    return {
        NETWORK_VERSION_HEADER: current,
        "Cache-Control": IMMUTABLE_CACHE_CONTROL if v == current else cache_control,
    }


@get(
    "/api/accidents/latest",
    summary="Latest incidents",
    description=(
        "Incidents last seen in the window (default: the last 24 h), active and cleared, "
        "newest start first; notices are at /api/notices. The original's fields, plus "
        "occurredAt, lastSeenAt, typeCode, direction, processCode, processName, lanesBlocked, "
        "shoulderBlocked, lateLengthKm, source, active and clearedAt."
    ),
    tags=["incidents"],
    response_headers=CACHE_HEADER,
    responses={400: BAD_PARAMS, 503: NO_DATABASE},
)
async def accidents_latest(
    state: State,
    *,
    limit: Limit = 100,
    route: RouteParam = None,
    type: TypeParam = None,  # the original's name, though it shadows the builtin
    direction: AccidentDirection = None,
    since: Since = None,
    until: Until = None,
    changed_since: ChangedSince = None,
) -> Response[list[AccidentItem]]:
    api = data_api(state)
    lo, hi, changed = instant(since), instant(until), instant(changed_since)
    return await api.serve(
        ("accidents", limit, route, type, direction, lo, hi, changed),
        lambda: api.accidents(
            limit=limit,
            route=route,
            type_name=type,
            direction=direction,
            since=lo,
            until=hi,
            changed_since=changed,
        ),
    )


@get(
    "/api/accidents/stats",
    summary="Incident counts",
    description=(
        "Incidents (notices left out): all stored, those that started today (KST), those "
        "active, those cleared today (KST), the last 3 h by type; and the notices active."
    ),
    tags=["incidents"],
    response_headers=CACHE_HEADER,
    responses={503: NO_DATABASE},
)
async def accidents_stats(state: State) -> Response[AccidentStatsBody]:
    api = data_api(state)
    return await api.serve("stats", api.stats)


@get(
    "/api/notices",
    summary="Notices",
    description=(
        "The notices the latest poll lists (이벤트/홍보 and other announcements KEC's incident "
        "feed carries), newest start first; never counted as incidents."
    ),
    tags=["incidents"],
    response_headers=CACHE_HEADER,
    responses={400: BAD_PARAMS, 503: NO_DATABASE},
)
async def notices(state: State, changed_since: ChangedSince = None) -> Response[list[NoticeItem]]:
    api = data_api(state)
    changed = instant(changed_since)
    return await api.serve(("notices", changed), lambda: api.notices(changed))


@get(
    "/api/tollgate/traffic",
    summary="Tollgate volumes",
    description=(
        "Per tollgate, the 15-minute volumes of the 3 h up to the newest slot, newest first."
    ),
    tags=["tollgates"],
    response_headers=CACHE_HEADER,
    responses={503: NO_DATABASE},
)
async def tollgate_traffic(state: State) -> Response[list[TollgateTrafficItem]]:
    api = data_api(state)
    return await api.serve("tollgate-traffic", api.tollgate_traffic)


@get(
    "/api/road/status",
    summary="Flow per section",
    description=(
        "Current flow per route, conzone and direction, over the detectors' latest valid "
        "readings (speed >= 0, grade > 0)."
    ),
    tags=["road"],
    response_headers=CACHE_HEADER,
    responses={400: BAD_PARAMS, 503: NO_DATABASE},
)
async def road_status(
    state: State, route: RouteParam = None, direction: RoadDirection = None, grade: Grade = None
) -> Response[list[RoadStatusItem]]:
    api = data_api(state)
    return await api.serve(
        ("road-status", route, direction, grade),
        lambda: api.road_status(route, direction, grade),
    )


@get(
    "/api/road/summary",
    summary="Flow per route",
    description="Each route's latest summary, by route number.",
    tags=["road"],
    response_headers=CACHE_HEADER,
    responses={400: BAD_PARAMS, 503: NO_DATABASE},
)
async def road_summary(state: State, route: RouteParam = None) -> Response[list[RoadSummaryItem]]:
    api = data_api(state)
    return await api.serve(("road-summary", route), lambda: api.road_summary(route))


@get(
    "/api/tollgates",
    summary="Tollgates with location and volume",
    description=(
        "Every tollgate (location null when unknown) with its latest 15-minute volume and "
        "its series over the 3 h up to the newest slot, oldest first."
    ),
    tags=["tollgates"],
    response_headers=CACHE_HEADER,
    responses={503: NO_DATABASE},
)
async def tollgates(state: State) -> Response[list[TollgateItem]]:
    api = data_api(state)
    return await api.serve("tollgates", api.tollgates)


@get(
    "/api/network",
    summary="Expressway network (GeoJSON)",
    description=(
        "One LineString per route (the built-in network's, then routes learned through their "
        "placed points), then one Point per waypoint of the built-in network."
    ),
    tags=["network"],
    response_headers=_VERSION_HEADER,
    responses={400: BAD_PARAMS},
)
async def network(state: State, v: NetworkVersion = None) -> Response[FeatureCollection]:
    geo = data_api(state).geo
    return json_response(geo.routes, _geometry(geo, v, LEARNED_CACHE_CONTROL))


@get(
    "/api/network/outline",
    summary="Land outline (GeoJSON)",
    description=(
        "South Korea's coastline and the DMZ as one MultiPolygon feature (the mainland, "
        "Jeju and other large islands), coarse to a few km: a backdrop for the network."
    ),
    tags=["network"],
    response_headers=_VERSION_HEADER,
    responses={400: BAD_PARAMS},
)
async def network_outline(state: State, v: NetworkVersion = None) -> Response[OutlineCollection]:
    geo = data_api(state).geo
    return json_response(geo.outline, _geometry(geo, v, NETWORK_CACHE_CONTROL))


@get(
    "/api/network/sections",
    summary="Conzones (GeoJSON)",
    description=(
        "One LineString per placed conzone and direction, keyed by KEC's conzone ids and "
        "learned from the stored road readings (the built-in network's until there are any); "
        "conzoneId joins /api/road/status."
    ),
    tags=["network"],
    response_headers=_VERSION_HEADER,
    responses={400: BAD_PARAMS},
)
async def network_sections(
    state: State, route: RouteParam = None, v: NetworkVersion = None
) -> Response[SectionCollection]:
    geo = data_api(state).geo
    return json_response(geo.sections(route), _geometry(geo, v, LEARNED_CACHE_CONTROL))


@get(
    "/api/network/check",
    summary="How the conzones were placed",
    description=(
        "Where the sections come from (store or builtin), coverage per route, and every "
        "conzone that could not be placed, with the reason; those are never drawn."
    ),
    tags=["network"],
    response_headers=_VERSION_HEADER,
)
async def network_check(state: State) -> Response[NetworkCheck]:
    geo = data_api(state).geo
    return json_response(geo.check, {**_LEARNED_HEADERS, NETWORK_VERSION_HEADER: geo.version})


@get(
    "/api/map/config",
    summary="Base map tiles",
    description=(
        "Where the dashboard's base map tiles come from (MAP_TILE_URL) and their attribution; "
        "tileUrl null: the offline outline only."
    ),
    tags=["network"],
)
async def map_tiles(state: State) -> Response[MapConfig]:
    body = msgspec.json.encode(map_config(data_api(state).settings))
    return json_response(body, {"Cache-Control": NETWORK_CACHE_CONTROL})


@get(
    "/api/ha/status",
    summary="HA status",
    description="Leader, source, members' services, stream figures and collections.",
    tags=["ha"],
    response_headers=CACHE_HEADER,
    responses={503: NO_REDIS},
)
async def ha_status(state: State, request: Request[Any, Any, Any]) -> Response[HaStatus]:
    api = data_api(state)
    # The ingress marks what it forwards (overwriting any client's mark): the public view.
    public = request.headers.get(EDGE_HEADER) == "public"
    try:
        body, cached = await api.ha_cache.get(
            "ha-public" if public else "ha", None, lambda: api.ha_status(public=public)
        )
    except (RedisError, OSError, TimeoutError) as exc:
        log.warning("HA status unavailable: %s", str(exc) or type(exc).__name__)
        return problem_response(503, "Redis is unavailable")
    return json_response(body, CACHE_HEADERS[cached])


@get(
    "/api/events",
    summary="Live events (server-sent events)",
    description=(
        "First `hello` (data version, leader, source, live services, whether the stream "
        "resumed), then `commit`, `leader`, `source` and `members` events as they happen; a "
        "comment every 15 s. Logged events carry an `id`: reconnecting with `Last-Event-ID` "
        "(any member) first replays what was missed, and the hello says `resumed`."
    ),
    tags=["ha"],
    media_type=SSE,
)
async def events(
    state: State,
    last_event_id: Annotated[
        str | None,
        HeaderParameter(
            name="Last-Event-ID",
            description="The id of the last event seen (a browser's EventSource sends it)",
            max_length=64,
            required=False,
        ),
    ] = None,
) -> Stream:
    return Stream(
        data_api(state).hub.stream(last_event_id),
        media_type=SSE,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


ROUTES: Final = (
    accidents_latest,
    accidents_stats,
    notices,
    tollgate_traffic,
    road_status,
    road_summary,
    road_history,
    road_strip,
    tollgates,
    tollgate_history,
    *TRAVEL_TIME_ROUTES,
    network,
    network_outline,
    network_sections,
    network_check,
    map_tiles,
    ha_status,
    events,
)
"""Every data route, in the schema's order."""
