"""Where KEC's conzones lie: sections keyed by KEC's own ids, placed by what KEC says of them.

KEC's road feed (``trafficAmountByRealtime``) names each conzone by its two ends,
``"구서IC-영락IC"``, and numbers it along its route: ``{route}CZ{E|S}{serial}``, the serial
growing with the chainage from the route's origin in both directions (``0010CZE010``
구서IC→영락IC and ``0010CZS010`` 영락IC→구서IC are the two carriageways of one stretch), with
gaps where stretches were added later. It gives no coordinates. :func:`place_conzones` learns them:

1. Split the name into its two ends (``A-B``, ``A~B``, ``A - B``).
2. Look each end up in a gazetteer: the built-in network's waypoints by exact name (the kind
   suffix included: 노포IC and 노포JC are different points), and KEC's tollgate units
   (``locationinfoUnit``, named without a suffix: unit ``영락`` is 영락IC or 영락TG, never a JC,
   a hi-pass IC or a service area of that stem, which lie elsewhere).
3. Prefer candidates of the conzone's own route, and reject any farther than
   :data:`MAX_OFF_ROUTE_KM` from that route's geometry: it would be drawn in the wrong place.
4. Chain each route and direction in serial order (conzone *i*'s end is, as a rule, conzone
   *i+1*'s start) into a sequence of points from the route's origin to its end. Known points must
   follow the route in that order; those that do not are dropped (weighted by trust, so the
   built-in network's own waypoints win). A ring road (the sequence ends where it starts) is
   closed. An unknown point is placed between its placed neighbours along the route: by VDS
   chainage when given, else evenly by its place in the sequence.
5. Draw each section along the route: its start point, the route's vertices between the two
   ends' projections, its end point. A route the built-in network lacks (by number, then by
   name) gets its geometry from its known points in serial order. A route is named as KEC's
   route list (``spinRouteList``) names it when that is given, else as most of its conzones do.

A conzone that cannot be placed is listed with the reason and never drawn. The built-in network's
own sections (:func:`builtin_conzones`) place exactly where the network has them, so the
simulator's conzones and KEC's go through the same code.

Everything here is pure and synchronous: no I/O, no clock.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Final, Literal, Protocol

import msgspec

from trafficha.reference.network import Direction, Network, Route, haversine_km, load_network

__all__ = [
    "MAX_OFF_ROUTE_KM",
    "ORDER_SLACK_KM",
    "Chainage",
    "Conzone",
    "EndSource",
    "LearnedRoute",
    "NetworkInputs",
    "PlacedEnd",
    "PlacedSection",
    "Placement",
    "PointKind",
    "RouteCoverage",
    "RouteName",
    "Unit",
    "UnplacedConzone",
    "builtin_conzones",
    "builtin_placement",
    "chainages_of",
    "conzone_direction",
    "conzones_of",
    "parse_point",
    "place_conzones",
    "routes_of",
    "split_name",
    "units_of",
]

PointKind = Literal["IC", "JC", "TG", "SA", "HI"]
"""What a named point is: interchange, junction, tollgate, service area, hi-pass-only IC."""
EndSource = Literal["network", "tollgate", "chainage", "interpolated"]
"""How an end was placed: on a built-in waypoint, on a KEC tollgate unit, between its placed
neighbours by VDS chainage, or evenly between them by its place in the sequence."""
Geometry = Literal["network", "learned", "none"]

MAX_OFF_ROUTE_KM: Final = 5.0
"""A gazetteer point farther than this from its route's geometry is not used for that route."""
ORDER_SLACK_KM: Final = 3.0
"""A known point out of sequence order by less than this along its route is noise, not an error."""
# A route learned from its own points: a point this far from both of its known neighbours is an
# outlier (a same-named place elsewhere), not a bend of the road.
MAX_HOP_KM: Final = 60.0
_MIN_LENGTH_KM: Final = 0.01
_EPS_KM: Final = 1e-6
_KM_PER_DEG_LAT: Final = 110.574
_KM_PER_DEG_LON: Final = 111.320

_CONZONE_ID: Final = re.compile(r"^(?P<route>\d{4})CZ(?P<dir>[ES])(?P<serial>\d+)$")
# Name suffixes, longest first, and the kind each means. Case is ignored (통도사Hi, 통도사HI).
_SUFFIXES: Final[tuple[tuple[str, PointKind], ...]] = (
    ("하이패스IC", "HI"),
    ("하이패스", "HI"),
    ("휴게소", "SA"),
    ("분기점", "JC"),
    ("나들목", "IC"),
    ("요금소", "TG"),
    ("영업소", "TG"),
    ("HI", "HI"),
    ("IC", "IC"),
    ("JC", "JC"),
    ("TG", "TG"),
    ("SA", "SA"),
)
# Kinds a tollgate unit named without a suffix can be: the toll office of an IC, or a mainline TG.
_UNIT_KINDS: Final = frozenset({"IC", "TG", None})
_PARENTHESES: Final = re.compile(r"\([^)]*\)")
_SPACES: Final = re.compile(r"\s+")


