"""A deterministic traffic world over the reference network.

Everything here is a pure function of ``(seed, time)``: the same seed and the same instant give
the same records, bit for bit, in any process (the draws come from :mod:`.seeded`).

The records look exactly like the ones :mod:`trafficha.providers.kec` parses from the real feeds:
4-digit route numbers, aware KST datetimes with whole seconds, stripped strings, and the
:func:`~trafficha.models.domain.incident_key` the parser computes.

The world is assembled from the modules of this package: the static layout of sections,
detectors and tollgates (:mod:`.layout`), the demand over the day (:mod:`.demand`) and the
incidents (:mod:`.incidents`); this module turns them into the four feeds.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Final

from trafficha.models.domain import Accident, Grade, RoadStatus, Tollgate, TollgateTraffic
from trafficha.reference.network import Network, Section
from trafficha.reference.network import load_network as _load_network
from trafficha.sim.demand import commute_bias, demand_at, epoch_of, kst_at
from trafficha.sim.incidents import INCIDENT_SLOT, MAX_INCIDENT_AGE, Incident, slot_incidents
from trafficha.sim.layout import detectors_of, section_infos, tollgate_infos
from trafficha.sim.seeded import rng, uniforms

__all__ = ["TOLLGATE_DELAY", "TOLLGATE_SLOT", "TrafficWorld"]

TOLLGATE_SLOT: Final = timedelta(minutes=15)
# KEC publishes a tollgate slot with a delay: the slot served at t ended at least this long ago.
TOLLGATE_DELAY: Final = timedelta(minutes=15)

_INCIDENT_SLOT_S: Final = int(INCIDENT_SLOT.total_seconds())
_TOLLGATE_SLOT_S: Final = int(TOLLGATE_SLOT.total_seconds())
_TOLLGATE_DELAY_S: Final = int(TOLLGATE_DELAY.total_seconds())
# An incident lasts at most MAX_INCIDENT_AGE, so older slots cannot hold an active one.
_LOOKBACK_SLOTS: Final = int(MAX_INCIDENT_AGE.total_seconds()) // _INCIDENT_SLOT_S
_SLOT_CACHE_MAX: Final = 2048

_NO_DATA_SHARE: Final = 0.01
_CAR_SHARES: Final = (0.76, 0.06, 0.04, 0.06, 0.03, 0.05)  # 1종 … 6종(경차)
_TRUCK_CLASSES: Final = (2, 3, 4)  # indices of 3종, 4종, 5종: more of them at night


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
        self._cum_weights = list(accumulate(i.weight for i in self._sections))
        self._detectors = detectors_of(self._sections)
        self._tollgates = tollgate_infos(self.network)
        self._slot_cache: dict[int, tuple[Incident, ...]] = {}

    # --- public API -------------------------------------------------------------------------

    def tollgates(self) -> list[Tollgate]:
        """Every tollgate (영업소): the network's TG waypoints and one per IC, by unit code."""
        return [t.tollgate for t in self._tollgates]

    def incidents_at(self, t: datetime) -> list[Accident]:
        """Incidents active at ``t`` (started at or before it, not yet ended), oldest first."""
        epoch = epoch_of(t)
        return [i.accident_at(epoch) for i in self._active(epoch)]

    def incident_sections_at(self, t: datetime) -> dict[str, str]:
        """Where each incident of :meth:`incidents_at` is: ``incident_key`` -> conzone id."""
        return {i.key: i.info.section.conzone_id for i in self._active(epoch_of(t))}

    def tollgate_traffic_at(self, t: datetime) -> list[TollgateTraffic]:
        """Volumes of the latest 15-minute slot published at ``t`` (ended >= 15 min before)."""
        slot = (math.floor(epoch_of(t)) - _TOLLGATE_DELAY_S) // _TOLLGATE_SLOT_S - 1
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
            hipass = 0.80 + 0.10 * gate_rng.random()
            for inout, inout_name in (("0", "입구"), ("1", "출구")):
                volume = info.size * demand * (0.85 + 0.3 * gate_rng.random())
                for tcs, tcs_name, tcs_share in (
                    ("1", "TCS", 1.0 - hipass),
                    ("2", "hi-pass", hipass),
                ):
                    for car, car_share in enumerate(car_shares, start=1):
                        amount = volume * tcs_share * car_share * (0.85 + 0.3 * gate_rng.random())
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
        epoch = epoch_of(t)
        minute = math.floor(epoch) // 60 * 60
        std_at = kst_at(minute)
        demand = demand_at(minute)
        bias = commute_bias(minute)
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
            u = uniforms(self.seed, "vds", det.vds_id, minute)
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

    def _slot_incidents(self, slot: int) -> tuple[Incident, ...]:
        cached = self._slot_cache.get(slot)
        if cached is not None:
            return cached
        incidents = slot_incidents(self.seed, slot, self._sections, self._cum_weights)
        if len(self._slot_cache) >= _SLOT_CACHE_MAX:
            self._slot_cache.pop(next(iter(self._slot_cache)))
        self._slot_cache[slot] = incidents
        return incidents

    def section_of(self, conzone_id: str) -> Section:
        """The network section behind a conzone id (KeyError if unknown)."""
        return self._sections_by_id[conzone_id].section
