"""Response bodies of the data API, as msgspec structs: what they encode is what the OpenAPI
schema at ``/schema/openapi.json`` documents.

The original's five endpoints keep its field names exactly (camelCase, with its ``NM`` suffixes
and ``altitude`` as the longitude), so its clients keep working; fields we added sit beside them.
Every time is ISO 8601 with the +09:00 offset; a list with nothing in it is ``[]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

import msgspec

# The land outline is served as the package data decodes: its structs are the body's schema.
from trafficha.reference.outline import OutlineCollection
from trafficha.services.hastatus import LeaderInfo, StreamInfo

__all__ = [
    "AccidentItem",
    "AccidentStatsBody",
    "CollectionView",
    "FeatureCollection",
    "HaStatus",
    "Hello",
    "LineString",
    "MemberView",
    "NetworkCheck",
    "NoticeItem",
    "OutlineCollection",
    "Point",
    "RoadStatusItem",
    "RoadSummaryItem",
    "RouteCoverageItem",
    "RouteFeature",
    "RouteProperties",
    "SectionCollection",
    "SectionFeature",
    "SectionProperties",
    "ServiceView",
    "SlotPoint",
    "SourceView",
    "TollgateItem",
    "TollgateTrafficItem",
    "TrafficPoint",
    "UnplacedItem",
    "WaypointFeature",
    "WaypointProperties",
]


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


Kst = Annotated[datetime, _doc("ISO 8601 with the +09:00 offset (KST)")]


class _Body(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Base of the response structs: immutable, camelCase on the wire."""


# --- the original's five ------------------------------------------------------------------


class AccidentItem(_Body, frozen=True, kw_only=True):
    """An incident (사고, 고장, 작업 …), in the original's shape plus our fields.

    Active while the latest poll of KEC's feed lists it at a progress that does not close it;
    otherwise cleared, since ``clearedAt``. Notices (이벤트/홍보) are served by /api/notices.
    """

    id: int
    acc_date: Annotated[str, _doc("Start date, YYYYMMDD (KST)")]
    acc_hour: Annotated[str, _doc("Start time, HHMM (KST)")]
    acc_point_nm: str = msgspec.field(name="accPointNM")
    road_nm: str = msgspec.field(name="roadNM")
    nosun_nm: Annotated[str, _doc("4-digit route number, '' when unknown")] = msgspec.field(
        name="nosunNM"
    )
    sms_text: str
    acc_type: Annotated[str, _doc("Type name: 사고, 고장, 작업, 정체, 장애물 …")]
    latitude: float | None
    altitude: Annotated[float | None, _doc("The longitude (KEC's name for it)")]
    created_at: Annotated[datetime, _doc("First seen by the collector")]
    occurred_at: Kst
    last_seen_at: Kst
    type_code: str
    direction: str
    process_code: Annotated[str | None, _doc("KEC's progress code as recorded, e.g. 1")]
    process_name: Annotated[str | None, _doc("KEC's progress name as recorded, e.g. 진행")]
    lanes_blocked: Annotated[str, _doc("Lanes 1..6 as Y/N flags, e.g. NYNNNN")]
    shoulder_blocked: bool
    late_length_km: Annotated[float | None, _doc("Queue length behind it (km), as KEC reports")]
    source: Annotated[str, _doc("real (KEC) or sim (simulator)")]
    active: Annotated[bool, _doc("Listed by the latest poll at a progress that does not close it")]
    cleared_at: Annotated[
        Kst | None,
        _doc("When it cleared: the first poll that left it out or saw it closed (완료/해제/종료)"),
    ]


class NoticeItem(_Body, frozen=True, kw_only=True):
    """A notice the latest poll lists: an announcement (이벤트/홍보 …) KEC's incident feed
    carries, not a traffic incident."""

    id: int
    occurred_at: Kst
    route_no: Annotated[str, _doc("4-digit route number, '' when unknown")]
    route_name: str
    direction: str
    type_code: str
    type_name: str
    sms_text: Annotated[str, _doc("The text as KEC sends it, often wrapped in ** … **")]
    point_name: str
    process_code: str | None
    process_name: str | None
    first_seen_at: Kst
    last_seen_at: Kst
    source: Annotated[str, _doc("real (KEC) or sim (simulator)")]
    active: Annotated[
        bool, _doc("Listed by the latest poll; false only in a changedSince answer (it cleared)")
    ] = True