# --- inputs -----------------------------------------------------------------------------------


class Conzone(msgspec.Struct, frozen=True, kw_only=True):
    """A conzone as KEC's road feed reports it. ``direction`` defaults to the id's E/S letter."""

    conzone_id: str
    conzone_name: str
    route_no: str
    route_name: str
    direction: Direction | None = None


class Unit(msgspec.Struct, frozen=True, kw_only=True):
    """A KEC tollgate unit (``locationinfoUnit``): its name has no kind suffix (``영락``), its
    route is 4 digits (``0010``), and its location may be unknown."""

    unit_code: str
    unit_name: str
    route_no: str | None
    lat: float | None
    lon: float | None


class Chainage(msgspec.Struct, frozen=True, kw_only=True):
    """One VDS detector's zone along its route (km from the route's origin) and its conzone."""

    conzone_id: str
    start_km: float | None
    end_km: float | None


class RouteName(msgspec.Struct, frozen=True, kw_only=True):
    """A route's official name, as KEC's route list (``spinRouteList``) gives it."""

    route_no: str
    route_name: str


class NetworkInputs(msgspec.Struct, frozen=True, kw_only=True):
    """What a network is learned from: conzones, located tollgate units, VDS chainages and
    KEC's route names."""

    conzones: tuple[Conzone, ...] = ()
    units: tuple[Unit, ...] = ()
    chainages: tuple[Chainage, ...] = ()
    routes: tuple[RouteName, ...] = ()


class _ConzoneLike(Protocol):
    @property
    def conzone_id(self) -> str: ...
    @property
    def conzone_name(self) -> str: ...
    @property
    def route_no(self) -> str: ...
    @property
    def route_name(self) -> str: ...
    @property
    def direction(self) -> str | None: ...


class _UnitLike(Protocol):
    @property
    def unit_code(self) -> str: ...
    @property
    def unit_name(self) -> str: ...
    @property
    def route_no(self) -> str | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...


class _ChainageLike(Protocol):
    @property
    def conzone_id(self) -> str | None: ...
    @property
    def start_km(self) -> float | None: ...
    @property
    def end_km(self) -> float | None: ...


class _RouteLike(Protocol):
    @property
    def route_no(self) -> str: ...
    @property
    def route_name(self) -> str: ...
    @property
    def in_use(self) -> bool | None: ...


def conzones_of(rows: Iterable[_ConzoneLike]) -> tuple[Conzone, ...]:
    """Conzones from records that carry their fields (stored conzones, road readings); one per
    id, the first."""
    found: dict[str, Conzone] = {}
    for r in rows:
        direction: Direction | None = (
            "E" if r.direction == "E" else "S" if r.direction == "S" else None
        )
        found.setdefault(
            r.conzone_id,
            Conzone(
                conzone_id=r.conzone_id,
                conzone_name=r.conzone_name,
                route_no=r.route_no,
                route_name=r.route_name,
                direction=direction,
            ),
        )
    return tuple(found.values())


def units_of(tollgates: Iterable[_UnitLike]) -> tuple[Unit, ...]:
    """Units from tollgate records (:class:`~trafficha.models.domain.Tollgate`): only those
    with a location, which are the only ones of use."""
    return tuple(
        Unit(
            unit_code=t.unit_code,
            unit_name=t.unit_name,
            route_no=t.route_no,
            lat=t.lat,
            lon=t.lon,
        )
        for t in tollgates
        if t.lat is not None and t.lon is not None
    )


def chainages_of(locations: Iterable[_ChainageLike]) -> tuple[Chainage, ...]:
    """Chainages from VDS locations: those with a conzone and a zone."""
    return tuple(
        Chainage(conzone_id=v.conzone_id, start_km=v.start_km, end_km=v.end_km)
        for v in locations
        if v.conzone_id is not None and (v.start_km is not None or v.end_km is not None)
    )


def routes_of(routes: Iterable[_RouteLike]) -> tuple[RouteName, ...]:
    """Route names from KEC's route list (:class:`~trafficha.datasets.route_list.RouteInfo`):
    one per number, the first, leaving out the routes KEC lists as no longer in use."""
    found: dict[str, RouteName] = {}
    for r in routes:
        if r.in_use is not False and r.route_name.strip():
            found.setdefault(
                r.route_no, RouteName(route_no=r.route_no, route_name=r.route_name.strip())
            )
    return tuple(found.values())


# --- outputs ----------------------------------------------------------------------------------


class PlacedEnd(msgspec.Struct, frozen=True, kw_only=True):
    """One end of a placed section: its name, where it was drawn, and how that was found."""

    name: str
    lat: float
    lon: float
    source: EndSource


