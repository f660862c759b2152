"""History answers: a route's last 24 hours (``/api/road/history``: average speed, readings by
grade and incidents started, per bucket) and a tollgate's day of 15-minute volumes
(``/api/tollgate/history``), from what the store holds.

Buckets are cut on the KST clock and every one is in the answer, an empty one with a null
speed or volume and zero counts, so a chart shows when nothing was read. Speeds and readings
may be of one direction; incidents then count when their direction (KEC's text, 서울방향) names
that direction's heading, and on a route whose headings are unknown they count whichever way.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Final, Literal

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType
from litestar.params import Parameter, QueryParameter

from trafficha.apps.data_api import convert
from trafficha.apps.data_api.models import SlotPoint
from trafficha.apps.data_api.params import RoadDirection, instant
from trafficha.apps.data_api.responses import BAD_PARAMS, CACHE_HEADER, NO_DATABASE, NOT_FOUND
from trafficha.apps.data_api.roads import route_view
from trafficha.apps.data_api.service import DataApi, data_api, problem_response
from trafficha.apps.data_api.strip import RequiredRoute
from trafficha.kst import KST, now_kst
from trafficha.models.domain import Direction
from trafficha.store.history import incident_history, speed_history, tollgate_day

__all__ = [
    "HISTORY_HOURS",
    "SLOT_MINUTES",
    "RoadHistory",
    "RoadHistoryBucket",
    "TollgateHistory",
    "road_history",
    "tollgate_history",
]

HISTORY_HOURS: Final = 24
SLOT_MINUTES: Final = 15
"""A tollgate slot (KEC's tmType 2)."""
_SLOTS_PER_DAY: Final = 24 * 60 // SLOT_MINUTES
UNIT_PATTERN: Final = r"^[0-9A-Za-z]{1,16}$"
# What the cache keeps for a tollgate the store does not know (a 404 costs no query either).
_UNKNOWN: Final = b"null"


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


Kst = Annotated[datetime, _doc("ISO 8601 with the +09:00 offset (KST)")]

Bucket = Annotated[
    Literal[15, 30, 60],
    Parameter(description="Bucket length in minutes: 15, 30 or 60"),
]
HistoryUntil = Annotated[
    datetime | None,
    Parameter(
        description=(
            "The window ends with the bucket holding this instant (ISO 8601; without an offset "
            "it is KST). Default: now."
        ),
        # Documented whole (a query value is never null), as params.py does.
        schema_extra={"oneOf": None, "type": OpenAPIType.STRING, "format": OpenAPIFormat.DATE_TIME},
    ),
]
UnitCode = Annotated[
    str,
    QueryParameter(
        name="unitCode",
        description="Tollgate unit code, as /api/tollgates lists it (101 서울 …)",
        pattern=UNIT_PATTERN,
    ),
]
Day = Annotated[
    date | None,
    QueryParameter(
        name="date",
        description="The KST day, YYYY-MM-DD. Default: today.",
        schema_extra={"oneOf": None, "type": OpenAPIType.STRING, "format": OpenAPIFormat.DATE},
    ),
]


class _Body(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Immutable, camelCase on the wire."""


class RoadHistoryBucket(_Body, frozen=True, kw_only=True):
    """One bucket of a route's history: its valid readings and the incidents started in it."""

    start: Kst
    avg_speed: Annotated[float | None, _doc("km/h over the bucket's valid readings; null if none")]
    readings: Annotated[int, _doc("Valid detector readings (speed >= 0, grade > 0)")]
    smooth_readings: Annotated[int, _doc("Of them 원활 (grade 1)")]
    slow_readings: Annotated[int, _doc("Of them 서행 (grade 2)")]
    congested_readings: Annotated[int, _doc("Of them 정체 (grade 3)")]
    incidents: Annotated[int, _doc("Incidents (notices left out) that started in the bucket")]
    incidents_by_type: Annotated[dict[str, int], _doc("Type name -> count, most first")]


class RoadHistory(_Body, frozen=True, kw_only=True):
    """A route's last 24 hours (of one direction when asked), bucket by bucket, oldest first."""

    route_no: str
    route_name: Annotated[str, _doc("As the served network names it; '' if it does not")]
    direction: Annotated[Direction | None, _doc("E or S when asked; null: both")]
    heading: Annotated[str | None, _doc("That direction as the road signs it, e.g. 서울방향")]
    heading_en: Annotated[str | None, _doc("The same in English, e.g. toward Seoul")]
    bucket_minutes: int
    start: Annotated[datetime, _doc("The first bucket's start (KST)")]
    end: Annotated[datetime, _doc("The last bucket's end (KST)")]
    buckets: list[RoadHistoryBucket]


class TollgateHistory(_Body, frozen=True, kw_only=True):
    """A tollgate's day: its 96 15-minute slots from 00:00 KST, each summed over directions,
    payment types and vehicle classes (null where nothing was reported)."""

    unit_code: str
    unit_name: str
    route_no: str | None
    route_name: str | None
    date: Annotated[str, _doc("The KST day, YYYY-MM-DD")]
    slot_minutes: int
    slots: list[SlotPoint]


def window(until: datetime, minutes: int) -> tuple[datetime, int]:
    """The first bucket's start and the bucket count of the 24 h ending with the bucket that
    holds ``until`` (minutes divide the hour, so buckets start on the KST clock)."""
    at = until.astimezone(KST)
    last = at.replace(second=0, microsecond=0) - timedelta(minutes=at.minute % minutes)
    count = HISTORY_HOURS * 60 // minutes
    return last - (count - 1) * timedelta(minutes=minutes), count


async def _road(
    api: DataApi, route: str, direction: Direction | None, minutes: int, until: datetime
) -> bytes:
    view = route_view(api.geo, route)
    heading = None if view is None or direction is None else view.headings[direction]
    if heading is not None and not heading.name:
        heading = None  # a learned route's direction with no placed section: unnamed
    start, count = window(until, minutes)
    step = timedelta(minutes=minutes)
    speeds = await speed_history(api.store, route, start, step, count, direction=direction)
    starts = await incident_history(
        api.store,
        route,
        start,
        step,
        count,
        directions=None if heading is None else frozenset({heading.name}),
    )
    return convert.encode(
        RoadHistory(
            route_no=route,
            route_name=view.route_name if view is not None else "",
            direction=direction,
            heading=None if heading is None else heading.name,
            heading_en=None if heading is None else heading.name_en,
            bucket_minutes=minutes,
            start=start,
            end=start + count * step,
            buckets=[
                RoadHistoryBucket(
                    start=s.start,
                    avg_speed=s.avg_speed,
                    readings=s.readings,
                    smooth_readings=s.smooth,
                    slow_readings=s.slow,
                    congested_readings=s.congested,
                    incidents=i.started,
                    incidents_by_type=i.by_type,
                )
                for s, i in zip(speeds, starts, strict=True)
            ],
        )
    )


@get(
    "/api/road/history",
    summary="A route's last 24 hours",
    description=(
        "Per bucket (15, 30 or 60 minutes on the KST clock, every one listed, oldest first): "
        "the average speed of the route's valid readings (of one direction when asked), the "
        "readings by grade, and the incidents started, by type."
    ),
    tags=["road"],
    response_headers=CACHE_HEADER,
    responses={400: BAD_PARAMS, 503: NO_DATABASE},
)
async def road_history(
    state: State,
    route: RequiredRoute,
    direction: RoadDirection = None,
    bucket: Bucket = 60,
    until: HistoryUntil = None,
) -> Response[RoadHistory]:
    api = data_api(state)
    end = instant(until)
    at = end if end is not None else now_kst()
    return await api.serve(
        ("road-history", route, direction, bucket, end),
        lambda: _road(api, route, direction, bucket, at),
    )


async def _tollgate(api: DataApi, unit_code: str, day: date) -> bytes:
    start = datetime.combine(day, time(0), KST)
    found = await tollgate_day(
        api.store, unit_code, start, timedelta(minutes=SLOT_MINUTES), _SLOTS_PER_DAY
    )
    if found is None:
        return _UNKNOWN
    return convert.encode(
        TollgateHistory(
            unit_code=found.unit_code,
            unit_name=found.unit_name,
            route_no=found.route_no,
            route_name=found.route_name,
            date=day.isoformat(),
            slot_minutes=SLOT_MINUTES,
            slots=[
                SlotPoint(slot_at=s.slot_at, traffic_amount=s.traffic_amount) for s in found.slots
            ],
        )
    )


@get(
    "/api/tollgate/history",
    summary="A tollgate's day",
    description=(
        "A tollgate's 96 15-minute volumes of one KST day, from 00:00, every slot listed "
        "(null where nothing was reported), summed over directions, payments and classes."
    ),
    tags=["tollgates"],
    response_headers=CACHE_HEADER,
    responses={400: BAD_PARAMS, 404: NOT_FOUND, 503: NO_DATABASE},
)
async def tollgate_history(
    state: State, unit_code: UnitCode, day: Day = None
) -> Response[TollgateHistory]:
    api = data_api(state)
    when = day if day is not None else now_kst().date()
    answer = await api.serve(
        ("tollgate-history", unit_code, when), lambda: _tollgate(api, unit_code, when)
    )
    if answer.content == _UNKNOWN:
        return problem_response(404, f"tollgate {unit_code} is neither listed nor counted")
    return answer