class AccidentStatsBody(_Body, frozen=True, kw_only=True):
    """Incident counts, notices left out: all stored, occurred today (KST), active, cleared
    today (KST), and seen in the last 3 h by type; and the notices active."""

    total_accidents: int
    today_accidents: Annotated[int, _doc("Incidents that started today (KST calendar day)")]
    active_accidents: Annotated[int, _doc("Incidents the latest poll lists, not closed")]
    cleared_today: Annotated[int, _doc("Incidents that cleared today (KST calendar day)")]
    active_notices: Annotated[int, _doc("Notices the latest poll lists")]
    by_type: Annotated[dict[str, int], _doc("Incidents seen in the last 3 h, by type name")]


class TrafficPoint(_Body, frozen=True, kw_only=True):
    collected_at: Kst
    traffic_amount: int | None


class TollgateTrafficItem(_Body, frozen=True, kw_only=True):
    """A tollgate's 15-minute volumes over the 3 h up to the newest slot, newest first."""

    unit_code: str
    unit_name: str
    ex_div_name: str
    traffic_data: list[TrafficPoint]
    last_updated: Kst


class RoadStatusItem(_Body, frozen=True, kw_only=True):
    """Current flow on one section (route, conzone, direction), averaged over its detectors."""

    route_no: str
    route_name: str
    conzone_id: str
    conzone_name: str
    vds_id: str
    updown_type_code: Annotated[str, _doc("S (toward the origin) or E (toward the end)")]
    traffic_amount: float | None
    speed: float | None
    share_ratio: float | None
    time_avg: float | None
    grade: Annotated[int, _doc("1 원활, 2 서행, 3 정체 (0 판정불가 is never listed)")]
    collected_at: Kst


class RoadSummaryItem(_Body, frozen=True, kw_only=True):
    """A route's latest flow summary: sections by grade, average speed and volume."""

    route_no: str
    route_name: str
    total_sections: int
    smooth_sections: int
    slow_sections: int
    congested_sections: int
    avg_speed: float | None
    avg_traffic_amount: float | None
    collected_at: Kst


# --- tollgates with locations -------------------------------------------------------------


class SlotPoint(_Body, frozen=True, kw_only=True):
    slot_at: Kst
    traffic_amount: int | None


class TollgateItem(_Body, frozen=True, kw_only=True):
    """A tollgate with its location (null when unknown) and its recent 15-minute volumes.

    ``series`` covers the 3 h up to the newest slot stored for any tollgate, oldest first;
    ``latestSlotAt``/``latestTrafficAmount`` are its newest slot in that window (null if none).
    """

    unit_code: str
    unit_name: str
    route_no: str | None
    route_name: str | None
    lat: float | None
    lon: float | None
    latest_slot_at: Kst | None
    latest_traffic_amount: int | None
    series: list[SlotPoint]


# --- the network as GeoJSON ---------------------------------------------------------------

Position = Annotated[tuple[float, float], _doc("[longitude, latitude] (WGS84)")]


class LineString(msgspec.Struct, frozen=True, kw_only=True):
    type: Literal["LineString"]
    coordinates: list[Position]


class Point(msgspec.Struct, frozen=True, kw_only=True):
    type: Literal["Point"]
    coordinates: Position


class RouteProperties(_Body, frozen=True, kw_only=True):
    route_no: str
    route_name: str
    route_name_en: str


class WaypointProperties(_Body, frozen=True, kw_only=True):
    name: str
    name_en: str
    kind: Annotated[str, _doc("IC, JC, TG or SA")]
    route_no: str


class SectionProperties(_Body, frozen=True, kw_only=True):
    conzone_id: str
    conzone_name: str
    route_no: str
    route_name: str
    direction: Annotated[str, _doc("S or E, as road status' updownTypeCode")]
    length_km: float


class RouteFeature(msgspec.Struct, frozen=True, kw_only=True):
    type: Literal["Feature"]
    geometry: LineString
    properties: RouteProperties


class WaypointFeature(msgspec.Struct, frozen=True, kw_only=True):
    type: Literal["Feature"]
    geometry: Point
    properties: WaypointProperties