class PlacedSection(msgspec.Struct, frozen=True, kw_only=True):
    """A conzone drawn on the map: ``coordinates`` are ``(lon, lat)`` pairs, as GeoJSON orders
    them, from its start to its end in its direction of travel."""

    conzone_id: str
    conzone_name: str
    route_no: str
    route_name: str
    direction: Direction
    start: PlacedEnd
    end: PlacedEnd
    coordinates: tuple[tuple[float, float], ...]
    length_km: float


class UnplacedConzone(msgspec.Struct, frozen=True, kw_only=True):
    """A conzone that could not be placed, and why. It is never drawn."""

    conzone_id: str
    conzone_name: str
    route_no: str
    route_name: str
    direction: str
    reason: str


class RouteCoverage(msgspec.Struct, frozen=True, kw_only=True):
    """How many of a route's conzones were placed, and where its geometry came from
    (``network``: the built-in network; ``learned``: its own known points; ``none``)."""

    route_no: str
    route_name: str
    total: int
    placed: int
    interpolated_ends: int
    geometry: Geometry

    @property
    def percent(self) -> float:
        return 100.0 * self.placed / self.total if self.total else 100.0


class LearnedRoute(msgspec.Struct, frozen=True, kw_only=True):
    """A route missing from the built-in network, drawn through its known points in serial
    order; ``coordinates`` are ``(lon, lat)`` pairs."""

    route_no: str
    route_name: str
    coordinates: tuple[tuple[float, float], ...]


class Placement(msgspec.Struct, frozen=True, kw_only=True):
    """The placed sections, the unplaced conzones with their reasons, and coverage per route."""

    sections: tuple[PlacedSection, ...]
    unplaced: tuple[UnplacedConzone, ...]
    coverage: tuple[RouteCoverage, ...]
    routes: tuple[LearnedRoute, ...]

    @property
    def total(self) -> int:
        return len(self.sections) + len(self.unplaced)

    @property
    def placed(self) -> int:
        return len(self.sections)

    @property
    def percent(self) -> float:
        return 100.0 * self.placed / self.total if self.total else 100.0


# --- names ------------------------------------------------------------------------------------


def split_name(name: str) -> tuple[str, str] | None:
    """The two ends of ``"A-B"``, ``"A~B"`` or ``"A - B"``; None when the name is not two ends.

    A spaced dash is a separator before a bare one, and a tilde before a dash, so a point name
    holding a dash survives where KEC spaced or tilded its separator.
    """
    text = name.strip()
    for separator in (re.compile(r"\s+[-–]\s+"), re.compile(r"\s*[~～]\s*"), re.compile(r"-")):
        parts = separator.split(text)
        if len(parts) > 1:
            ends = [p.strip() for p in parts]
            return (ends[0], ends[1]) if len(ends) == 2 and all(ends) else None
    return None


def parse_point(name: str) -> tuple[str, PointKind | None]:
    """A point name's stem and kind: ``"영락IC"`` -> ``("영락", "IC")``, ``"통도사Hi"`` ->
    ``("통도사", "HI")``, ``"금강휴게소"`` -> ``("금강", "SA")``, ``"영락"`` -> ``("영락", None)``.

    Spaces and parenthesised notes (``"양주(개)"``) are left out of the stem.
    """
    text = _SPACES.sub("", _PARENTHESES.sub("", name))
    upper = text.upper()
    for suffix, kind in _SUFFIXES:
        if upper.endswith(suffix.upper()) and len(text) > len(suffix):
            return text[: -len(suffix)], kind
    return text, None


def conzone_direction(conzone_id: str) -> Direction | None:
    """The E/S letter of a KEC conzone id (``0010CZE010`` -> ``"E"``); None for another id."""
    match = _CONZONE_ID.match(conzone_id.strip())
    if match is None:
        return None
    return "E" if match["dir"] == "E" else "S"


def _serial(conzone_id: str) -> int | None:
    match = _CONZONE_ID.match(conzone_id.strip())
    return None if match is None else int(match["serial"])


def _serial_order(cz: Conzone) -> tuple[int, str]:
    return (_serial(cz.conzone_id) or 0, cz.conzone_id)


def _same_route(unit_route: str, route_no: str) -> bool:
    """locationinfoUnit numbers routes in 3 digits (``025``, normalized ``0250``): it cannot tell
    a route's branches apart, so ``0250`` stands for ``0251`` too."""
    return unit_route == route_no or (unit_route.endswith("0") and unit_route[:3] == route_no[:3])


# --- geometry ---------------------------------------------------------------------------------

LatLon = tuple[float, float]
Span = tuple[float, float]  # low and high chainage, km


