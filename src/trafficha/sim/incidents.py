"""Incidents of the simulated world: their types, their life, and where and when they start.

Incident type codes. KEC confirms only ``"03"`` 작업 and ``"15"`` 이벤트/홍보; the rest of its code
table is unpublished, so the simulator uses this table (``"03"`` matches the real feed):

===== ======== ==============
code  name     duration
===== ======== ==============
01    사고     20–90 min
02    고장     15–60 min
03    작업     2–8 h
04    정체     30–120 min
05    장애물   10–40 min
===== ======== ==============

Progress is KEC's as recorded: ``"1"`` 진행 for as long as the incident is listed; an incident
leaves the feed when it clears (no closing progress is ever sent). Its SMS text changes once,
from the first report (발생) to the handling (처리중); the key never changes.

Calibrated on the recorded feed (``shared/kec-real/realTimeSms.json``, the krex sample): most
rows have no coordinates (36 of 99 had them there) and many no place (``accPointNM: " "``). An
incident here has coordinates with probability :data:`LOCATED_SHARE` and a blank place with
:data:`BLANK_PLACE_SHARE`; its place otherwise reads like KEC's (a conzone name,
``"<waypoint> 부근(12.3K)"`` or ``"<city>방향 26.0"``).
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from trafficha.models.domain import Accident, incident_key
from trafficha.sim.demand import demand_at, kst_at
from trafficha.sim.layout import SectionInfo
from trafficha.sim.seeded import rng

__all__ = [
    "BLANK_PLACE_SHARE",
    "INCIDENT_SLOT",
    "INCIDENT_TYPES",
    "LOCATED_SHARE",
    "MAX_INCIDENT_AGE",
    "PROCESS",
    "Incident",
    "IncidentType",
    "slot_incidents",
]

INCIDENT_SLOT: Final = timedelta(minutes=5)
MAX_INCIDENT_AGE: Final = timedelta(hours=8)

_INCIDENT_SLOT_S: Final = int(INCIDENT_SLOT.total_seconds())


@dataclass(frozen=True, slots=True)
class IncidentType:
    """One incident type: KEC-like code and name, duration range and the words of its SMS."""

    code: str
    name: str
    min_minutes: int
    max_minutes: int
    details: tuple[str, ...]
    # What the SMS says first (the report) and then (the handling).
    verbs: tuple[str, str]
    blocks_lanes: bool


INCIDENT_TYPES: Final[tuple[IncidentType, ...]] = (
    IncidentType(
        code="01",
        name="사고",
        min_minutes=20,
        max_minutes=90,
        details=("추돌사고", "차량사고", "다중추돌사고", "단독사고"),
        verbs=("발생", "처리중"),
        blocks_lanes=True,
    ),
    IncidentType(
        code="02",
        name="고장",
        min_minutes=15,
        max_minutes=60,
        details=("고장차량", "고장차량(승용)", "고장차량(화물)"),
        verbs=("발생", "견인중"),
        blocks_lanes=True,
    ),
    IncidentType(
        code="03",
        name="작업",
        min_minutes=120,
        max_minutes=480,
        details=("포장보수", "차선도색", "비탈면보수", "시설물점검", "노면청소", "방음벽보수"),
        verbs=("작업 준비중", "작업중"),
        blocks_lanes=True,
    ),
    IncidentType(
        code="04",
        name="정체",
        min_minutes=30,
        max_minutes=120,
        details=("지체", "정체"),
        verbs=("발생", "중"),
        blocks_lanes=False,
    ),
    IncidentType(
        code="05",
        name="장애물",
        min_minutes=10,
        max_minutes=40,
        details=("낙하물", "타이어 파편", "적재물 낙하", "동물 사체"),
        verbs=("발견", "처리중"),
        blocks_lanes=True,
    ),
)
_ACCIDENT, _BREAKDOWN, _WORK, _JAM, _OBSTACLE = INCIDENT_TYPES

# KEC's progress as recorded, on every row it lists ("1" 진행); none closes: a cleared incident
# leaves the feed.
PROCESS: Final = ("1", "진행")
LOCATED_SHARE: Final = 0.55
BLANK_PLACE_SHARE: Final = 0.2


@dataclass(frozen=True, slots=True)
class Incident:
    """One simulated incident over its whole life; :meth:`accident_at` is its record at a moment."""

    key: str
    start: int
    end: int
    occurred_at: datetime
    kind: IncidentType
    info: SectionInfo
    point_name: str | None
    lat: float | None
    lon: float | None
    lanes: tuple[int, ...]
    shoulder: bool
    queue_km: float
    detail: str

    def accident_at(self, epoch: float) -> Accident:
        """The record KEC would serve for this incident at ``epoch`` (its text then)."""
        section = self.info.section
        duration = self.end - self.start
        elapsed = epoch - self.start
        frac = min(1.0, max(0.0, elapsed / duration))
        step = 0 if elapsed < min(600.0, 0.15 * duration) else 1
        late_length: float | None = None
        if self.kind is _JAM or self.kind is _ACCIDENT:
            late_length = round(max(0.1, self.queue_km * math.sin(math.pi * frac)), 1)
        process_code, process_name = PROCESS
        return Accident(
            incident_key=self.key,
            occurred_at=self.occurred_at,
            route_no=section.route_no,
            route_name=section.route_name,
            direction=self.info.direction_text,
            type_code=self.kind.code,
            type_name=self.kind.name,
            sms_text=self._sms(step, late_length),
            process_code=process_code,
            process_name=process_name,
            point_name=self.point_name,
            lat=self.lat,
            lon=self.lon,
            late_length_km=late_length,
            lanes_blocked="".join("Y" if n in self.lanes else "N" for n in range(1, 7)),
            shoulder_blocked=self.shoulder,
        )

    def _sms(self, step: int, late_length: float | None) -> str:
        where = ",".join(str(n) for n in self.lanes)
        lanes = f"{where}차로" if where else ("갓길" if self.shoulder else "")
        verb = self.kind.verbs[step]
        if self.kind is _JAM:
            what = f"{late_length:.1f}km {self.detail}{verb}"
        elif self.kind is _WORK:
            what = f"({lanes}) {self.detail} {verb}"
        else:
            what = f"{lanes} {self.detail} {verb}"
        head = f"[{self.kind.name}] {self.info.section.route_name} {self.info.direction_text}"
        return " ".join(f"{head} {self.point_name or ''} {what}".split())


def slot_incidents(
    seed: int, slot: int, sections: Sequence[SectionInfo], cum_weights: Sequence[float]
) -> tuple[Incident, ...]:
    """The incidents that start in one 5-minute slot (1–4 nationwide, busier at peaks).

    ``cum_weights`` are the running sums of the sections' incident weights.
    """
    slot_start = slot * _INCIDENT_SLOT_S
    slot_rng = rng(seed, "incidents", slot)
    demand = demand_at(slot_start + _INCIDENT_SLOT_S / 2)
    rate = 0.7 + 3.0 * demand
    count = math.floor(rate + slot_rng.random())
    hour = kst_at(slot_start).hour
    night = hour >= 22 or hour < 6
    # Weights of 사고, 고장, 작업, 정체, 장애물: road work mostly at night, jams with traffic.
    weights = (
        0.18 + 0.08 * demand,
        0.28,
        0.25 if night else 0.06,
        0.02 + 0.28 * demand**2,
        0.12,
    )
    incidents: list[Incident] = []
    seen: set[str] = set()
    for index in range(count):
        item = rng(seed, "incident", slot, index)
        kind = item.choices(INCIDENT_TYPES, weights=weights)[0]
        info = sections[bisect.bisect_right(cum_weights, item.random() * cum_weights[-1])]
        incident = _make_incident(item, slot_start, kind, info)
        if incident.key not in seen:  # vanishingly rare, but keys must stay unique
            seen.add(incident.key)
            incidents.append(incident)
    return tuple(incidents)


def _make_incident(
    item: random.Random, slot_start: int, kind: IncidentType, info: SectionInfo
) -> Incident:
    section = info.section
    start = slot_start + item.randrange(_INCIDENT_SLOT_S)
    end = start + 60 * item.randint(kind.min_minutes, kind.max_minutes)
    occurred_at = kst_at(start)
    frac = 0.05 + 0.9 * item.random()
    lat: float | None = None
    lon: float | None = None
    if item.random() < LOCATED_SHARE:
        lat = round(section.start.lat + (section.end.lat - section.start.lat) * frac, 6)
        lon = round(section.start.lon + (section.end.lon - section.start.lon) * frac, 6)
    km = info.start_km + (info.end_km - info.start_km) * frac
    place = item.random()
    point_name: str | None
    if place < BLANK_PLACE_SHARE:
        point_name = None  # KEC's " "
    elif place < 0.5:
        point_name = section.conzone_name
    elif place < 0.8:
        near = section.start if frac < 0.5 else section.end
        point_name = f"{near.name} 부근({km:.1f}K)"
    else:
        point_name = f"{info.direction_text} {km:.1f}"
    lanes: tuple[int, ...] = ()
    shoulder = False
    if kind.blocks_lanes:
        if kind is _BREAKDOWN and item.random() < 0.5:
            shoulder = True
        else:
            first = item.randint(1, info.lanes)
            width = 2 if kind is _ACCIDENT and first < info.lanes and item.random() < 0.4 else 1
            lanes = tuple(range(first, first + width))
    queue_km = 0.0
    if kind is _JAM:
        queue_km = 1.0 + 7.0 * item.random()
    elif kind is _ACCIDENT:
        queue_km = 0.5 + 3.5 * item.random()
    detail = item.choice(kind.details)
    key = incident_key(
        occurred_at,
        section.route_no,
        info.direction_text,
        kind.code,
        point_name,
    )
    return Incident(
        key=key,
        start=start,
        end=end,
        occurred_at=occurred_at,
        kind=kind,
        info=info,
        point_name=point_name,
        lat=lat,
        lon=lon,
        lanes=lanes,
        shoulder=shoulder,
        queue_km=queue_km,
        detail=detail,
    )
