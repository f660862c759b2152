"""A deterministic traffic world over the reference network.

Everything here is a pure function of ``(seed, time)``: the same seed and the same instant give
the same records, bit for bit, in any process. There is no global random state: every random
choice is drawn from a stream keyed by a blake2b hash of the seed and the item (slot, section,
tollgate …), never from Python's salted ``hash()``.

The records look exactly like the ones :mod:`trafficha.providers.kec` parses from the real feeds:
4-digit route numbers, aware KST datetimes with whole seconds, stripped strings, and the same
``incident_key`` the parser computes.

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

Progress (``process_code``/``process_name``) moves ``"0"`` 접수 -> ``"1"`` 처리중 ->
``"2"`` 처리완료 over an incident's life; the key never changes.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Final

from trafficha.kst import KST, to_kst
from trafficha.models.domain import (
    Accident,
    Grade,
    RoadStatus,
    Tollgate,
    TollgateTraffic,
    incident_key,
)
from trafficha.reference.network import Network, Route, Section, Waypoint, haversine_km
from trafficha.reference.network import load_network as _load_network

__all__ = [
    "INCIDENT_SLOT",
    "INCIDENT_TYPES",
    "MAX_INCIDENT_AGE",
    "PROCESS_STEPS",
    "TOLLGATE_DELAY",
    "TOLLGATE_SLOT",
    "IncidentType",
    "TrafficWorld",
]

INCIDENT_SLOT: Final = timedelta(minutes=5)
TOLLGATE_SLOT: Final = timedelta(minutes=15)
# KEC publishes a tollgate slot with a delay: the slot served at t ended at least this long ago.
TOLLGATE_DELAY: Final = timedelta(minutes=15)
MAX_INCIDENT_AGE: Final = timedelta(hours=8)

_INCIDENT_SLOT_S: Final = int(INCIDENT_SLOT.total_seconds())
_TOLLGATE_SLOT_S: Final = int(TOLLGATE_SLOT.total_seconds())
_TOLLGATE_DELAY_S: Final = int(TOLLGATE_DELAY.total_seconds())
_LOOKBACK_SLOTS: Final = int(MAX_INCIDENT_AGE.total_seconds()) // _INCIDENT_SLOT_S
_SLOT_CACHE_MAX: Final = 2048

SEOUL: Final = (37.5665, 126.978)  # 서울시청


@dataclass(frozen=True, slots=True)
class IncidentType:
    """One incident type: KEC-like code and name, duration range and the words of its SMS."""

    code: str
    name: str
    min_minutes: int
    max_minutes: int
    details: tuple[str, ...]
    # What the SMS says in each progress step (접수, 처리중, 처리완료).
    verbs: tuple[str, str, str]
    blocks_lanes: bool


INCIDENT_TYPES: Final[tuple[IncidentType, ...]] = (
    IncidentType(
        code="01",
        name="사고",
        min_minutes=20,
        max_minutes=90,
        details=("추돌사고", "차량사고", "다중추돌사고", "단독사고"),
        verbs=("발생", "처리중", "처리완료"),
        blocks_lanes=True,
    ),
    IncidentType(
        code="02",
        name="고장",
        min_minutes=15,
        max_minutes=60,
        details=("고장차량", "고장차량(승용)", "고장차량(화물)"),
        verbs=("발생", "처리중", "견인완료"),
        blocks_lanes=True,
    ),
    IncidentType(
        code="03",
        name="작업",
        min_minutes=120,
        max_minutes=480,
        details=("포장보수", "차선도색", "비탈면보수", "시설물점검", "노면청소", "방음벽보수"),
        verbs=("작업 준비중", "작업중", "작업 마무리중"),
        blocks_lanes=True,
    ),
    IncidentType(
        code="04",
        name="정체",
        min_minutes=30,
        max_minutes=120,
        details=("지체", "정체"),
        verbs=("발생", "중", "해소중"),
        blocks_lanes=False,
    ),
    IncidentType(
        code="05",
        name="장애물",
        min_minutes=10,
        max_minutes=40,
        details=("낙하물", "타이어 파편", "적재물 낙하", "동물 사체"),
        verbs=("발견", "처리중", "제거완료"),
        blocks_lanes=True,
    ),
)
_ACCIDENT, _BREAKDOWN, _WORK, _JAM, _OBSTACLE = INCIDENT_TYPES

# (process_code, process_name) per step of an incident's life.
PROCESS_STEPS: Final = (("0", "접수"), ("1", "처리중"), ("2", "처리완료"))

# Share of peak traffic per hour of day (KST); linear in between. Weekends have no commute
# peaks but a broad midday hump.
_WEEKDAY_DEMAND: Final = (
    0.18, 0.12, 0.09, 0.08, 0.10, 0.22, 0.50, 0.88, 1.00, 0.82, 0.66, 0.64,
    0.62, 0.64, 0.66, 0.70, 0.78, 0.94, 1.00, 0.86, 0.62, 0.48, 0.36, 0.26,
)  # fmt: skip
_WEEKEND_DEMAND: Final = (
    0.24, 0.16, 0.11, 0.09, 0.09, 0.14, 0.26, 0.42, 0.60, 0.76, 0.88, 0.94,
    0.92, 0.90, 0.92, 0.96, 1.00, 0.98, 0.90, 0.74, 0.58, 0.46, 0.36, 0.28,
)  # fmt: skip

# Lanes per direction (a simplification: the widest stretch of each route).
_ROUTE_LANES: Final = {"0010": 4, "1000": 4, "0150": 3, "0500": 3, "0350": 3}
_DEFAULT_LANES: Final = 2

# Waypoint names (suffix stripped) whose everyday "<city>방향" differs from the name itself.
_CITY_NAMES: Final = {
    "한남": "서울",
    "구서": "부산",
    "금천": "서울",
    "죽림": "목포",
    "서창": "인천",
    "삼락": "부산",
    "강일": "서울",
    "해운대": "부산",
    "남포항": "포항",
    "덕천": "부산",
    "서순천": "순천",
    "양양": "양양",
}
# Tollgate names that would otherwise repeat: (waypoint name, route_no) -> KEC-style name.
_UNIT_NAMES: Final = {("광주IC", "0350"): "경기광주"}

_NO_DATA_SHARE: Final = 0.01
_SECOND_DETECTOR_KM: Final = 15.0
# Tollgate volume per 15 minutes at peak demand, before the per-tollgate size factor.
_TOLLGATE_BASE: Final = 60.0
_TOLLGATE_SEOUL: Final = 900.0
_TOLLGATE_MAINLINE: Final = 3.0  # a mainline barrier (서울TG, 부산TG …) carries the whole road
_CAR_SHARES: Final = (0.76, 0.06, 0.04, 0.06, 0.03, 0.05)  # 1종 … 6종(경차)
_TRUCK_CLASSES: Final = (2, 3, 4)  # indices of 3종, 4종, 5종: more of them at night


# --- deterministic randomness ---------------------------------------------------------------


def _digest(*parts: object) -> bytes:
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.blake2b(text.encode(), digest_size=32).digest()


def _rng(*parts: object) -> random.Random:
    """A private random stream for one item; never shared, never global."""
    return random.Random(int.from_bytes(_digest(*parts), "big"))  # noqa: S311 - simulation


_UNPACK8: Final = struct.Struct(">8I").unpack
_U32: Final = float(2**32)


def _uniforms(*parts: object) -> tuple[float, ...]:
    """Eight uniforms in [0, 1) for one item (cheaper than a Random for hot loops)."""
    return tuple(v / _U32 for v in _UNPACK8(_digest(*parts)))


# --- time -----------------------------------------------------------------------------------


def _epoch(t: datetime) -> float:
    return to_kst(t).timestamp()


def _kst_at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, KST)


def _demand_at(epoch: float) -> float:
    """Share of peak traffic at an instant: the hourly table, interpolated (0.08 .. 1.0)."""
    whole = math.floor(epoch)
    moment = _kst_at(whole)
    base = moment.replace(minute=0, second=0)
    following = base + timedelta(hours=1)
    frac = (epoch - base.timestamp()) / 3600.0

    def table(at: datetime) -> float:
        hours = _WEEKEND_DEMAND if at.weekday() >= 5 else _WEEKDAY_DEMAND
        return hours[at.hour]

    return table(base) + (table(following) - table(base)) * frac


def _commute_bias(epoch: float) -> float:
    """+1 at the morning peak (toward Seoul), -1 at the evening peak (away), 0 otherwise."""
    moment = _kst_at(math.floor(epoch))
    if moment.weekday() >= 5:
        return 0.0
    hour = moment.hour + moment.minute / 60.0
    return math.exp(-(((hour - 8.0) / 1.5) ** 2)) - math.exp(-(((hour - 18.5) / 1.8) ** 2))


# --- static network views -------------------------------------------------------------------


def _strip_kind(waypoint: Waypoint) -> str:
    return waypoint.name.removesuffix(waypoint.kind).strip()


def _city(waypoint: Waypoint) -> str:
    name = _strip_kind(waypoint)
    return _CITY_NAMES.get(name, name)


def _seoul_factor(lat: float, lon: float) -> float:
    """1 in Seoul, falling off over ~60 km."""
    return math.exp(-haversine_km(lat, lon, *SEOUL) / 60.0)


@dataclass(frozen=True, slots=True)
class _SectionInfo:
    section: Section
    route: Route
    direction_text: str
    lanes: int
    start_km: float  # chainage from the route's origin
    end_km: float
    weight: float  # relative chance of hosting an incident
    free_speed: float
    busy: float  # demand at the peak hour relative to capacity
    inbound: float  # +1 toward Seoul, -1 away


@dataclass(frozen=True, slots=True)
class _Detector:
    vds_id: str
    info: _SectionInfo


@dataclass(frozen=True, slots=True)
class _TollgateInfo:
    tollgate: Tollgate
    size: float  # 15-minute volume per direction at peak demand


@dataclass(frozen=True, slots=True)
class _Incident:
    key: str
    start: int
    end: int
    occurred_at: datetime
    kind: IncidentType
    info: _SectionInfo
    point_name: str
    lat: float
    lon: float
    lanes: tuple[int, ...]
    shoulder: bool
    queue_km: float
    detail: str

    def accident_at(self, epoch: float) -> Accident:
        section = self.info.section
        duration = self.end - self.start
        elapsed = epoch - self.start
        frac = min(1.0, max(0.0, elapsed / duration))
        if elapsed < min(600.0, 0.15 * duration):
            step = 0
        elif frac >= 0.85:
            step = 2
        else:
            step = 1
        process_code, process_name = PROCESS_STEPS[step]
        cleared = step == 2 and self.kind is not _WORK
        lanes = () if cleared else self.lanes
        shoulder = self.shoulder and not cleared
        late_length: float | None = None
        if self.kind is _JAM or self.kind is _ACCIDENT:
            late_length = round(max(0.1, self.queue_km * math.sin(math.pi * frac)), 1)
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
            lanes_blocked="".join("Y" if n in lanes else "N" for n in range(1, 7)),
            shoulder_blocked=shoulder,
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
        return " ".join(f"{head} {self.point_name} {what}".split())


class TrafficWorld:
    """Incidents, tollgate volumes and VDS readings as pure functions of (seed, time).

    ``network`` defaults to the packaged reference network. All methods accept any aware
    datetime (naive ones are taken as KST) and return records in KST.
    """

    def __init__(self, seed: int, network: Network | None = None) -> None:
        self.seed = seed
        self.network = network if network is not None else _load_network()
        self._sections = self._section_infos()
        self._sections_by_id = {i.section.conzone_id: i for i in self._sections}
        self._cum_weights = list(accumulate(i.weight for i in self._sections))
        self._detectors = self._detector_list()
        self._tollgates = self._tollgate_infos()
        self._slot_cache: dict[int, tuple[_Incident, ...]] = {}

    # --- public API -------------------------------------------------------------------------

    def tollgates(self) -> list[Tollgate]:
        """Every tollgate (영업소): the network's TG waypoints and one per IC, by unit code."""
        return [t.tollgate for t in self._tollgates]

    def incidents_at(self, t: datetime) -> list[Accident]:
        """Incidents active at ``t`` (started at or before it, not yet ended), oldest first."""
        epoch = _epoch(t)
        return [i.accident_at(epoch) for i in self._active(epoch)]

    def incident_sections_at(self, t: datetime) -> dict[str, str]:
        """Where each incident of :meth:`incidents_at` is: ``incident_key`` -> conzone id."""
        return {i.key: i.info.section.conzone_id for i in self._active(_epoch(t))}

    def tollgate_traffic_at(self, t: datetime) -> list[TollgateTraffic]:
        """Volumes of the latest 15-minute slot published at ``t`` (ended >= 15 min before)."""
        slot = (math.floor(_epoch(t)) - _TOLLGATE_DELAY_S) // _TOLLGATE_SLOT_S - 1
        slot_start = slot * _TOLLGATE_SLOT_S
        slot_at = _kst_at(slot_start)
        demand = _demand_at(slot_start + _TOLLGATE_SLOT_S / 2)
        truck_boost = 1.0 + 0.8 * (1.0 - demand)
        shares = [
            s * (truck_boost if i in _TRUCK_CLASSES else 1.0) for i, s in enumerate(_CAR_SHARES)
        ]
        total_share = sum(shares)
        car_shares = [s / total_share for s in shares]
        rows: list[TollgateTraffic] = []
        for info in self._tollgates:
            gate = info.tollgate
            rng = _rng(self.seed, "tollgate", gate.unit_code, slot)
            hipass = 0.80 + 0.10 * rng.random()
            for inout, inout_name in (("0", "입구"), ("1", "출구")):
                volume = info.size * demand * (0.85 + 0.3 * rng.random())
                for tcs, tcs_name, tcs_share in (
                    ("1", "TCS", 1.0 - hipass),
                    ("2", "hi-pass", hipass),
                ):
                    for car, car_share in enumerate(car_shares, start=1):
                        amount = volume * tcs_share * car_share * (0.85 + 0.3 * rng.random())
                        rows.append(
                            TollgateTraffic(
                                unit_code=gate.unit_code,
                                unit_name=gate.unit_name,
                                ex_div_code="00",
                                ex_div_name="도공",
                                inout_type=inout,
                                inout_name=inout_name,
                                tm_type="2",
                                tm_name="15분",
                                tcs_type=tcs,
                                tcs_name=tcs_name,
                                car_type=str(car),
                                traffic_amount=round(amount),
                                slot_at=slot_at,
                            )
                        )
        return rows

    def road_status_at(self, t: datetime) -> list[RoadStatus]:
        """One reading per detector at ``t`` rounded down to the minute, every section covered.

        Sections with an incident active at ``t`` (or at the minute) are congested (grade 3) on
        every detector; about 1 % of the other readings are "no data" (grade 0, speed -1).
        """
        epoch = _epoch(t)
        minute = math.floor(epoch) // 60 * 60
        std_at = _kst_at(minute)
        demand = _demand_at(minute)
        bias = _commute_bias(minute)
        # Incidents active at the minute or at t itself: every section of incidents_at(t) is
        # congested here, even when t is not on a minute boundary.
        blocked = {
            i.info.section.conzone_id
            for moment in (float(minute), epoch)
            for i in self._active(moment)
        }
        rows: list[RoadStatus] = []
        for det in self._detectors:
            info = det.info
            section = info.section
            u = _uniforms(self.seed, "vds", det.vds_id, minute)
            speed: int
            flow_h: float  # vehicles per lane per hour
            if section.conzone_id in blocked:
                speed = 8 + int(u[0] * 27)
                flow_h = 600.0 + 600.0 * u[1]
            elif u[2] < _NO_DATA_SHARE:
                rows.append(
                    RoadStatus(
                        vds_id=det.vds_id,
                        conzone_id=section.conzone_id,
                        conzone_name=section.conzone_name,
                        route_no=section.route_no,
                        route_name=section.route_name,
                        direction=section.direction,
                        speed=-1,
                        traffic_amount=None,
                        share_ratio=None,
                        time_avg=None,
                        grade=0,
                        std_at=std_at,
                    )
                )
                continue
            else:
                load = info.busy * demand * (1.0 + 0.15 * bias * info.inbound)
                load *= 0.92 + 0.16 * u[0]
                raw = info.free_speed / (1.0 + 0.5 * load**6) * (0.96 + 0.08 * u[1])
                speed = max(5, min(130, round(raw)))
                flow_h = 2000.0 * min(load, 1.0)
                if load > 1.0:
                    flow_h *= max(0.5, speed / info.free_speed) ** 0.5
            grade: Grade = 1 if speed >= 80 else (2 if speed >= 40 else 3)
            rows.append(
                RoadStatus(
                    vds_id=det.vds_id,
                    conzone_id=section.conzone_id,
                    conzone_name=section.conzone_name,
                    route_no=section.route_no,
                    route_name=section.route_name,
                    direction=section.direction,
                    speed=speed,
                    traffic_amount=round(flow_h / 60.0 * (0.85 + 0.3 * u[3])),
                    share_ratio=min(100, round(flow_h / speed * 0.65)),
                    time_avg=round(section.length_km * 3600.0 / speed),
                    grade=grade,
                    std_at=std_at,
                )
            )
        return rows

    # --- incidents --------------------------------------------------------------------------

    def _active(self, epoch: float) -> list[_Incident]:
        now_slot = math.floor(epoch) // _INCIDENT_SLOT_S
        active = [
            incident
            for slot in range(now_slot - _LOOKBACK_SLOTS, now_slot + 1)
            for incident in self._slot_incidents(slot)
            if incident.start <= epoch < incident.end
        ]
        active.sort(key=lambda i: (i.start, i.key))
        return active

    def _slot_incidents(self, slot: int) -> tuple[_Incident, ...]:
        cached = self._slot_cache.get(slot)
        if cached is not None:
            return cached
        incidents = self._generate_slot(slot)
        if len(self._slot_cache) >= _SLOT_CACHE_MAX:
            self._slot_cache.pop(next(iter(self._slot_cache)))
        self._slot_cache[slot] = incidents
        return incidents

    def _generate_slot(self, slot: int) -> tuple[_Incident, ...]:
        """The incidents that start in one 5-minute slot (1–4 nationwide, busier at peaks)."""
        slot_start = slot * _INCIDENT_SLOT_S
        rng = _rng(self.seed, "incidents", slot)
        demand = _demand_at(slot_start + _INCIDENT_SLOT_S / 2)
        rate = 0.7 + 3.0 * demand
        count = math.floor(rate + rng.random())
        hour = _kst_at(slot_start).hour
        night = hour >= 22 or hour < 6
        # Weights of 사고, 고장, 작업, 정체, 장애물: road work mostly at night, jams with traffic.
        weights = (
            0.18 + 0.08 * demand,
            0.28,
            0.25 if night else 0.06,
            0.02 + 0.28 * demand**2,
            0.12,
        )
        incidents: list[_Incident] = []
        seen: set[str] = set()
        for index in range(count):
            item = _rng(self.seed, "incident", slot, index)
            kind = item.choices(INCIDENT_TYPES, weights=weights)[0]
            info = self._sections[
                bisect.bisect_right(self._cum_weights, item.random() * self._cum_weights[-1])
            ]
            incident = self._make_incident(item, slot_start, kind, info)
            if incident.key not in seen:  # vanishingly rare, but keys must stay unique
                seen.add(incident.key)
                incidents.append(incident)
        return tuple(incidents)

    def _make_incident(
        self, item: random.Random, slot_start: int, kind: IncidentType, info: _SectionInfo
    ) -> _Incident:
        section = info.section
        start = slot_start + item.randrange(_INCIDENT_SLOT_S)
        end = start + 60 * item.randint(kind.min_minutes, kind.max_minutes)
        occurred_at = _kst_at(start)
        frac = 0.05 + 0.9 * item.random()
        lat = round(section.start.lat + (section.end.lat - section.start.lat) * frac, 6)
        lon = round(section.start.lon + (section.end.lon - section.start.lon) * frac, 6)
        if item.random() < 0.5:
            point_name = section.conzone_name
        else:
            near = section.start if frac < 0.5 else section.end
            km = info.start_km + (info.end_km - info.start_km) * frac
            point_name = f"{near.name} 부근({km:.1f}K)"
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
        return _Incident(
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

    # --- static views -----------------------------------------------------------------------

    def _section_infos(self) -> tuple[_SectionInfo, ...]:
        infos: list[_SectionInfo] = []
        for route in self.network.routes:
            chainage = [0.0]
            for a, b in zip(route.waypoints, route.waypoints[1:], strict=False):
                chainage.append(chainage[-1] + a.distance_km(b))
            towards = {"E": _city(route.waypoints[-1]), "S": _city(route.waypoints[0])}
            lanes = _ROUTE_LANES.get(route.route_no, _DEFAULT_LANES)
            for section in self.network.sections:
                if section.route_no != route.route_no:
                    continue
                serial = int(section.conzone_id[-3:])
                lo, hi = chainage[serial - 1], chainage[serial]
                start_km, end_km = (lo, hi) if section.direction == "E" else (hi, lo)
                mid_lat = (section.start.lat + section.end.lat) / 2
                mid_lon = (section.start.lon + section.end.lon) / 2
                seoul = _seoul_factor(mid_lat, mid_lon)
                u = _uniforms("section", section.conzone_id)  # static: the same in every seed
                busy = 0.45 + 0.7 * seoul + 0.25 * (u[0] - 0.5)
                if u[1] < 0.12 and seoul > 0.3:
                    busy += 0.3  # a known bottleneck
                to_seoul = haversine_km(section.end.lat, section.end.lon, *SEOUL)
                from_seoul = haversine_km(section.start.lat, section.start.lon, *SEOUL)
                infos.append(
                    _SectionInfo(
                        section=section,
                        route=route,
                        direction_text=f"{towards[section.direction]}방향",
                        lanes=lanes,
                        start_km=start_km,
                        end_km=end_km,
                        weight=max(section.length_km, 1.0) * (0.5 + 2.0 * seoul),
                        free_speed=95.0 + 15.0 * u[2] * (1.0 - seoul),
                        busy=busy,
                        inbound=1.0 if to_seoul < from_seoul else -1.0,
                    )
                )
        return tuple(infos)

    def _detector_list(self) -> tuple[_Detector, ...]:
        detectors: list[_Detector] = []
        for info in self._sections:
            vds_id = info.section.vds_id
            detectors.append(_Detector(vds_id=vds_id, info=info))
            if info.section.length_km > _SECOND_DETECTOR_KM:
                serial = int(vds_id[-2:]) + 1
                detectors.append(_Detector(vds_id=f"{vds_id[:-2]}{serial:02d}", info=info))
        return tuple(detectors)

    def _tollgate_infos(self) -> tuple[_TollgateInfo, ...]:
        """Tollgates: the network's (TG or coded) first, then one 영업소 per IC, deduplicated.

        Codes the data lacks are derived from a hash of the name, probing upward past codes
        already taken, so they do not depend on the seed.
        """
        candidates: list[tuple[Waypoint, Route]] = []
        seen: set[tuple[str, float, float]] = set()
        listed = self.network.tollgates()
        for want_listed in (True, False):
            for route in self.network.routes:
                for w in route.waypoints:
                    key = (w.name, w.lat, w.lon)
                    if key in seen or (w in listed) != want_listed:
                        continue
                    if not want_listed and w.kind != "IC":
                        continue
                    seen.add(key)
                    candidates.append((w, route))
        used = {w.unit_code for w, _ in candidates if w.unit_code is not None}
        names: set[str] = set()
        infos: list[_TollgateInfo] = []
        for w, route in candidates:
            code = w.unit_code
            if code is None:
                number = 100 + int.from_bytes(_digest("unit", w.name)[:4], "big") % 800
                while f"{number:03d}" in used:
                    number = 100 + (number - 99) % 900
                code = f"{number:03d}"
                used.add(code)
            name = _UNIT_NAMES.get((w.name, route.route_no), _strip_kind(w))
            if name in names:
                name = f"{name}({route.route_name.removesuffix('선')})"
            names.add(name)
            u = _uniforms("tollgate", code)
            size = (_TOLLGATE_BASE + _TOLLGATE_SEOUL * _seoul_factor(w.lat, w.lon)) * (
                0.6 + 0.8 * u[0]
            )
            if w.kind == "TG":
                size *= _TOLLGATE_MAINLINE
            tollgate = Tollgate(
                unit_code=code,
                unit_name=name,
                route_no=route.route_no,
                route_name=route.route_name,
                lat=w.lat,
                lon=w.lon,
            )
            infos.append(_TollgateInfo(tollgate=tollgate, size=size))
        infos.sort(key=lambda i: i.tollgate.unit_code)
        return tuple(infos)

    def section_of(self, conzone_id: str) -> Section:
        """The network section behind a conzone id (KeyError if unknown)."""
        return self._sections_by_id[conzone_id].section