class _Line:
    """A polyline of (lat, lon) vertices, measured in km along a local planar projection."""

    def __init__(self, points: Sequence[LatLon]) -> None:
        kept: list[LatLon] = []
        for p in points:
            if not kept or kept[-1] != p:
                kept.append(p)
        self.points = kept
        lat0 = math.radians(sum(p[0] for p in kept) / len(kept))
        self._kx = _KM_PER_DEG_LON * math.cos(lat0)
        self.xy = [(p[1] * self._kx, p[0] * _KM_PER_DEG_LAT) for p in kept]
        self.measures = [0.0]
        for (x1, y1), (x2, y2) in itertools.pairwise(self.xy):
            self.measures.append(self.measures[-1] + math.hypot(x2 - x1, y2 - y1))

    @property
    def length(self) -> float:
        return self.measures[-1]

    @property
    def closed(self) -> bool:
        return len(self.points) > 2 and self.points[0] == self.points[-1]

    def project(self, p: LatLon) -> tuple[float, float]:
        """(measure of the nearest point of the line, distance to it), in km."""
        px, py = p[1] * self._kx, p[0] * _KM_PER_DEG_LAT
        best = (0.0, math.hypot(px - self.xy[0][0], py - self.xy[0][1]))
        for i, ((x1, y1), (x2, y2)) in enumerate(itertools.pairwise(self.xy)):
            dx, dy = x2 - x1, y2 - y1
            span = dx * dx + dy * dy
            t = 0.0 if span == 0 else max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / span))
            distance = math.hypot(px - (x1 + t * dx), py - (y1 + t * dy))
            if distance < best[1] - _EPS_KM:
                best = (self.measures[i] + t * (self.measures[i + 1] - self.measures[i]), distance)
        return best

    def at(self, m: float) -> LatLon:
        """The point at measure ``m`` (clamped to the line)."""
        m = max(0.0, min(self.length, m))
        for i in range(len(self.points) - 1):
            lo, hi = self.measures[i], self.measures[i + 1]
            if m <= hi or i == len(self.points) - 2:
                t = 0.0 if hi == lo else (m - lo) / (hi - lo)
                (a_lat, a_lon), (b_lat, b_lon) = self.points[i], self.points[i + 1]
                return (a_lat + t * (b_lat - a_lat), a_lon + t * (b_lon - a_lon))
        return self.points[0]

    def between(self, lo: float, hi: float) -> list[LatLon]:
        """The vertices strictly between measures ``lo`` < ``hi``, in order."""
        return [
            p
            for p, m in zip(self.points, self.measures, strict=True)
            if lo + _EPS_KM < m < hi - _EPS_KM
        ]

    def reversed(self) -> _Line:
        return _Line(self.points[::-1])

    def closed_from(self, m0: float) -> _Line:
        """This line closed into a ring, starting (and ending) at measure ``m0``."""
        ring = self.points if self.closed else [*self.points, self.points[0]]
        line = _Line(ring)
        start = line.at(m0)
        after = [p for p, m in zip(line.points, line.measures, strict=True) if m > m0 + _EPS_KM]
        before = [
            p for p, m in zip(line.points[1:], line.measures[1:], strict=True) if m < m0 - _EPS_KM
        ]
        return _Line([start, *after, *before, start])


# --- the gazetteer ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A place a name may denote."""

    lat: float
    lon: float
    source: Literal["network", "tollgate"]
    route_no: str | None


class _Gazetteer:
    """Built-in waypoints by (stem, kind), and located tollgate units by stem."""

    def __init__(self, network: Network, units: Iterable[Unit]) -> None:
        self.waypoints: dict[tuple[str, PointKind | None], list[_Candidate]] = defaultdict(list)
        for route in network.routes:
            for w in route.waypoints:
                stem, kind = parse_point(w.name)
                self.waypoints[(stem, kind)].append(
                    _Candidate(w.lat, w.lon, "network", route.route_no)
                )
        self.units: dict[tuple[str, PointKind | None], list[_Candidate]] = defaultdict(list)
        for u in units:
            if u.lat is None or u.lon is None:
                continue
            stem, kind = parse_point(u.unit_name)
            self.units[(stem, kind)].append(_Candidate(u.lat, u.lon, "tollgate", u.route_no))

    def lookup(self, name: str) -> list[_Candidate]:
        """Every place ``name`` may denote: waypoints of the same stem and kind (an IC or TG
        when the name has no suffix), and units of that stem when the name is an IC or TG."""
        stem, kind = parse_point(name)
        kinds: tuple[PointKind | None, ...] = (kind,) if kind is not None else ("IC", "TG", None)
        found = [c for k in kinds for c in self.waypoints.get((stem, k), ())]
        if kind in _UNIT_KINDS:
            found += self.units.get((stem, None), ())
        elif kind == "SA":
            found += self.units.get((stem, "SA"), ())
        return found


# --- one route and direction ------------------------------------------------------------------


@dataclass(slots=True)
class _Slot:
    """One named point of a direction's sequence, from the route's origin to its end."""

    name: str
    chainage: float | None
    candidate: _Candidate | None = None
    weight: int = 0
    measure: float | None = None
    point: LatLon | None = None
    source: EndSource | None = None
    why: str = ""


