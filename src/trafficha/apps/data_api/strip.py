"""The route strip (``/api/road/strip``): one direction of a road drawn as a line, like
로드플러스's 도로 소통 view: its ICs and JCs in the order a driver meets them, each section
between two of them with its flow, and the active incidents pinned where they are.

The order and lengths come from the network the map draws (:mod:`.roads`), the flow from the
road readings (``/api/road/status``'s per-section view), the incidents from ``/api/accidents``'
active ones. Positions are km from the direction's first point, along its sections. An
incident is pinned by its coordinates (projected onto the nearest section, within
:data:`~trafficha.reference.placement.MAX_OFF_ROUTE_KM`), else by a place naming a section
(``서울TG-신갈JC``) or a point (``신갈JC 부근(12.3K)``); one KEC gives neither is listed without
a position. An incident whose direction names neither heading is shown on both strips.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Final, Literal

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.params import Parameter

from trafficha.apps.data_api import convert
from trafficha.apps.data_api.params import ROUTE_PATTERN, RoadDirection
from trafficha.apps.data_api.responses import BAD_PARAMS, CACHE_HEADER, NO_DATABASE, NOT_FOUND
from trafficha.apps.data_api.roads import DIRECTIONS, RouteView, route_view
from trafficha.apps.data_api.service import DataApi, data_api, problem_response
from trafficha.reference.network import Direction, haversine_km
from trafficha.reference.placement import MAX_OFF_ROUTE_KM, PlacedEnd, PlacedSection, parse_point
from trafficha.reference.placement.geometry import Line
from trafficha.store import RoadSectionStatus, StoredAccident, latest_accidents, road_status
from trafficha.store.queries import MAX_LIMIT

__all__ = [
    "RequiredRoute",
    "RoadStrip",
    "StripIncident",
    "StripNode",
    "StripSegment",
    "road_strip",
    "strip_of",
]

PinnedBy = Literal["coordinates", "conzone", "point"]
_SECONDS_PER_HOUR: Final = 3600.0


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


Kst = Annotated[datetime, _doc("ISO 8601 with the +09:00 offset (KST)")]
Km = Annotated[float, _doc("km from the direction's first point, along its sections")]

RequiredRoute = Annotated[
    str,
    Parameter(description="Route number, 4 digits (0010 경부선 …)", pattern=ROUTE_PATTERN),
]


class _Body(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Immutable, camelCase on the wire."""


class StripNode(_Body, frozen=True, kw_only=True):
    """A point of the road: an IC, JC, TG, service area or hi-pass IC, in travel order."""

    name: str
    name_en: Annotated[str | None, _doc("The built-in network's English name; null if none")]
    kind: Annotated[str | None, _doc("IC, JC, TG, SA or HI (hi-pass IC); null if unsaid")]
    km: Km
    lat: float
    lon: float


class StripSegment(_Body, frozen=True, kw_only=True):
    """A section (KEC conzone) between two nodes, with its current flow."""

    conzone_id: Annotated[str, _doc("KEC's conzone id: joins /api/road/status")]
    conzone_name: str
    from_node: Annotated[int, _doc("Index of its first node in nodes")]
    to_node: Annotated[int, _doc("Index of its last node in nodes")]
    km_from: Km
    km_to: Km
    length_km: float
    grade: Annotated[int, _doc("1 원활, 2 서행, 3 정체, 0 no valid reading")]
    speed: Annotated[float | None, _doc("km/h, averaged over its detectors; null if none")]
    travel_time_s: Annotated[int | None, _doc("Seconds to drive it: its length at that speed")]
    collected_at: Annotated[Kst | None, _doc("Its newest reading; null if none")]


class StripIncident(_Body, frozen=True, kw_only=True):
    """An active incident on the route, with its place on this strip (null if unknown)."""

    id: int
    type_code: str
    type_name: str
    sms_text: str
    direction: Annotated[str, _doc("As KEC words it, e.g. 서울방향")]
    this_direction: Annotated[
        bool, _doc("Whether the direction names this strip's heading (else it names neither)")
    ]
    occurred_at: Kst
    lanes_blocked: Annotated[str, _doc("Lanes 1..6 as Y/N flags, e.g. NYNNNN")]
    late_length_km: Annotated[float | None, _doc("Queue length behind it (km), as KEC reports")]
    km: Annotated[float | None, _doc("Where it is, km from the first node; null if unknown")]
    conzone_id: Annotated[str | None, _doc("The section it is on; null if unknown")]
    pinned_by: Annotated[
        PinnedBy | None,
        _doc("coordinates (projected), conzone (its place names a section), point (a node)"),
    ]


class RoadStrip(_Body, frozen=True, kw_only=True):
    """One direction of a route: nodes and sections in travel order, incidents by position."""

    route_no: str
    route_name: str
    route_name_en: str
    direction: Annotated[str, _doc("E (toward the route's end) or S (toward its origin)")]
    heading: Annotated[str, _doc("The direction as the road signs it, e.g. 서울방향")]
    heading_en: Annotated[str, _doc("The same in English, e.g. toward Seoul")]
    length_km: float
    collected_at: Annotated[Kst | None, _doc("The newest reading of its sections; null if none")]
    nodes: list[StripNode]
    segments: list[StripSegment]
    incidents: list[StripIncident]


def _node(end: PlacedEnd, km: float, view: RouteView) -> StripNode:
    _, kind = parse_point(end.name)
    return StripNode(
        name=end.name,
        name_en=view.names_en.get(end.name),
        kind=kind,
        km=round(km, 3),
        lat=end.lat,
        lon=end.lon,
    )


