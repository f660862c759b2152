"""The placement's inputs and outputs: KEC's conzones, tollgate units, VDS chainages and route
names as they come in, with the converters from the records that carry them (stored rows, road
readings, tollgates, VDS locations, the route list), and the placed sections, unplaced conzones,
coverage per route and learned routes that come out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol

import msgspec

from trafficha.reference.network import Direction

__all__ = [
    "Chainage",
    "Conzone",
    "EndSource",
    "Geometry",
    "LearnedRoute",
    "NetworkInputs",
    "PlacedEnd",
    "PlacedSection",
    "Placement",
    "RouteCoverage",
    "RouteName",
    "Unit",
    "UnplacedConzone",
    "chainages_of",
    "conzones_of",
    "routes_of",
    "units_of",
]

EndSource = Literal["network", "tollgate", "chainage", "interpolated"]
"""How an end was placed: on a built-in waypoint, on a KEC tollgate unit, between its placed
neighbours by VDS chainage, or evenly between them by its place in the sequence."""
Geometry = Literal["network", "learned", "none"]


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