@dataclass(slots=True)
class _Chain:
    """A route's conzones of one direction, in serial order, as slots."""

    route_no: str
    direction: Direction
    conzones: list[Conzone]
    ends: dict[str, tuple[int, int]] = field(default_factory=dict)  # origin-side slot first
    slots: list[_Slot] = field(default_factory=list)
    unnamed: dict[str, str] = field(default_factory=dict)  # conzone id -> reason

    @property
    def ring(self) -> bool:
        return len(self.slots) > 2 and self.slots[0].name == self.slots[-1].name


def _chain(
    route_no: str, direction: Direction, conzones: list[Conzone], spans: dict[str, Span]
) -> _Chain:
    chain = _Chain(route_no, direction, conzones)
    for cz in conzones:
        ends = split_name(cz.conzone_name)
        if ends is None:
            chain.unnamed[cz.conzone_id] = f"name {cz.conzone_name!r} is not two ends 'A-B'"
            continue
        if ends[0] == ends[1]:
            chain.unnamed[cz.conzone_id] = f"name {cz.conzone_name!r} starts and ends alike"
            continue
        a, b = ends if direction == "E" else (ends[1], ends[0])
        span = spans.get(cz.conzone_id)
        lo, hi = span if span is not None else (None, None)
        if chain.slots and chain.slots[-1].name == a:
            ia = len(chain.slots) - 1
            if chain.slots[ia].chainage is None:
                chain.slots[ia].chainage = lo
        else:
            chain.slots.append(_Slot(a, lo))
            ia = len(chain.slots) - 1
        chain.slots.append(_Slot(b, hi))
        chain.ends[cz.conzone_id] = (ia, len(chain.slots) - 1)
    return chain


def _trust(c: _Candidate, route_no: str, line_route: str | None) -> int:
    """4: a waypoint of the route, 3: a unit of the route, 2: a waypoint elsewhere, 1: a unit."""
    own = c.route_no is not None and (_same_route(c.route_no, route_no) or c.route_no == line_route)
    return (2 if own else 0) + (2 if c.source == "network" else 1)


def _choose(
    chain: _Chain, gazetteer: _Gazetteer, line: _Line | None, line_route: str | None
) -> None:
    """Pick each slot's most trusted candidate near the line (any, when there is none)."""
    for slot in chain.slots:
        slot.candidate, slot.weight = None, 0
        found = gazetteer.lookup(slot.name)
        if not found:
            slot.why = f"{slot.name} is not in the gazetteer"
            continue
        ranked: list[tuple[int, float, _Candidate]] = []
        for c in found:
            trust = _trust(c, chain.route_no, line_route)
            if line is None:
                if c.source == "tollgate" and trust < 3:
                    continue  # a unit of another route, with no geometry to check it against
                ranked.append((-trust, 0.0, c))
                continue
            _, off = line.project((c.lat, c.lon))
            if off <= MAX_OFF_ROUTE_KM:
                ranked.append((-trust, off, c))
        if not ranked:
            slot.why = (
                f"{slot.name}: every candidate is over {MAX_OFF_ROUTE_KM:g} km "
                f"off route {chain.route_no}"
                if line is not None
                else f"{slot.name}: known only on other routes"
            )
            continue
        ranked.sort(key=lambda r: (r[0], r[1]))
        slot.candidate, slot.weight = ranked[0][2], -ranked[0][0]


def _project(chain: _Chain, line: _Line) -> None:
    for slot in chain.slots:
        if slot.candidate is not None:
            slot.measure, _ = line.project((slot.candidate.lat, slot.candidate.lon))
            slot.point = (slot.candidate.lat, slot.candidate.lon)
            slot.source = slot.candidate.source


def _ordered(items: Sequence[tuple[int, float, int]]) -> tuple[int, list[int]]:
    """The heaviest subsequence of (index, measure, weight) with non-decreasing measures: its
    weight and its indexes. Quadratic: a direction has at most a few hundred points."""
    best: list[int] = []
    back: list[int] = []
    for j, (_, m, w) in enumerate(items):
        best.append(w)
        back.append(-1)
        for i in range(j):
            if items[i][1] <= m + _EPS_KM and best[i] + w > best[j]:
                best[j], back[j] = best[i] + w, i
    if not items:
        return 0, []
    j = max(range(len(items)), key=lambda k: best[k])
    total, kept = best[j], []
    while j >= 0:
        kept.append(items[j][0])
        j = back[j]
    return total, kept[::-1]


def _known(chain: _Chain, lo: int = 0, hi: int | None = None) -> list[tuple[int, float, int]]:
    end = len(chain.slots) if hi is None else hi
    return [
        (i, s.measure, s.weight)
        for i, s in enumerate(chain.slots[lo:end], start=lo)
        if s.measure is not None
    ]


def _orient(chain: _Chain, line: _Line) -> _Line:
    """The line, reversed when the known points follow it backwards; measures set on it."""
    _project(chain, line)
    interior = (1, len(chain.slots) - 1) if chain.ring else (0, None)
    known = _known(chain, *interior)
    forward, _ = _ordered(known)
    backward, _ = _ordered([(i, -m, w) for i, m, w in known])
    if backward > forward:
        line = line.reversed()
        _project(chain, line)
    return line


