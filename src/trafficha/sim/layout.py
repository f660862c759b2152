"""The static layout the simulated world runs on: sections, detectors and tollgates.

Derived once from the reference network and never from the seed, so every world over the same
network has the same lanes, chainages, detectors and tollgate codes; only traffic and incidents
differ between seeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from trafficha.models.domain import Tollgate
from trafficha.reference.directions import place_of
from trafficha.reference.network import Network, Route, Section, Waypoint, haversine_km
from trafficha.sim.seeded import digest, uniforms

__all__ = [
    "KEC_DIV",
    "PRIVATE_DIV_NAME",
    "SEOUL",
    "UNIT_COUNT",
    "UNLOCATED_UNITS",
    "Detector",
    "SectionInfo",
    "TollgateInfo",
    "detectors_of",
    "section_infos",
    "tollgate_infos",
    "unit_list",
]

SEOUL: Final = (37.5665, 126.978)  # 서울시청

# Lanes per direction (a simplification: the widest stretch of each route).
_ROUTE_LANES: Final = {"0010": 4, "1000": 4, "0150": 3, "0500": 3, "0350": 3}
_DEFAULT_LANES: Final = 2

# Tollgate names that would otherwise repeat: (waypoint name, route_no) -> KEC-style name.
_UNIT_NAMES: Final = {("광주IC", "0350"): "경기광주"}

# Who runs a tollgate (trafficIc's exDivCode/exDivName): KEC itself, or a private operator on the
# private (민자) stretches of the network's routes, from one waypoint to another (both included).
# The recorded trafficAll answer carries operators 00 도공 and 01, 02, 08, 10 민자.
KEC_DIV: Final = ("00", "도공")
PRIVATE_DIV_NAME: Final = "민자"
_PRIVATE_STRETCHES: Final = (
    ("0600", "강일IC", "남춘천IC", "08"),  # 서울-춘천
    ("1000", "퇴계원IC", "일산IC", "02"),  # 일산-퇴계원
)

# The tollgate list (locationinfoUnit) as recorded in 2026: 590 units, 194 of them without
# coordinates (null xValue/yValue). The network's tollgates come first; the list is filled up
# to that count with units of the network's routes that have no traffic here: junctions,
# rest areas, units not yet open, mainline barriers and the neighbours of the ICs.
UNIT_COUNT: Final = 590
UNLOCATED_UNITS: Final = 194

_SECOND_DETECTOR_KM: Final = 15.0
# Tollgate volume per 15 minutes at peak demand, before the per-tollgate size factor.
_TOLLGATE_BASE: Final = 60.0
_TOLLGATE_SEOUL: Final = 900.0
_TOLLGATE_MAINLINE: Final = 3.0  # a mainline barrier (서울TG, 부산TG …) carries the whole road


def _strip_kind(waypoint: Waypoint) -> str:
    return waypoint.name.removesuffix(waypoint.kind).strip()


def _city(waypoint: Waypoint) -> str:
    """The place a road toward ``waypoint`` is signed for (한남IC -> 서울), as KEC words it."""
    return place_of(waypoint.name, waypoint.name_en)[0]


def _seoul_factor(lat: float, lon: float) -> float:
    """1 in Seoul, falling off over ~60 km."""
    return math.exp(-haversine_km(lat, lon, *SEOUL) / 60.0)


@dataclass(frozen=True, slots=True)
class SectionInfo:
    """A network section with what the world needs to drive traffic and place incidents on it."""

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
class Detector:
    """One VDS detector and the section it reports on."""

    vds_id: str
    info: SectionInfo


@dataclass(frozen=True, slots=True)
class TollgateInfo:
    """A tollgate, how much traffic it carries and who runs it (``exDivCode``/``exDivName``)."""

    tollgate: Tollgate
    size: float  # 15-minute volume per direction at peak demand
    ex_div_code: str = KEC_DIV[0]
    ex_div_name: str = KEC_DIV[1]


def section_infos(network: Network) -> tuple[SectionInfo, ...]:
    """Every section of the network, route by route, with its lanes, chainage and load."""
    infos: list[SectionInfo] = []
    for route in network.routes:
        chainage = [0.0]
        for a, b in zip(route.waypoints, route.waypoints[1:], strict=False):
            chainage.append(chainage[-1] + a.distance_km(b))
        # Chainage by waypoint, not by the conzone id's serial: ids follow KEC's scheme.
        km_at = {
            (w.name, w.lat, w.lon): km for w, km in zip(route.waypoints, chainage, strict=True)
        }
        towards = {"E": _city(route.waypoints[-1]), "S": _city(route.waypoints[0])}
        lanes = _ROUTE_LANES.get(route.route_no, _DEFAULT_LANES)
        for section in network.sections:
            if section.route_no != route.route_no:
                continue
            start_km = km_at[(section.start.name, section.start.lat, section.start.lon)]
            end_km = km_at[(section.end.name, section.end.lat, section.end.lon)]
            mid_lat = (section.start.lat + section.end.lat) / 2
            mid_lon = (section.start.lon + section.end.lon) / 2
            seoul = _seoul_factor(mid_lat, mid_lon)
            u = uniforms("section", section.conzone_id)  # static: the same in every seed
            busy = 0.45 + 0.7 * seoul + 0.25 * (u[0] - 0.5)
            if u[1] < 0.12 and seoul > 0.3:
                busy += 0.3  # a known bottleneck
            to_seoul = haversine_km(section.end.lat, section.end.lon, *SEOUL)
            from_seoul = haversine_km(section.start.lat, section.start.lon, *SEOUL)
            infos.append(
                SectionInfo(
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


def detectors_of(sections: tuple[SectionInfo, ...]) -> tuple[Detector, ...]:
    """One detector per section, and a second one on sections longer than 15 km."""
    detectors: list[Detector] = []
    for info in sections:
        vds_id = info.section.vds_id
        detectors.append(Detector(vds_id=vds_id, info=info))
        if info.section.length_km > _SECOND_DETECTOR_KM:
            serial = int(vds_id[-2:]) + 1
            detectors.append(Detector(vds_id=f"{vds_id[:-2]}{serial:02d}", info=info))
    return tuple(detectors)


def tollgate_infos(network: Network) -> tuple[TollgateInfo, ...]:
    """Tollgates: the network's (TG or coded) first, then one 영업소 per IC, deduplicated.

    Codes the data lacks are derived from a hash of the name, probing upward past codes
    already taken, so they do not depend on the seed.
    """
    candidates: list[tuple[Waypoint, Route]] = []
    seen: set[tuple[str, float, float]] = set()
    listed = network.tollgates()
    for want_listed in (True, False):
        for route in network.routes:
            for w in route.waypoints:
                key = (w.name, w.lat, w.lon)
                if key in seen or (w in listed) != want_listed:
                    continue
                if not want_listed and w.kind != "IC":
                    continue
                seen.add(key)
                candidates.append((w, route))
    used = {w.unit_code for w, _ in candidates if w.unit_code is not None}
    private = _private_waypoints(network)
    names: set[str] = set()
    infos: list[TollgateInfo] = []
    for w, route in candidates:
        code = w.unit_code
        if code is None:
            number = 100 + int.from_bytes(digest("unit", w.name)[:4], "big") % 800
            while f"{number:03d}" in used:
                number = 100 + (number - 99) % 900
            code = f"{number:03d}"
            used.add(code)
        name = _UNIT_NAMES.get((w.name, route.route_no), _strip_kind(w))
        if name in names:
            name = f"{name}({route.route_name.removesuffix('선')})"
        names.add(name)
        u = uniforms("tollgate", code)
        size = (_TOLLGATE_BASE + _TOLLGATE_SEOUL * _seoul_factor(w.lat, w.lon)) * (0.6 + 0.8 * u[0])
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
        division = private.get((route.route_no, w.name))
        if division is None:
            infos.append(TollgateInfo(tollgate=tollgate, size=size))
        else:
            infos.append(TollgateInfo(tollgate, size, division, PRIVATE_DIV_NAME))
    infos.sort(key=lambda i: i.tollgate.unit_code)
    return tuple(infos)


def _private_waypoints(network: Network) -> dict[tuple[str, str], str]:
    """(route_no, waypoint name) -> operator code, for the private stretches in the network."""
    found: dict[tuple[str, str], str] = {}
    for route_no, first, last, code in _PRIVATE_STRETCHES:
        route = next((r for r in network.routes if r.route_no == route_no), None)
        names = [w.name for w in route.waypoints] if route is not None else []
        if first in names and last in names:
            lo, hi = sorted((names.index(first), names.index(last)))
            found.update({(route_no, name): code for name in names[lo : hi + 1]})
    return found


def _free_code(name: str, used: set[str]) -> str:
    """A 3-digit code from a hash of the name, probing past codes already taken."""
    number = int.from_bytes(digest("unit-code", name)[:4], "big") % 1000
    while f"{number:03d}" in used:
        number = (number + 1) % 1000
    code = f"{number:03d}"
    used.add(code)
    return code


def _unit_candidates(
    network: Network,
) -> tuple[list[tuple[bytes, str, Route, float, float]], list[tuple[bytes, str, Route]]]:
    """Names the rest of the unit list is drawn from, each with its hash and route: the
    neighbours of the ICs with a place on the route, and the units without one."""
    located: list[tuple[bytes, str, Route, float, float]] = []
    blank: list[tuple[bytes, str, Route]] = []
    for route in network.routes:
        for w, after in zip(route.waypoints, (*route.waypoints[1:], None), strict=True):
            base = _strip_kind(w)
            if w.kind == "JC":
                blank.append((digest("unit", w.name), w.name, route))
            if w.kind != "IC":
                continue
            for suffix in ("휴게소", "(개)", "본선", "상", "하", "입구JC", "출구JC"):
                blank.append((digest("unit", base + suffix), base + suffix, route))
            if base.startswith(tuple("북남동서")):
                continue  # 북천안 has no neighbour 남북천안
            towards = after if after is not None else route.waypoints[-2]
            for prefix in "북남동서":
                name = prefix + base
                frac = 0.15 + 0.25 * uniforms("unit-place", name)[0]
                lat = round(w.lat + (towards.lat - w.lat) * frac, 6)
                lon = round(w.lon + (towards.lon - w.lon) * frac, 6)
                located.append((digest("unit", name), name, route, lat, lon))
    return located, blank


def unit_list(network: Network, tollgates: tuple[TollgateInfo, ...]) -> tuple[Tollgate, ...]:
    """The whole tollgate list: ``tollgates`` (all located), then :data:`UNIT_COUNT` minus
    that many more units, :data:`UNLOCATED_UNITS` of them without coordinates, by unit code.

    The extra units are picked by a hash of their names, so the list does not depend on the
    seed. Located ones sit on the route a little past the IC they are named after (북천안
    beside 천안); unlocated ones are junctions, rest areas, units about to open (개), mainline
    barriers (본선) and the up/down halves of a unit (상/하), as in KEC's list.
    """
    extra = max(0, UNIT_COUNT - len(tollgates))
    wanted_located = extra - min(UNLOCATED_UNITS, extra)
    names = {t.tollgate.unit_name for t in tollgates}
    used = {t.tollgate.unit_code for t in tollgates}
    located, blank = _unit_candidates(network)
    units = [t.tollgate for t in tollgates]

    def add(name: str, route: Route, lat: float | None, lon: float | None) -> None:
        names.add(name)
        units.append(
            Tollgate(
                unit_code=_free_code(name, used),
                unit_name=name,
                route_no=route.route_no,
                route_name=route.route_name,
                lat=lat,
                lon=lon,
            )
        )

    for _, name, route, lat, lon in sorted(located, key=lambda c: c[0]):
        if len(units) - len(tollgates) >= wanted_located:
            break
        if name not in names:
            add(name, route, lat, lon)
    # Located names left over are candidates too: an unlocated unit may be a plain neighbour.
    pool = [*blank, *((d, n, r) for d, n, r, _, _ in located)]
    for _, name, route in sorted(pool, key=lambda c: c[0]):
        if len(units) - len(tollgates) >= extra:
            break
        if name not in names:
            add(name, route, None, None)
    units.sort(key=lambda t: t.unit_code)
    return tuple(units)
