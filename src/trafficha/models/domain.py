"""Normalized domain records: typed, stripped, KST-aware; what flows through the stream."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Final, Literal

import msgspec

Direction = Literal["S", "E"]
Grade = Literal[0, 1, 2, 3]
Category = Literal["incident", "notice"]


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """Base of the domain records."""


# --- incidents and notices ------------------------------------------------------------------
# KEC's SMS feed carries traffic incidents and announcements side by side: in the recorded answer
# 19 of 20 rows are type 15 이벤트/홍보 notices (years old, status "1"/"진행", no place), their
# text wrapped in "** … **". They are stored like incidents, but served and counted apart.

NOTICE_TYPE_CODES: Final = frozenset({"15"})
"""KEC type codes of announcements: ``"15"`` 이벤트/홍보 (the one KEC confirms)."""
NOTICE_TYPE_WORDS: Final = ("홍보", "이벤트", "공지")
"""Words of a type name that make a row an announcement, whatever its code."""
NOTICE_MARK: Final = "**"
"""KEC wraps announcement texts in it: ``"** … **"``."""
CLOSING_WORDS: Final = ("완료", "해제", "종료")
"""Words of a progress name that close an incident (처리완료, 통제해제, 상황종료 …). KEC's
recorded progress is ``"1"`` 진행 (in progress); no closing code has been recorded."""


def category_of(type_code: str, type_name: str, sms_text: str) -> Category:
    """``"notice"`` for an announcement (a notice type code, a type name with a notice word, or
    a text wrapped in ``** … **``), else ``"incident"``: the one place rows are told apart."""
    text = sms_text.strip()
    if (
        type_code.strip() in NOTICE_TYPE_CODES
        or any(word in type_name for word in NOTICE_TYPE_WORDS)
        or (
            len(text) > 2 * len(NOTICE_MARK)
            and text.startswith(NOTICE_MARK)
            and text.endswith(NOTICE_MARK)
        )
    ):
        return "notice"
    return "incident"


def is_closing(process_name: str | None) -> bool:
    """Whether a progress name closes the incident (it contains 완료, 해제 or 종료)."""
    return process_name is not None and any(word in process_name for word in CLOSING_WORDS)


class Accident(Record, frozen=True, kw_only=True):
    """An incident from the SMS feed (사고, 고장, 작업, 정체, 장애물 …), or a notice.

    ``incident_key`` identifies the incident across polls: its start time, route, direction,
    type and place, which KEC does not change while it updates the text, progress and lanes.
    :attr:`category` tells a notice (이벤트/홍보) from an incident, :attr:`closing` whether its
    progress closed it; both derive from the fields, so the stream carries neither.
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

    @property
    def category(self) -> Category:
        """``"notice"`` for an announcement, ``"incident"`` otherwise (:func:`category_of`)."""
        return category_of(self.type_code, self.type_name, self.sms_text)

    @property
    def closing(self) -> bool:
        """Whether its progress closes it (:func:`is_closing`)."""
        return is_closing(self.process_name)


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