def _keep_in_order(chain: _Chain) -> None:
    """Keep the known points that follow the route in sequence order.

    The heaviest ordered subsequence stays. A point out of order by less than
    :data:`ORDER_SLACK_KM` (what the coordinates of a coarse network and a toll office beside
    its interchange differ by) stays where it is, its measure clamped between its neighbours';
    one farther out is dropped and placed like an unknown point.
    """
    known = _known(chain)
    _, kept = _ordered(known)
    keep = set(kept)
    after = {i: next((k for k in kept if k > i), None) for i, _, _ in known if i not in keep}
    floor = 0.0
    for i, m, _ in known:
        if i in keep:
            floor = m
            continue
        nxt = after[i]
        ceiling = chain.slots[nxt].measure if nxt is not None else None
        top = ceiling if ceiling is not None else math.inf
        slot = chain.slots[i]
        if floor - ORDER_SLACK_KM <= m <= top + ORDER_SLACK_KM and floor <= top:
            slot.measure = floor = min(max(m, floor), top)
            continue
        slot.measure = slot.point = slot.source = None
        slot.why = f"{slot.name}: its known place is out of order along route {chain.route_no}"


def _ring(chain: _Chain, line: _Line) -> _Line:
    """For a ring: the line closed and started at the first point; its last point set to the
    first. A ring whose first point is unknown is placed as an open line."""
    first = chain.slots[0]
    if first.candidate is None:
        return _orient(chain, line)
    m0, _ = line.project((first.candidate.lat, first.candidate.lon))
    ring = _orient(chain, line.closed_from(m0))
    last = chain.slots[-1]
    first.measure, last.measure = 0.0, ring.length
    last.point, last.source, last.candidate = first.point, first.source, first.candidate
    return ring


def _scale(chain: _Chain) -> float:
    """Line km per chainage km, from the placed points that carry a chainage (1 without)."""
    pairs: list[tuple[float, float]] = []
    for s in chain.slots:
        if s.measure is not None and s.chainage is not None:
            pairs.append((s.measure, s.chainage))
    if len(pairs) < 2 or pairs[-1][1] == pairs[0][1]:
        return 1.0
    ratio = (pairs[-1][0] - pairs[0][0]) / (pairs[-1][1] - pairs[0][1])
    return ratio if ratio > 0 else 1.0


def _increasing(values: Sequence[float | None]) -> list[float] | None:
    """The values if none is missing and they strictly increase, else None."""
    known = [v for v in values if v is not None]
    if len(known) < len(values) or any(x >= y for x, y in itertools.pairwise(known)):
        return None
    return known


def _fill_gap(chain: _Chain, i: int, k: int) -> None:
    """Place the unknown slots between placed slots ``i`` and ``k``."""
    a, b = chain.slots[i], chain.slots[k]
    assert a.measure is not None
    assert b.measure is not None
    inner = chain.slots[i + 1 : k]
    chainages = _increasing([a.chainage, *(s.chainage for s in inner), b.chainage])
    for n, slot in enumerate(inner, start=1):
        if chainages is not None:
            fraction = (chainages[n] - chainages[0]) / (chainages[-1] - chainages[0])
            slot.source = "chainage"
        else:
            fraction = n / (k - i)
            slot.source = "interpolated"
        slot.measure = a.measure + fraction * (b.measure - a.measure)


def _fill_ends(chain: _Chain, line: _Line, placed: list[int]) -> None:
    """Place slots before the first or after the last placed one by chainage, if they have it."""
    scale = _scale(chain)
    first, last = chain.slots[placed[0]], chain.slots[placed[-1]]
    for idx in range(placed[0] - 1, -1, -1):
        _extend(chain.slots[idx], first, scale, line, before=True)
        first = chain.slots[idx] if chain.slots[idx].measure is not None else first
    for idx in range(placed[-1] + 1, len(chain.slots)):
        _extend(chain.slots[idx], last, scale, line, before=False)
        last = chain.slots[idx] if chain.slots[idx].measure is not None else last


def _extend(slot: _Slot, anchor: _Slot, scale: float, line: _Line, *, before: bool) -> None:
    side = "origin" if before else "end"
    if slot.chainage is None or anchor.chainage is None or anchor.measure is None:
        slot.why = slot.why or f"{slot.name} is unknown"
        slot.why += f", with no placed point on its {side} side"
        return
    m = anchor.measure + (slot.chainage - anchor.chainage) * scale
    if (m > anchor.measure if before else m < anchor.measure) or not 0.0 <= m <= line.length:
        slot.why = f"{slot.name}: its chainage falls off the route's {side}"
        return
    slot.measure, slot.source = m, "chainage"


