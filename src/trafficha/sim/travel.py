"""Tollgate-to-tollgate travel times in the simulated world, as KEC's ``trtm/realUnitTrtm``
measures them: per pair of tollgates, vehicle class and 5-minute slot, the average, shortest and
longest time of the vehicles that made the trip, and how many did.

The pairs lie along each route of the network: every tollgate to the next :data:`HOPS` tollgates
of the same route, in both directions. A trip's time is driven over the sections between its
tollgates at the speeds the world's detectors read at the slot's middle minute
(:meth:`~trafficha.sim.world.TrafficWorld.road_status_at`), plus the ramps and toll plazas at
both ends; a congested section (an incident) makes it longer. Trucks keep to their speed limit.
Everything is a pure function of (seed, time), like the rest of the world.

Calibrated on the recorded answer (``shared/kec-real/realUnitTrtm.json``, one pair over one
night and morning): a trip of about 11 km takes 8 to 9 minutes at night, the shortest vehicle
about 0.86 of the average and the longest about 1.2 (rarely twice), a few vehicles a slot at night
and a few hundred at the morning peak; the shortest and longest times are whole seconds, the
average is not. The hour's own row (``stdTime`` ``"HH  "``) is modelled as a plain aggregate of
the hour's slots: in the recording its average is not the mean of its slots and its count not
their sum, for reasons KEC does not document.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from trafficha.models.domain import Direction, Tollgate
from trafficha.sim.demand import demand_at, epoch_of, kst_at
from trafficha.sim.layout import SectionInfo, TollgateInfo, section_infos, tollgate_infos
from trafficha.sim.seeded import uniforms

if TYPE_CHECKING:
    from trafficha.sim.world import TrafficWorld

__all__ = [
    "CAR_CLASSES",
    "HOPS",
    "TRAVEL_DELAY",
    "TRAVEL_SLOT",
    "TRAVEL_SLOTS_PER_ANSWER",
    "CarClass",
    "TollgatePair",
    "TravelSample",
    "TravelTimes",
    "minutes_text",
    "pairs_of",
    "slot_of",
]

TRAVEL_SLOT: Final = timedelta(minutes=5)
# KEC publishes a slot some time after it ends (one client saw hours; nothing was recorded):
# the slot served at t ended at least this long ago.
TRAVEL_DELAY: Final = timedelta(minutes=10)
# An answer without a pair filter holds the latest published slots of every pair: two, so a
# collection missed now and then loses nothing.
TRAVEL_SLOTS_PER_ANSWER: Final = 2
HOPS: Final = 2

_SLOT_S: Final = int(TRAVEL_SLOT.total_seconds())
_DELAY_S: Final = int(TRAVEL_DELAY.total_seconds())
_HOUR_SLOTS: Final = 3600 // _SLOT_S
# Off the main road at both ends: ramps, the toll plaza, accelerating. With it an 11 km trip at
# night takes the recorded 8 to 9 minutes.
_RAMP_MINUTES: Final = 2.0
# Vehicles measured over a pair per slot at peak demand, per unit of the smaller tollgate's
# 15-minute volume (layout's size): a few hundred between two busy Seoul tollgates.
_SAMPLED_SHARE: Final = 0.3
_SPEED_CACHE_MAX: Final = 400  # a day of slots, and some


@dataclass(frozen=True, slots=True)
class CarClass:
    """A vehicle class as the feed names it (``tcsCarType*``), its share of the vehicles
    measured and its speed limit."""

    code: str
    name: str
    div_code: str
    div_name: str
    share: float
    speed_cap: float | None = None
    night_boost: float = 0.0  # more of them when demand is low (trucks at night)


CAR_CLASSES: Final = (
    # Recorded: 1 / 1종 / 1 / 소형차. The other classes' names are KEC's toll classes, their
    # division codes a guess (small 1, large 2): no answer with them was recorded.
    CarClass(code="1", name="1종", div_code="1", div_name="소형차", share=1.0),
    CarClass(
        code="4",
        name="4종",
        div_code="2",
        div_name="대형차",
        share=0.1,
        speed_cap=90.0,
        night_boost=1.0,
    ),
)


@dataclass(frozen=True, slots=True)
class TollgatePair:
    """Two tollgates of one route and the sections a trip between them drives, in order."""

    start: Tollgate
    end: Tollgate
    route_no: str
    direction: Direction
    sections: tuple[SectionInfo, ...]
    size: float  # the smaller tollgate's 15-minute volume at peak demand

    @property
    def length_km(self) -> float:
        return sum(info.section.length_km for info in self.sections)


@dataclass(frozen=True, slots=True)
class TravelSample:
    """One row of the feed: a pair, a vehicle class and a slot of 5 minutes (or the hour's
    aggregate, ``minutes`` 60), with times in minutes.

    ``time_min`` and ``time_max`` are single vehicles' whole seconds, as text with KEC's six
    decimals truncated (``"12.783333"``); ``time_avg`` is the mean, unrounded."""

    pair: TollgatePair
    car: CarClass
    slot_at: datetime
    minutes: int
    time_avg: float
    time_min: str
    time_max: str
    vehicles: int


def pairs_of(world: TrafficWorld) -> tuple[TollgatePair, ...]:
    """Every pair of tollgates at most :data:`HOPS` apart along a route, both ways, by start and
    end code (a pair two routes share is kept once, on the first route)."""
    infos = tollgate_infos(world.network)
    gates = {(i.tollgate.lat, i.tollgate.lon): i for i in infos}
    sections = {
        (i.section.route_no, i.section.direction, i.section.stretch): i
        for i in section_infos(world.network)
    }
    found: dict[tuple[str, str], TollgatePair] = {}
    for route in world.network.routes:
        # (waypoint index, tollgate) along the route: a tollgate listed under another route
        # (a shared IC) is on this one too.
        along = [
            (n, gates[(w.lat, w.lon)])
            for n, w in enumerate(route.waypoints)
            if (w.lat, w.lon) in gates
        ]
        for k, (i, a) in enumerate(along):
            for j, b in along[k + 1 : k + 1 + HOPS]:
                ways: tuple[tuple[Direction, TollgateInfo, TollgateInfo], ...] = (
                    ("E", a, b),
                    ("S", b, a),
                )
                for direction, start, end in ways:
                    key = (start.tollgate.unit_code, end.tollgate.unit_code)
                    if key in found:
                        continue
                    # Stretch s joins waypoints s-1 and s; E runs them in order, S backwards.
                    stretches = range(i + 1, j + 1)
                    if direction == "S":
                        stretches = range(j, i, -1)
                    found[key] = TollgatePair(
                        start=start.tollgate,
                        end=end.tollgate,
                        route_no=route.route_no,
                        direction=direction,
                        sections=tuple(sections[(route.route_no, direction, s)] for s in stretches),
                        size=min(a.size, b.size),
                    )
    return tuple(found[key] for key in sorted(found))


def minutes_text(minutes: float) -> str:
    """KEC's text for a time in minutes: six decimals, truncated (631 s -> ``"10.516666"``)."""
    micro = math.floor(round(minutes * 1e6, 3))
    return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"


