"""Normalized domain records: typed, stripped, KST-aware; what flows through the stream."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
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


# --- derived identities and summaries -------------------------------------------------------
# Here rather than in a provider: every source of records (KEC, the simulator, a replay) must
# compute them the same way, or the store would not recognize the same incident or route.


def incident_key(
    occurred_at: datetime,
    route: str | None,
    direction: str,
    type_code: str,
    place: str | None,
) -> str:
    """The :attr:`Accident.incident_key` of an incident: a digest of its start time, route,
    direction, type and place, which KEC keeps while it updates the text, progress and lanes.

    A missing route or place counts as empty text.
    """
    parts = (occurred_at.isoformat(), route, direction, type_code, place)
    joined = "\x1f".join(p or "" for p in parts)
    return hashlib.blake2b(joined.encode(), digest_size=12).hexdigest()


def summarize_routes(rows: Iterable[RoadStatus]) -> list[RouteSummary]:
    """Per-route flow computed from VDS readings (KEC has no route summary endpoint).

    A section is a conzone in one direction; several detectors may report on it, and the
    section takes the worst grade among them (as the original's road status did). Readings with
    grade 0 (판정불가) or a negative or missing speed are ignored. Averages are over readings.
    ``collected_at`` is the newest reading of the route. Routes come ordered by number.
    """
    sections: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    speeds: dict[str, list[int]] = defaultdict(list)
    volumes: dict[str, list[int]] = defaultdict(list)
    names: dict[str, str] = {}
    latest: dict[str, datetime] = {}
    for row in rows:
        if row.grade == 0 or row.speed is None or row.speed < 0:
            continue
        route = row.route_no
        names.setdefault(route, row.route_name)
        section = (row.conzone_id, row.direction)
        sections[route][section] = max(sections[route].get(section, 0), row.grade)
        speeds[route].append(row.speed)
        if row.traffic_amount is not None and row.traffic_amount >= 0:
            volumes[route].append(row.traffic_amount)
        if route not in latest or row.std_at > latest[route]:
            latest[route] = row.std_at
    summaries = []
    for route in sorted(sections):
        grades = list(sections[route].values())
        summaries.append(
            RouteSummary(
                route_no=route,
                route_name=names[route],
                collected_at=latest[route],
                total_sections=len(grades),
                smooth_sections=grades.count(1),
                slow_sections=grades.count(2),
                congested_sections=grades.count(3),
                avg_speed=round(sum(speeds[route]) / len(speeds[route]), 1),
                avg_traffic_amount=(
                    round(sum(volumes[route]) / len(volumes[route]), 1) if volumes[route] else None
                ),
            )
        )
    return summaries