class SectionFeature(msgspec.Struct, frozen=True, kw_only=True):
    type: Literal["Feature"]
    geometry: LineString
    properties: SectionProperties


@dataclass(frozen=True, slots=True, kw_only=True)
class FeatureCollection:
    """One LineString per route, then one Point per waypoint.

    A dataclass, not a Struct: msgspec refuses a union of untagged Structs in a Struct's
    fields, and GeoJSON features cannot carry a tag of ours; msgspec encodes it all the same.
    """

    type: Literal["FeatureCollection"]
    features: list[RouteFeature | WaypointFeature]


class SectionCollection(msgspec.Struct, frozen=True, kw_only=True):
    """One LineString per conzone and direction."""

    type: Literal["FeatureCollection"]
    features: list[SectionFeature]


# --- where the sections were placed -------------------------------------------------------


class RouteCoverageItem(_Body, frozen=True, kw_only=True):
    """How many of a route's conzones are drawn."""

    route_no: str
    route_name: str
    total: int
    placed: int
    percent: Annotated[float, _doc("placed / total × 100, one decimal")]
    interpolated_ends: Annotated[
        int, _doc("Ends of drawn sections placed between their neighbours, not on a named point")
    ]
    geometry: Annotated[
        str,
        _doc("network (the built-in route), learned (through its own known points) or none"),
    ]


class UnplacedItem(_Body, frozen=True, kw_only=True):
    """A conzone that is not drawn, and why."""

    conzone_id: str
    conzone_name: str
    route_no: str
    route_name: str
    direction: Annotated[str, _doc("S or E ('' when the id does not say)")]
    reason: str


class NetworkCheck(_Body, frozen=True, kw_only=True):
    """Where the sections of /api/network/sections come from, and what could not be placed."""

    source: Annotated[
        str,
        _doc(
            "store: learned from the stored road readings, tollgates and VDS locations; "
            "builtin: the built-in network's own sections (no road readings stored yet)"
        ),
    ]
    built_at: Annotated[datetime, _doc("When this network was learned (KST)")]
    conzones: Annotated[int, _doc("Conzones placed or tried")]
    tollgates: Annotated[int, _doc("Tollgates with a location used as gazetteer points")]
    vds_locations: Annotated[int, _doc("VDS detectors whose chainage was used")]
    total: int
    placed: int
    percent: float
    routes: list[RouteCoverageItem]
    unplaced: list[UnplacedItem]


# --- HA status ------------------------------------------------------------------------------


class SourceView(_Body, frozen=True, kw_only=True):
    mode: Annotated[str, _doc("Configured mode: real, sim or auto")]
    active: Annotated[str, _doc("Source in use: real or sim")]
    switches: int
    changed_at: Kst
    reason: str


class ServiceView(_Body, frozen=True, kw_only=True):
    service: str
    alive: bool
    pid: Annotated[int | None, _doc("null through the public ingress (internal detail)")]
    port: Annotated[int | None, _doc("null through the public ingress, and for workers")]
    last_beat: Kst


class MemberView(_Body, frozen=True, kw_only=True):
    member: str
    services: list[ServiceView]


class CollectionView(_Body, frozen=True, kw_only=True):
    """The leader's last collection of one kind."""

    kind: str
    at: Kst
    ok: bool
    records: int
    source: str | None
    error: str | None
    interval_seconds: Annotated[
        float | None,
        _doc(
            "The kind's collection interval in seconds (its setting): data older than twice "
            "this is stale. null: not known to this member."
        ),
    ] = None


class HaStatus(_Body, frozen=True, kw_only=True):
    served_by: Annotated[str, _doc("<member>/data-api that answered")]
    leader: LeaderInfo | None
    source: SourceView | None
    members: list[MemberView]
    stream: StreamInfo
    collections: list[CollectionView]
    data_version: int


class Hello(_Body, frozen=True, kw_only=True):
    """The first server-sent event of a connection: where things stand."""

    served_by: str
    data_version: int
    leader: LeaderInfo | None
    source: SourceView | None
    alive: list[str]
    down: list[str]
    # The stream picked up after the viewer's Last-Event-ID: what it missed follows, so it
    # need not refetch everything.
    resumed: bool = False