def slot_of(at: datetime) -> int:
    """The number of the slot starting at ``at`` (epoch seconds / 300)."""
    return math.floor(epoch_of(at)) // _SLOT_S


class TravelTimes:
    """The travel times of one world: its pairs, and each slot's samples on demand.

    A slot's detector speeds are read once and kept (the latest :data:`_SPEED_CACHE_MAX`), so a
    day's answer for one pair costs a day of snapshots once, and little after.
    """

    def __init__(self, world: TrafficWorld) -> None:
        self.world = world
        self.pairs = pairs_of(world)
        self._speeds: OrderedDict[int, dict[str, float]] = OrderedDict()

    @staticmethod
    def latest_slot(t: datetime) -> int:
        """The latest slot published at ``t``, as slot number (epoch seconds / 300)."""
        return (math.floor(epoch_of(t)) - _DELAY_S) // _SLOT_S - 1

    @staticmethod
    def slot_time(slot: int) -> datetime:
        """A slot's start, in KST: the time KEC labels its row with."""
        return kst_at(slot * _SLOT_S)

    def _section_speeds(self, slot: int) -> dict[str, float]:
        """Mean speed per conzone over its detectors' valid readings at the slot's middle
        minute (a section without one is missing)."""
        cached = self._speeds.get(slot)
        if cached is not None:
            self._speeds.move_to_end(slot)
            return cached
        middle = kst_at(slot * _SLOT_S + _SLOT_S // 2)
        sums: dict[str, list[float]] = {}
        for reading in self.world.road_status_at(middle):
            if reading.speed is not None and reading.speed > 0:
                sums.setdefault(reading.conzone_id, []).append(float(reading.speed))
        speeds = {cz: sum(v) / len(v) for cz, v in sums.items()}
        self._speeds[slot] = speeds
        if len(self._speeds) > _SPEED_CACHE_MAX:
            self._speeds.popitem(last=False)
        return speeds

    def driving_minutes(self, pair: TollgatePair, car: CarClass, slot: int) -> float:
        """The time to drive a pair's sections at the slot's speeds, ramps included: what the
        average vehicle takes, before its noise."""
        speeds = self._section_speeds(slot)
        minutes = _RAMP_MINUTES
        for info in pair.sections:
            speed = speeds.get(info.section.conzone_id, info.free_speed)
            if car.speed_cap is not None:
                speed = min(speed, car.speed_cap)
            minutes += info.section.length_km / speed * 60.0
        return minutes

    def slot_samples(
        self, slot: int, pairs: tuple[TollgatePair, ...] | None = None
    ) -> list[TravelSample]:
        """The 5-minute rows of one slot, by pair then class; no row where nobody drove."""
        demand = demand_at(slot * _SLOT_S + _SLOT_S // 2)  # at the slot's middle, as the speeds
        slot_at = self.slot_time(slot)
        out: list[TravelSample] = []
        for pair in self.pairs if pairs is None else pairs:
            for car in CAR_CLASSES:
                u = uniforms(
                    self.world.seed,
                    "trtm",
                    pair.start.unit_code,
                    pair.end.unit_code,
                    car.code,
                    slot,
                )
                share = car.share * (1.0 + car.night_boost * (1.0 - demand))
                vehicles = round(pair.size * _SAMPLED_SHARE * demand * share * (0.7 + 0.6 * u[0]))
                if vehicles < 1:
                    continue  # nobody made the trip: KEC sends no row
                average = self.driving_minutes(pair, car, slot) * (0.96 + 0.08 * u[1])
                if vehicles == 1:
                    seconds = round(average * 60)
                    low = high = seconds
                    mean = seconds / 60
                else:
                    low = math.floor(average * 60 * (0.72 + 0.23 * u[2]))
                    high = math.ceil(average * 60 * (1.04 + 0.3 * u[3] + 0.7 * u[4] ** 6))
                    # The mean of whole seconds over the vehicles: rarely a round figure.
                    mean = round(average * 60 * vehicles) / vehicles / 60
                out.append(
                    TravelSample(
                        pair=pair,
                        car=car,
                        slot_at=slot_at,
                        minutes=5,
                        time_avg=mean,
                        time_min=minutes_text(low / 60),
                        time_max=minutes_text(high / 60),
                        vehicles=vehicles,
                    )
                )
        return out

    def hour_sample(self, rows: list[TravelSample]) -> TravelSample:
        """The hour's own row (``stdTime`` ``"HH  "``) from its 5-minute rows of one pair and
        class: every vehicle, the shortest and longest time, the vehicle-weighted mean."""
        first = rows[0]
        vehicles = sum(r.vehicles for r in rows)
        mean = sum(r.time_avg * r.vehicles for r in rows) / vehicles
        return TravelSample(
            pair=first.pair,
            car=first.car,
            slot_at=first.slot_at.replace(minute=0),
            minutes=60,
            time_avg=mean,
            time_min=min((r.time_min for r in rows), key=float),
            time_max=max((r.time_max for r in rows), key=float),
            vehicles=vehicles,
        )

    def answer(
        self, first: int, last: int, pairs: tuple[TollgatePair, ...] | None = None
    ) -> list[TravelSample]:
        """The rows of slots ``first`` to ``last`` as KEC orders them: by pair, then class, then
        time, each hour's own row (over its slots up to ``last``) before its slots."""
        by_key: dict[tuple[str, str, str], list[TravelSample]] = {}
        for slot in range(first, last + 1):
            for sample in self.slot_samples(slot, pairs):
                key = (sample.pair.start.unit_code, sample.pair.end.unit_code, sample.car.code)
                by_key.setdefault(key, []).append(sample)
        # An hour's own row covers its slots up to `last`, also those before `first`.
        hour_first = first - (first % _HOUR_SLOTS)
        earlier: dict[tuple[str, str, str], list[TravelSample]] = {}
        for slot in range(hour_first, first):
            for sample in self.slot_samples(slot, pairs):
                key = (sample.pair.start.unit_code, sample.pair.end.unit_code, sample.car.code)
                earlier.setdefault(key, []).append(sample)
        out: list[TravelSample] = []
        for key in sorted(by_key.keys() | earlier.keys()):
            rows = by_key.get(key, [])
            hours: dict[datetime, list[TravelSample]] = {}
            for sample in [*earlier.get(key, []), *rows]:
                hours.setdefault(sample.slot_at.replace(minute=0), []).append(sample)
            for hour, in_hour in sorted(hours.items()):
                shown = [r for r in rows if r.slot_at.replace(minute=0) == hour]
                if shown:
                    out.append(self.hour_sample(in_hour))
                    out += shown
        return out