def _segment(
    s: PlacedSection, a: int, b: int, km: float, status: RoadSectionStatus | None
) -> StripSegment:
    speed = None if status is None else status.speed
    return StripSegment(
        conzone_id=s.conzone_id,
        conzone_name=s.conzone_name,
        from_node=a,
        to_node=b,
        km_from=round(km, 3),
        km_to=round(km + s.length_km, 3),
        length_km=s.length_km,
        grade=0 if status is None else status.grade,
        speed=speed,
        travel_time_s=(
            round(s.length_km * _SECONDS_PER_HOUR / speed)
            if speed is not None and speed > 0
            else None
        ),
        collected_at=None if status is None else status.std_at,
    )


def _pin(
    a: StoredAccident,
    sections: Sequence[PlacedSection],
    segments: Sequence[StripSegment],
    nodes: Sequence[StripNode],
) -> tuple[float | None, str | None, PinnedBy | None]:
    """Where an incident is on the strip: (km, conzone id, how it was found)."""
    if a.lat is not None and a.lon is not None and sections:
        best: tuple[float, int, float] | None = None  # distance, segment, share along it
        for i, s in enumerate(sections):
            line = Line([(lat, lon) for lon, lat in s.coordinates])
            measure, distance = line.project((a.lat, a.lon))
            if best is None or distance < best[0]:
                best = (distance, i, measure / line.length if line.length else 0.0)
        if best is not None and best[0] <= MAX_OFF_ROUTE_KM:
            seg = segments[best[1]]
            return round(seg.km_from + best[2] * seg.length_km, 3), seg.conzone_id, "coordinates"
    place = (a.point_name or "").strip()
    if not place:
        return None, None, None
    for seg in segments:
        if seg.conzone_name == place:
            return round((seg.km_from + seg.km_to) / 2, 3), seg.conzone_id, "conzone"
    named = [n for n in nodes if place.startswith(n.name)]
    if named:
        node = max(named, key=lambda n: len(n.name))
        index = nodes.index(node)
        on = next((s for s in segments if s.from_node == index), None)
        on = on or next((s for s in segments if s.to_node == index), None)
        return node.km, None if on is None else on.conzone_id, "point"
    return None, None, None


def strip_of(
    view: RouteView,
    direction: Direction,
    statuses: dict[tuple[str, str], RoadSectionStatus],
    incidents: Sequence[StoredAccident],
) -> RoadStrip:
    """One direction of the route, with the flow of ``statuses`` (by conzone and direction) and
    the active ``incidents`` of the route."""
    sections = view.sections[direction]
    nodes: list[StripNode] = []
    segments: list[StripSegment] = []
    km = 0.0
    for s in sections:
        if not nodes or nodes[-1].name != s.start.name:
            if nodes:  # a gap: the next section starts elsewhere
                km += haversine_km(nodes[-1].lat, nodes[-1].lon, s.start.lat, s.start.lon)
            nodes.append(_node(s.start, km, view))
        nodes.append(_node(s.end, km + s.length_km, view))
        status = statuses.get((s.conzone_id, direction))
        segments.append(_segment(s, len(nodes) - 2, len(nodes) - 1, km, status))
        km += s.length_km
    pins: list[StripIncident] = []
    for a in incidents:
        side = view.direction_of(a.direction)
        if side is not None and side != direction:
            continue
        at, conzone, how = _pin(a, sections, segments, nodes)
        pins.append(
            StripIncident(
                id=a.id,
                type_code=a.type_code,
                type_name=a.type_name,
                sms_text=a.sms_text,
                direction=a.direction,
                this_direction=side == direction,
                occurred_at=a.occurred_at,
                lanes_blocked=a.lanes_blocked,
                late_length_km=a.late_length_km,
                km=at,
                conzone_id=conzone,
                pinned_by=how,
            )
        )
    pins.sort(key=lambda p: (p.km is None, p.km or 0.0, p.occurred_at, p.id))
    times = [s.collected_at for s in segments if s.collected_at is not None]
    heading = view.headings[direction]
    return RoadStrip(
        route_no=view.route_no,
        route_name=view.route_name,
        route_name_en=view.route_name_en,
        direction=direction,
        heading=heading.name,
        heading_en=heading.name_en,
        length_km=round(km, 3),
        collected_at=max(times) if times else None,
        nodes=nodes,
        segments=segments,
        incidents=pins,
    )


async def _build(api: DataApi, view: RouteView, directions: Sequence[Direction]) -> bytes:
    statuses = {
        (r.conzone_id, r.direction): r
        for r in await road_status(api.store)
        if r.route_no == view.route_no
    }
    incidents = [
        a for a in await latest_accidents(api.store, MAX_LIMIT, route_no=view.route_no) if a.active
    ]
    return convert.encode([strip_of(view, d, statuses, incidents) for d in directions])


@get(
    "/api/road/strip",
    summary="Route strip",
    description=(
        "One route's directions as strips: its ICs and JCs in travel order, each section "
        "between them with its grade, speed and travel time, and the active incidents pinned "
        "where they are (km along the strip). Both directions unless one is asked for."
    ),
    tags=["road"],
    response_headers=CACHE_HEADER,
    responses={400: BAD_PARAMS, 404: NOT_FOUND, 503: NO_DATABASE},
)
async def road_strip(
    state: State, route: RequiredRoute, direction: RoadDirection = None
) -> Response[list[RoadStrip]]:
    api = data_api(state)
    geo = api.geo
    view = route_view(geo, route)
    if view is None:
        return problem_response(404, f"route {route} is not in the network")
    directions: tuple[Direction, ...] = DIRECTIONS if direction is None else (direction,)
    return await api.serve(
        ("road-strip", route, direction, geo.version), lambda: _build(api, view, directions)
    )
