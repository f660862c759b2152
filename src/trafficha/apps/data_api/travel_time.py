"""Travel time between tollgates: ``/api/travel-time`` (each pair's latest 5-minute slot, with
the same hour on earlier days) and ``/api/travel-time/pairs`` (the pairs there are, to choose
from). The handlers, their parameters and their response bodies; answers are cached per data
version as the other data answers are (:meth:`~trafficha.apps.data_api.service.DataApi.serve`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIType
from litestar.params import QueryParameter

from trafficha.apps.data_api import convert
from trafficha.apps.data_api.responses import BAD_PARAMS, CACHE_HEADER, NO_DATABASE
from trafficha.apps.data_api.service import DataApi, data_api
from trafficha.store.travel_times import (
    EARLIER_DAYS,
    LatestTravelTime,
    TravelPair,
    latest_travel_times,
    travel_time_pairs,
)

__all__ = [
    "TRAVEL_TIME_ROUTES",
    "SameHourItem",
    "TravelPairItem",
    "TravelTimeItem",
    "travel_time",
    "travel_time_pair_list",
]


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


Kst = Annotated[datetime, _doc("ISO 8601 with the +09:00 offset (KST)")]


class _Body(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Base of the response structs: immutable, camelCase on the wire."""


class SameHourItem(_Body, frozen=True, kw_only=True):
    """An earlier day's average over the same clock hour (KST)."""

    date: Annotated[str, _doc("The day, YYYY-MM-DD (KST)")]
    minutes: Annotated[float, _doc("The mean of that hour's 5-minute averages, in minutes")]
    slots: Annotated[int, _doc("How many 5-minute slots that hour had")]


class TravelTimeItem(_Body, frozen=True, kw_only=True):
    """A pair's newest 5-minute travel time, for one vehicle class and basis (minutes).

    ``sameHourEarlier`` lists, oldest first, each of the 7 days before ``slotAt``'s that has
    slots in the same clock hour: the comparison a driver wants ("usually 9 minutes at 8").
    """

    start_unit_code: str
    start_unit_name: str
    end_unit_code: str
    end_unit_name: str
    car_type: Annotated[str, _doc("KEC's vehicle class code (tcsCarTypeCode): 1 = 1종 …")]
    car_type_name: str
    car_class_name: Annotated[str, _doc("KEC's class division name (소형차 …)")]
    basis: Annotated[str, _doc("2 arrival-based (도착기준), 1 departure-based (출발기준)")]
    basis_name: str
    slot_at: Annotated[Kst, _doc("The slot's start, ISO 8601 +09:00; the slot lasts 5 minutes")]
    time_avg: Annotated[float, _doc("Average travel time of the vehicles measured, minutes")]
    time_min: Annotated[float | None, _doc("Shortest, minutes")]
    time_max: Annotated[float | None, _doc("Longest, minutes")]
    vehicles: Annotated[int | None, _doc("Vehicles measured (efcvTrfl)")]
    same_hour_earlier: list[SameHourItem]


class TravelPairItem(_Body, frozen=True, kw_only=True):
    """A pair of tollgates with current travel times."""

    start_unit_code: str
    start_unit_name: str
    end_unit_code: str
    end_unit_name: str
    car_types: Annotated[list[str], _doc("The vehicle classes measured (carType values)")]
    latest_at: Annotated[Kst, _doc("Its newest slot")]


# --- parameters -------------------------------------------------------------------------------

UNIT_PATTERN: Final = r"^[0-9A-Za-z]{1,6}$"
CAR_TYPE_PATTERN: Final = r"^[0-9]{1,2}$"
_STRING: Final = OpenAPIType.STRING


def _code(name: str, description: str, pattern: str) -> Any:
    # Documented whole, as params.py does: a query value is never null.
    return QueryParameter(
        name=name,
        description=description,
        pattern=pattern,
        schema_extra={"oneOf": None, "type": _STRING, "pattern": pattern},
    )


