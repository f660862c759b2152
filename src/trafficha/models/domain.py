"""Normalized domain records: typed, stripped, KST-aware; what flows through the stream."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

Direction = Literal["S", "E"]
Grade = Literal[0, 1, 2, 3]


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """Base of the domain records."""


class Accident(Record, frozen=True, kw_only=True):
    """An incident from the SMS feed (사고, 고장, 작업, 정체, 장애물 …).

    ``incident_key`` identifies the incident across polls: its start time, route, direction,
    type and place, which KEC does not change while it updates the text, progress and lanes.
    """

    incident_key: str
    occurred_at: datetime
    route_no: str | None
    route_name: str
    direction: str
    type_code: str
    type_name: str
    sms_text: str
    process_code: str | None
    process_name: str | None
    point_name: str | None
    lat: float | None
    lon: float | None
    late_length_km: float | None
    lanes_blocked: str  # "NNYNNN": lanes 1..6, as KEC flags them
    shoulder_blocked: bool


class TollgateTraffic(Record, frozen=True, kw_only=True):
    """Vehicle count at a tollgate for one time slot, direction, payment and vehicle class."""

    unit_code: str
    unit_name: str
    ex_div_code: str
    ex_div_name: str
    inout_type: str
    inout_name: str
    tm_type: str
    tm_name: str
    tcs_type: str
    tcs_name: str
    car_type: str
    traffic_amount: int | None
    slot_at: datetime


class RoadStatus(Record, frozen=True, kw_only=True):
    """One VDS detector's reading on a conzone (section) at a moment."""

    vds_id: str
    conzone_id: str
    conzone_name: str
    route_no: str
    route_name: str
    direction: Direction
    speed: int | None
    traffic_amount: int | None
    share_ratio: int | None
    time_avg: int | None
    grade: Grade
    std_at: datetime


class RouteSummary(Record, frozen=True, kw_only=True):
    """Per-route flow at one snapshot: sections by grade, average speed and volume."""

    route_no: str
    route_name: str
    collected_at: datetime
    total_sections: int
    smooth_sections: int
    slow_sections: int
    congested_sections: int
    avg_speed: float | None
    avg_traffic_amount: float | None


class Tollgate(Record, frozen=True, kw_only=True):
    """A tollgate (영업소) with its location when KEC knows it."""

    unit_code: str
    unit_name: str
    route_no: str | None
    route_name: str | None
    lat: float | None
    lon: float | None