def _place_slots(chain: _Chain, line: _Line) -> _Line:
    """Set every slot's measure and point that can be; returns the line they lie on."""
    line = _ring(chain, line) if chain.ring else _orient(chain, line)
    _keep_in_order(chain)
    placed = [i for i, _, _ in _known(chain)]
    if not placed:
        for slot in chain.slots:
            slot.why = slot.why or f"{slot.name} is unknown"
        return line
    for i, k in itertools.pairwise(placed):
        if k > i + 1:
            _fill_gap(chain, i, k)
    _fill_ends(chain, line, placed)
    for slot in chain.slots:
        if slot.measure is not None and slot.point is None:
            slot.point = line.at(slot.measure)
    return line


def _end(slot: _Slot) -> tuple[PlacedEnd, float] | None:
    """A placed slot as a section end, with its measure; None while it is unplaced."""
    if slot.measure is None or slot.point is None or slot.source is None:
        return None
    lat, lon = slot.point
    return PlacedEnd(name=slot.name, lat=lat, lon=lon, source=slot.source), slot.measure


def _draw(chain: _Chain, line: _Line, cz: Conzone) -> PlacedSection | str:
    """The conzone's section, or the reason it cannot be drawn."""
    ia, ib = chain.ends[cz.conzone_id]
    a, b = _end(chain.slots[ia]), _end(chain.slots[ib])
    if a is None or b is None:
        slot = chain.slots[ia if a is None else ib]
        return slot.why or f"{slot.name} is unknown"
    (a_end, a_m), (b_end, b_m) = a, b
    points = [(a_end.lat, a_end.lon), *line.between(a_m, b_m), (b_end.lat, b_end.lon)]
    start, end = (a_end, b_end) if chain.direction == "E" else (b_end, a_end)
    if chain.direction == "S":
        points.reverse()
    length = sum(haversine_km(*p, *q) for p, q in itertools.pairwise(points))
    if length < _MIN_LENGTH_KM:
        return f"{a_end.name} and {b_end.name} fall on one point"
    return PlacedSection(
        conzone_id=cz.conzone_id,
        conzone_name=cz.conzone_name,
        route_no=cz.route_no,
        route_name=cz.route_name,
        direction=chain.direction,
        start=start,
        end=end,
        coordinates=tuple((round(lon, 6), round(lat, 6)) for lat, lon in points),
        length_km=round(length, 3),
    )


# --- routes -----------------------------------------------------------------------------------


def _builtin_route(network: Network, route_no: str, route_name: str) -> Route | None:
    """The built-in route of that number, else the only one of that name."""
    for route in network.routes:
        if route.route_no == route_no:
            return route
    named = [r for r in network.routes if r.route_name == route_name]
    return named[0] if len(named) == 1 else None


def _learned_line(chains: Sequence[_Chain], gazetteer: _Gazetteer) -> _Line | None:
    """A route's geometry from its own known points, in serial order: from the direction that
    knows most of them, without outliers. None with fewer than two."""
    best: list[LatLon] = []
    for chain in chains:
        _choose(chain, gazetteer, None, None)
        points = [(s.candidate.lat, s.candidate.lon) for s in chain.slots if s.candidate]
        points = [
            p
            for i, p in enumerate(points)
            if not _outlier(p, points[i - 1] if i else None, points[i + 1 : i + 2])
        ]
        if len(set(points)) > len(set(best)):
            best = points
    return _Line(best) if len(set(best)) >= 2 else None


def _outlier(p: LatLon, before: LatLon | None, after: Sequence[LatLon]) -> bool:
    near = [q for q in (before, *after) if q is not None]
    return bool(near) and all(haversine_km(*p, *q) > MAX_HOP_KM for q in near)


@dataclass(slots=True)
class _Outcome:
    sections: dict[str, PlacedSection] = field(default_factory=dict)
    unplaced: dict[str, str] = field(default_factory=dict)
    coverage: list[RouteCoverage] = field(default_factory=list)
    routes: list[LearnedRoute] = field(default_factory=list)


def _chains(
    route_no: str, conzones: list[Conzone], spans: dict[str, Span], out: _Outcome
) -> list[_Chain]:
    """The route's conzones as one chain per direction; those without a KEC id go unplaced."""
    by_direction: dict[Direction, list[Conzone]] = {"E": [], "S": []}
    for cz in conzones:
        direction = cz.direction or conzone_direction(cz.conzone_id)
        if direction is None or _serial(cz.conzone_id) is None:
            out.unplaced[cz.conzone_id] = "id is not KEC's {route}CZ{E|S}{serial}: no order"
        else:
            by_direction[direction].append(cz)
    chains = [
        _chain(route_no, d, sorted(czs, key=_serial_order), spans)
        for d, czs in by_direction.items()
        if czs
    ]
    for chain in chains:
        out.unplaced.update(chain.unnamed)
    return chains


