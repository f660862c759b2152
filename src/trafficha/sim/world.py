"""A deterministic traffic world over the reference network.

Everything here is a pure function of ``(seed, time)``: the same seed and the same instant give
the same records, bit for bit, in any process (the draws come from :mod:`.seeded`).

The records look exactly like the ones :mod:`trafficha.providers.kec` parses from the real feeds:
4-digit route numbers, aware KST datetimes with whole seconds, stripped strings, and the
:func:`~trafficha.models.domain.incident_key` the parser computes.

The world is assembled from the modules of this package: the static layout of sections,
detectors and tollgates (:mod:`.layout`), the demand over the day (:mod:`.demand`), the day's
incidents (:mod:`.incidents`) and the feed's standing notices and long works (:mod:`.notices`);
this module turns them into the feeds.

Calibrated on the recorded KEC answers (``shared/kec-real``; figures in ``docs/simulator.md``):
the incident feed mixes the day's incidents with notices years old and works weeks old, most
rows without coordinates; the tollgate list has 590 units, a third without coordinates; a
tollgate answer holds the last four published 15-minute slots, of KEC's and private operators'
tollgates, hi-pass about 95 % of the volume, with the rare blank volume and no row for a
combination nobody drove; about 1 % of VDS readings are "no data" (grade 0, speed -1).
Readings are graded from their speeds as KEC's are (:mod:`trafficha.models.flow`). An accident
or a jam congests its section (정체) and its queue slows the section before it (서행); a
breakdown, an obstacle or a road work takes lanes, so traffic passes slowly (서행) and jams only
when the lanes left cannot carry the demand. So 서행 shows all day, not only at the peaks.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Final

from trafficha.models.domain import Accident, RoadStatus, Tollgate, TollgateTraffic
from trafficha.models.flow import grade_of_speed
from trafficha.reference.network import Network, Section
from trafficha.reference.network import load_network as _load_network
from trafficha.sim.demand import commute_bias, demand_at, epoch_of, kst_at
from trafficha.sim.incidents import INCIDENT_SLOT, MAX_INCIDENT_AGE, Incident, slot_incidents
from trafficha.sim.layout import (
    SectionInfo,
    detectors_of,
    section_infos,
    tollgate_infos,
    unit_list,
)
from trafficha.sim.notices import (
    DAY_S,
    MAX_STANDING_DAYS,
    Standing,
    day_of,
    day_standing,
    day_start,
)
from trafficha.sim.seeded import rng, uniforms

__all__ = ["TOLLGATE_DELAY", "TOLLGATE_SLOT", "TOLLGATE_SLOTS_PER_ANSWER", "TrafficWorld"]

TOLLGATE_SLOT: Final = timedelta(minutes=15)
# KEC publishes a tollgate slot with a delay: the slot served at t ended at least this long ago.
TOLLGATE_DELAY: Final = timedelta(minutes=15)
# A tollgate answer holds the last hour: its four latest published 15-minute slots.
TOLLGATE_SLOTS_PER_ANSWER: Final = 4

_INCIDENT_SLOT_S: Final = int(INCIDENT_SLOT.total_seconds())
_TOLLGATE_SLOT_S: Final = int(TOLLGATE_SLOT.total_seconds())
_TOLLGATE_DELAY_S: Final = int(TOLLGATE_DELAY.total_seconds())
# An incident lasts at most MAX_INCIDENT_AGE, so older slots cannot hold an active one.
_LOOKBACK_SLOTS: Final = int(MAX_INCIDENT_AGE.total_seconds()) // _INCIDENT_SLOT_S
_SLOT_CACHE_MAX: Final = 2048
_DAY_CACHE_MAX: Final = 4096
_ACTIVE_DAYS_MAX: Final = 8
_TOLLGATE_CACHE_MAX: Final = 16

_NO_DATA_SHARE: Final = 0.01
# Speeds in the queue an accident or a jam holds back into the section before it: 서행.
_QUEUE_SPEED: Final = (45, 30)  # lowest km/h, spread above it
# Passing a closed lane or a stopped car nobody drives at full speed, however light the traffic.
_RESTRICTED_MAX_KMH: Final = 72
# What is left of a section's capacity with only its shoulder taken (people slow down to look).
_SHOULDER_CAPACITY: Final = 0.85
# Even with every lane taken, traffic is let by on the shoulder.
_MIN_CAPACITY: Final = 0.2
# Vehicle classes 1종 … 6종(경차): the recorded national totals are nearly all 1종, then 경차.
_CAR_SHARES: Final = (0.88, 0.015, 0.02, 0.02, 0.01, 0.055)
_TRUCK_CLASSES: Final = (2, 3, 4)  # indices of 3종, 4종, 5종: more of them at night
# Hi-pass carries about 95 % of the recorded volume (46,753 of 48,378 of 1종 in one slot).
_HIPASS_SHARE: Final = (0.93, 0.04)  # lowest share, spread above it
# A unit whose count is not in yet: KEC sends its rows with a blank trafficAmout.
_BLANK_SLOT_SHARE: Final = 0.02


class TrafficWorld:
    """Incidents, tollgate volumes and VDS readings as pure functions of (seed, time).

    ``network`` defaults to the packaged reference network. All methods accept any aware
    datetime (naive ones are taken as KST) and return records in KST.
    """

    def __init__(self, seed: int, network: Network | None = None) -> None:
        self.seed = seed
        self.network = network if network is not None else _load_network()
        self._sections = section_infos(self.network)
        self._sections_by_id = {i.section.conzone_id: i for i in self._sections}
        self._upstream = _upstream_of(self._sections)
        self._cum_weights = list(accumulate(i.weight for i in self._sections))
        self._detectors = detectors_of(self._sections)
        self._tollgates = tollgate_infos(self.network)
        self._units = unit_list(self.network, self._tollgates)
        self._slot_cache: dict[int, tuple[Incident, ...]] = {}
        self._day_cache: dict[int, tuple[Standing, ...]] = {}
        self._active_days: OrderedDict[int, tuple[Standing, ...]] = OrderedDict()
        self._tollgate_cache: OrderedDict[int, tuple[TollgateTraffic, ...]] = OrderedDict()

    # --- public API -------------------------------------------------------------------------

    def tollgates(self) -> list[Tollgate]:
        """Every unit of KEC's tollgate list (locationinfoUnit), by unit code: the network's
        tollgates (those with traffic) and the rest of the list's units, a third of them without
        coordinates."""
        return list(self._units)

    def incidents_at(self, t: datetime) -> list[Accident]:
        """The incident feed at ``t``, oldest first: incidents active at ``t`` (started at or
        before it, not yet cleared), the notices and the long works listed then."""
        epoch = epoch_of(t)
        rows = [i.accident_at(epoch) for i in self._active(epoch)]
        rows += [s.accident for s in self._standing(epoch)]
        rows.sort(key=lambda a: (a.occurred_at, a.incident_key))
        return rows

    def incident_sections_at(self, t: datetime) -> dict[str, str]:
        """Where each incident of :meth:`incidents_at` that congests a section is:
        ``incident_key`` -> conzone id (notices and long works congest nothing)."""
        return {i.key: i.info.section.conzone_id for i in self._active(epoch_of(t))}

    def tollgate_traffic_at(self, t: datetime) -> list[TollgateTraffic]:
        """Volumes of the latest 15-minute slot published at ``t`` (ended >= 15 min before)."""
        slot = (math.floor(epoch_of(t)) - _TOLLGATE_DELAY_S) // _TOLLGATE_SLOT_S - 1
        return list(self._tollgate_slot(slot))

    def tollgate_hour_at(self, t: datetime) -> list[TollgateTraffic]:
        """What KEC's tollgate feed answers at ``t``: the last hour, as the
        :data:`TOLLGATE_SLOTS_PER_ANSWER` latest published 15-minute slots, oldest first."""
        last = (math.floor(epoch_of(t)) - _TOLLGATE_DELAY_S) // _TOLLGATE_SLOT_S - 1
        first = last - TOLLGATE_SLOTS_PER_ANSWER + 1
        return [r for slot in range(first, last + 1) for r in self._tollgate_slot(slot)]

    def _tollgate_slot(self, slot: int) -> tuple[TollgateTraffic, ...]:
        cached = self._tollgate_cache.get(slot)
        if cached is not None:
            self._tollgate_cache.move_to_end(slot)
            return cached
        rows = self._make_tollgate_slot(slot)
        self._tollgate_cache[slot] = rows
        if len(self._tollgate_cache) > _TOLLGATE_CACHE_MAX:
            self._tollgate_cache.popitem(last=False)
        return rows

    def _make_tollgate_slot(self, slot: int) -> tuple[TollgateTraffic, ...]:
        slot_start = slot * _TOLLGATE_SLOT_S
        slot_at = kst_at(slot_start)
        demand = demand_at(slot_start + _TOLLGATE_SLOT_S / 2)
        truck_boost = 1.0 + 0.8 * (1.0 - demand)
        shares = [
            s * (truck_boost if i in _TRUCK_CLASSES else 1.0) for i, s in enumerate(_CAR_SHARES)
        ]
        total_share = sum(shares)
        car_shares = [s / total_share for s in shares]
        rows: list[TollgateTraffic] = []
        for info in self._tollgates:
            gate = info.tollgate
            gate_rng = rng(self.seed, "tollgate", gate.unit_code, slot)
            hipass = _HIPASS_SHARE[0] + _HIPASS_SHARE[1] * gate_rng.random()
            blank = gate_rng.random() < _BLANK_SLOT_SHARE
            for inout, inout_name in (("0", "입구"), ("1", "출구")):
                volume = info.size * demand * (0.85 + 0.3 * gate_rng.random())
                for tcs, tcs_name, tcs_share in (
                    ("1", "TCS", 1.0 - hipass),
                    ("2", "hi-pass", hipass),
                ):
                    for car, car_share in enumerate(car_shares, start=1):
                        amount = volume * tcs_share * car_share * (0.85 + 0.3 * gate_rng.random())
                        count = round(amount)
                        if count == 0:
                            continue  # nobody drove it: KEC sends no row
                        rows.append(
                            TollgateTraffic(
                                unit_code=gate.unit_code,
                                unit_name=gate.unit_name,
                                ex_div_code=info.ex_div_code,
                                ex_div_name=info.ex_div_name,
                                inout_type=inout,
                                inout_name=inout_name,
                                tm_type="2",
                                tm_name="15분",
                                tcs_type=tcs,
                                tcs_name=tcs_name,
                                car_type=str(car),
                                traffic_amount=None if blank else count,
                                slot_at=slot_at,
                            )
                        )
        return tuple(rows)

    def road_status_at(self, t: datetime) -> list[RoadStatus]:
        """One reading per detector at ``t`` rounded down to the minute, every section covered.

        With an incident active at ``t`` (or at the minute), an accident's or a jam's section is
        congested (grade 3) on every detector and the section before it slow (grade 2); another
        incident's section is slow, or congested when the lanes left cannot carry the demand.
        About 1 % of the other readings are "no data" (grade 0, speed -1).
        """
        epoch = epoch_of(t)
        minute = math.floor(epoch) // 60 * 60
        std_at = kst_at(minute)
        demand = demand_at(minute)
        bias = commute_bias(minute)
        # Incidents active at the minute or at t itself: every incident of incidents_at(t)
        # slows its section here, even when t is not on a minute boundary.
        active = [i for moment in (float(minute), epoch) for i in self._active(moment)]
        # Accidents and jams hold a queue (KEC's lateLength): their sections are jammed, and
        # the queue reaches back into the section before each.
        blocked = {i.info.section.conzone_id for i in active if i.queue_km > 0}
        capacity: dict[str, float] = {}
        for i in active:
            if i.queue_km <= 0:
                lanes = i.info.lanes
                left = (lanes - len(i.lanes)) / lanes if i.lanes else _SHOULDER_CAPACITY
                zone = i.info.section.conzone_id
                capacity[zone] = min(capacity.get(zone, 1.0), max(left, _MIN_CAPACITY))
        queued = {
            self._upstream[i.info.section.conzone_id]
            for i in active
            if i.queue_km > 0 and i.info.section.conzone_id in self._upstream
        } - blocked.union(capacity)
        rows: list[RoadStatus] = []
        for det in self._detectors:
            info = det.info
            section = info.section
            u = uniforms(self.seed, "vds", det.vds_id, minute)
            speed: int
            flow_h: float  # vehicles per lane per hour
            if section.conzone_id in blocked:
                speed = 8 + int(u[0] * 27)
                flow_h = 600.0 + 600.0 * u[1]
            elif section.conzone_id in capacity:
                speed, flow_h = _flow(info, demand, bias, u, capacity[section.conzone_id])
                speed = min(speed, _RESTRICTED_MAX_KMH)
            elif section.conzone_id in queued:
                speed = _QUEUE_SPEED[0] + int(u[0] * _QUEUE_SPEED[1])
                flow_h = 1200.0 + 500.0 * u[1]
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
                speed, flow_h = _flow(info, demand, bias, u)
            grade = grade_of_speed(speed)
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

    def _active(self, epoch: float) -> list[Incident]:
        now_slot = math.floor(epoch) // _INCIDENT_SLOT_S
        active = [
            incident
            for slot in range(now_slot - _LOOKBACK_SLOTS, now_slot + 1)
            for incident in self._slot_incidents(slot)
            if incident.start <= epoch < incident.end
        ]
        active.sort(key=lambda i: (i.start, i.key))
        return active

    def _standing(self, epoch: float) -> list[Standing]:
        """Notices and long works listed at ``epoch``, in no particular order."""
        day = day_of(epoch)
        candidates = self._active_days.get(day)
        if candidates is None:
            begins = day_start(day)
            candidates = tuple(
                s
                for d in range(day - MAX_STANDING_DAYS, day + 1)
                for s in self._standing_day(d)
                if s.start < begins + DAY_S and s.end > begins
            )
            self._active_days[day] = candidates
            if len(self._active_days) > _ACTIVE_DAYS_MAX:
                self._active_days.popitem(last=False)
        return [s for s in candidates if s.start <= epoch < s.end]

    def _standing_day(self, day: int) -> tuple[Standing, ...]:
        cached = self._day_cache.get(day)
        if cached is None:
            cached = day_standing(self.seed, day, self._sections)
            if len(self._day_cache) >= _DAY_CACHE_MAX:
                self._day_cache.pop(next(iter(self._day_cache)))
            self._day_cache[day] = cached
        return cached

    def _slot_incidents(self, slot: int) -> tuple[Incident, ...]:
        cached = self._slot_cache.get(slot)
        if cached is not None:
            return cached
        incidents = slot_incidents(self.seed, slot, self._sections, self._cum_weights)
        if len(self._slot_cache) >= _SLOT_CACHE_MAX:
            self._slot_cache.pop(next(iter(self._slot_cache)))
        self._slot_cache[slot] = incidents
        return incidents

    def upstream_of(self, conzone_id: str) -> str | None:
        """The conzone before this one in its direction of travel (None at the route's start)."""
        return self._upstream.get(conzone_id)

    def section_of(self, conzone_id: str) -> Section:
        """The network section behind a conzone id (KeyError if unknown)."""
        return self._sections_by_id[conzone_id].section


def _flow(
    info: SectionInfo, demand: float, bias: float, u: Sequence[float], capacity: float = 1.0
) -> tuple[int, float]:
    """A detector's speed (km/h) and flow (vehicles per lane per hour) at a demand, on a
    section with ``capacity`` of its lanes open: speed falls steeply once the load passes 1."""
    load = info.busy * demand * (1.0 + 0.15 * bias * info.inbound) / capacity
    load *= 0.92 + 0.16 * u[0]
    raw = info.free_speed / (1.0 + 0.5 * load**6) * (0.96 + 0.08 * u[1])
    speed = max(5, min(130, round(raw)))
    flow_h = 2000.0 * min(load, 1.0) * capacity
    if load > 1.0:
        flow_h *= max(0.5, speed / info.free_speed) ** 0.5
    return speed, flow_h


def _upstream_of(sections: tuple[SectionInfo, ...]) -> dict[str, str]:
    """Conzone id -> the conzone that ends where it starts, on its route and direction."""
    ending = {
        (i.section.route_no, i.section.direction, i.section.end): i.section.conzone_id
        for i in sections
    }
    found: dict[str, str] = {}
    for i in sections:
        before = ending.get((i.section.route_no, i.section.direction, i.section.start))
        if before is not None:
            found[i.section.conzone_id] = before
    return found