FromUnit = Annotated[
    str | None,
    _code(
        "from",
        "Start tollgate's unit code (101 서울 …), as /api/travel-time/pairs lists it",
        UNIT_PATTERN,
    ),
]
ToUnit = Annotated[
    str | None,
    _code("to", "End tollgate's unit code, as /api/travel-time/pairs lists it", UNIT_PATTERN),
]
CarType = Annotated[
    str | None,
    _code(
        "carType", "KEC's vehicle class code (tcsCarTypeCode): 1 = 1종 (소형차) …", CAR_TYPE_PATTERN
    ),
]

# --- handlers ---------------------------------------------------------------------------------


def _item(found: LatestTravelTime) -> TravelTimeItem:
    t = found.latest
    return TravelTimeItem(
        start_unit_code=t.start_unit_code,
        start_unit_name=t.start_unit_name,
        end_unit_code=t.end_unit_code,
        end_unit_name=t.end_unit_name,
        car_type=t.car_type,
        car_type_name=t.car_type_name,
        car_class_name=t.car_div_name,
        basis=t.basis,
        basis_name=t.basis_name,
        slot_at=t.slot_at,
        time_avg=t.time_avg,
        time_min=t.time_min,
        time_max=t.time_max,
        vehicles=t.vehicles,
        same_hour_earlier=[
            SameHourItem(date=s.day.isoformat(), minutes=s.minutes, slots=s.slots)
            for s in found.same_hour_earlier
        ],
    )


def _pair(p: TravelPair) -> TravelPairItem:
    return TravelPairItem(
        start_unit_code=p.start_unit_code,
        start_unit_name=p.start_unit_name,
        end_unit_code=p.end_unit_code,
        end_unit_name=p.end_unit_name,
        car_types=p.car_types,
        latest_at=p.latest_at,
    )


async def _travel_times(
    api: DataApi, start: str | None, end: str | None, car_type: str | None
) -> bytes:
    found = await latest_travel_times(
        api.store, start=start, end=end, car_type=car_type, days=EARLIER_DAYS
    )
    return convert.encode([_item(f) for f in found])


async def _pairs(api: DataApi) -> bytes:
    return convert.encode([_pair(p) for p in await travel_time_pairs(api.store)])


@get(
    "/api/travel-time",
    summary="Travel time between tollgates",
    description=(
        "Each pair's newest 5-minute travel time (KEC's trtm/realUnitTrtm, minutes), per "
        "vehicle class and basis, with the same clock hour on each of the 7 days before "
        "(sameHourEarlier); from, to and carType narrow it. Pairs measured within 3 h of "
        "the newest slot stored; a pair KEC does not measure answers []."
    ),
    tags=["travel time"],
    response_headers=CACHE_HEADER,
    responses={400: BAD_PARAMS, 503: NO_DATABASE},
)
async def travel_time(
    state: State, from_: FromUnit = None, to: ToUnit = None, car_type: CarType = None
) -> Response[list[TravelTimeItem]]:
    api = data_api(state)
    return await api.serve(
        ("travel-time", from_, to, car_type), lambda: _travel_times(api, from_, to, car_type)
    )


@get(
    "/api/travel-time/pairs",
    summary="Pairs with travel times",
    description=(
        "Every pair of tollgates with a travel time within 3 h of the newest slot stored, "
        "by start and end code, with its vehicle classes: the choices for /api/travel-time."
    ),
    tags=["travel time"],
    response_headers=CACHE_HEADER,
    responses={503: NO_DATABASE},
)
async def travel_time_pair_list(state: State) -> Response[list[TravelPairItem]]:
    api = data_api(state)
    return await api.serve("travel-time-pairs", lambda: _pairs(api))


TRAVEL_TIME_ROUTES: Final = (travel_time, travel_time_pair_list)
"""The travel time routes, for the data API's route list."""