def _place_chain(
    chain: _Chain, line: _Line, line_route: str | None, gazetteer: _Gazetteer, out: _Outcome
) -> int:
    """Place one direction on the route's line; the number of ends placed between neighbours."""
    # A ring's candidates are checked against the closed ring, its closing stretch included.
    base = line.closed_from(0.0) if chain.ring and not line.closed else line
    _choose(chain, gazetteer, base, line_route)
    drawn_on = _place_slots(chain, base)
    between = 0
    for cz in chain.conzones:
        if cz.conzone_id in chain.unnamed:
            continue
        drawn = _draw(chain, drawn_on, cz)
        if isinstance(drawn, str):
            out.unplaced[cz.conzone_id] = drawn
            continue
        out.sections[cz.conzone_id] = drawn
        between += sum(e.source in ("chainage", "interpolated") for e in (drawn.start, drawn.end))
    return between


def _place_route(
    conzones: list[Conzone],
    network: Network,
    gazetteer: _Gazetteer,
    spans: dict[str, Span],
    out: _Outcome,
    *,
    official_name: str | None = None,
) -> None:
    route_no = conzones[0].route_no
    route_name = official_name or Counter(c.route_name for c in conzones).most_common(1)[0][0]
    chains = _chains(route_no, conzones, spans, out)
    builtin = _builtin_route(network, route_no, route_name)
    line: _Line | None
    geometry: Geometry = "network"
    if builtin is not None:
        line = _Line([(w.lat, w.lon) for w in builtin.waypoints])
    else:
        line = _learned_line(chains, gazetteer)
        geometry = "learned" if line is not None else "none"
        if line is not None:
            coordinates = tuple((round(lon, 6), round(lat, 6)) for lat, lon in line.points)
            out.routes.append(
                LearnedRoute(route_no=route_no, route_name=route_name, coordinates=coordinates)
            )
    between = 0
    for chain in chains:
        if line is not None:
            between += _place_chain(
                chain, line, builtin.route_no if builtin else None, gazetteer, out
            )
            continue
        for cz in chain.conzones:
            out.unplaced.setdefault(
                cz.conzone_id,
                f"route {route_no} is not in the built-in network and fewer than two of its "
                "points are known",
            )
    out.coverage.append(
        RouteCoverage(
            route_no=route_no,
            route_name=route_name,
            total=len(conzones),
            placed=sum(cz.conzone_id in out.sections for cz in conzones),
            interpolated_ends=between,
            geometry=geometry,
        )
    )


def _spans(chainages: Iterable[Chainage]) -> dict[str, Span]:
    """Each conzone's chainage range (low, high) over its detectors' zones."""
    found: dict[str, list[float]] = defaultdict(list)
    for c in chainages:
        found[c.conzone_id.strip()] += [km for km in (c.start_km, c.end_km) if km is not None]
    return {cz: (min(kms), max(kms)) for cz, kms in found.items() if kms}


def place_conzones(
    conzones: Iterable[Conzone],
    units: Iterable[Unit] = (),
    chainages: Iterable[Chainage] = (),
    network: Network | None = None,
    routes: Iterable[RouteName] = (),
) -> Placement:
    """Place every conzone (see the module's notes): sections in the order the conzones came
    (a repeated id counts once), the rest with their reasons, and coverage per route.

    ``units`` without a location are ignored; ``chainages`` (VDS zones) are optional; ``routes``
    (KEC's route list) name the routes in the coverage and the learned routes.
    """
    network = network if network is not None else load_network()
    names: dict[str, str] = {}
    for r in routes:
        names.setdefault(r.route_no, r.route_name)
    gazetteer = _Gazetteer(network, units)
    spans = _spans(chainages)
    unique: dict[str, Conzone] = {}
    for cz in conzones:
        unique.setdefault(cz.conzone_id, cz)
    by_route: dict[str, list[Conzone]] = defaultdict(list)
    for cz in unique.values():
        by_route[cz.route_no].append(cz)
    out = _Outcome()
    for route_no in sorted(by_route):
        _place_route(
            by_route[route_no], network, gazetteer, spans, out, official_name=names.get(route_no)
        )
    unplaced = tuple(
        UnplacedConzone(
            conzone_id=cz.conzone_id,
            conzone_name=cz.conzone_name,
            route_no=cz.route_no,
            route_name=cz.route_name,
            direction=cz.direction or conzone_direction(cz.conzone_id) or "",
            reason=out.unplaced[cz.conzone_id],
        )
        for cz in unique.values()
        if cz.conzone_id in out.unplaced
    )
    return Placement(
        sections=tuple(out.sections[c] for c in unique if c in out.sections),
        unplaced=unplaced,
        coverage=tuple(out.coverage),
        routes=tuple(out.routes),
    )


def builtin_conzones(network: Network | None = None) -> list[Conzone]:
    """The built-in network's sections as conzones (what the simulator reports)."""
    network = network if network is not None else load_network()
    return [
        Conzone(
            conzone_id=s.conzone_id,
            conzone_name=s.conzone_name,
            route_no=s.route_no,
            route_name=s.route_name,
            direction=s.direction,
        )
        for s in network.sections
    ]


@cache
def builtin_placement() -> Placement:
    """The packaged network's own sections, placed (cached): what is served with no data."""
    return place_conzones(builtin_conzones())
