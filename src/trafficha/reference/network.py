"""Korean expressway reference network: routes, waypoints and derived conzones.

The derived conzones carry ids in KEC's scheme (``0010CZE010``, with gaps in the serials) and
names ``A-B``; where KEC's own conzones lie is learned by :mod:`trafficha.reference.placement`,
with this network as its gazetteer.

The geometry ships as package data (``data/network.json``) and is decoded
strictly with msgspec, so a malformed data file fails loudly at load time.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import cache, cached_property
from importlib import resources
from typing import Annotated, Final, Literal

import msgspec

__all__ = [
    "SERIAL_STEP",
    "Direction",
    "Network",
    "Route",
    "Section",
    "Waypoint",
    "WaypointKind",
    "conzone_id",
    "haversine_km",
    "load_network",
    "vds_id",
]

WaypointKind = Literal["IC", "JC", "TG", "SA"]
# KEC convention: "E" runs toward the route's end point (종점), "S" back toward its origin (기점).
Direction = Literal["S", "E"]

RouteNo = Annotated[str, msgspec.Meta(pattern=r"^\d{4}$")]
UnitCode = Annotated[str, msgspec.Meta(pattern=r"^\d{3}$")]
Latitude = Annotated[float, msgspec.Meta(ge=-90.0, le=90.0)]
Longitude = Annotated[float, msgspec.Meta(ge=-180.0, le=180.0)]

EARTH_RADIUS_KM: Final = 6371.0088  # IUGG mean radius
_DATA_PACKAGE: Final = "trafficha.reference"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two WGS84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    # min() guards asin against rounding pushing h a hair above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class Waypoint(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True
):
    """A named point on a route (interchange, junction, tollgate or service area)."""

    name: str
    name_en: str
    kind: WaypointKind
    lat: Latitude
    lon: Longitude
    unit_code: UnitCode | None = None

    def distance_km(self, other: Waypoint) -> float:
        """Great-circle distance to another waypoint."""
        return haversine_km(self.lat, self.lon, other.lat, other.lon)


class Route(msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True):
    """An expressway with its waypoints ordered from origin (기점) to end (종점)."""

    route_no: RouteNo
    route_name: str
    route_name_en: str
    waypoints: tuple[Waypoint, ...]


class Section(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One directed conzone between two consecutive waypoints of a route.

    Ids follow KEC's scheme (``0010CZE010``): see :func:`conzone_id`. ``stretch`` is the
    stretch's place from the route's origin, 1-based: waypoints ``stretch - 1`` and ``stretch``.
    """

    conzone_id: str
    conzone_name: str
    route_no: str
    route_name: str
    direction: Direction
    start: Waypoint
    end: Waypoint
    length_km: float
    vds_id: str
    stretch: int


SERIAL_STEP: Final = 10
"""Built-in conzone serials step by this along a route (010, 020 …), leaving gaps as KEC's do."""


def conzone_id(route_no: str, direction: Direction, stretch: int) -> str:
    """A built-in conzone's id in KEC's scheme: route, ``CZ``, direction, a three-digit serial
    ordered by chainage with gaps (``SERIAL_STEP`` × the stretch's place from the origin), the
    same for both carriageways of a stretch: ``0010CZE010`` and ``0010CZS010``."""
    serial = SERIAL_STEP * stretch
    if not 0 < serial < 1000:
        raise ValueError(f"route {route_no}: stretch {stretch} has no three-digit serial")
    return f"{route_no}CZ{direction}{serial:03d}"


def vds_id(route_no: str, direction: Direction, stretch: int) -> str:
    """A built-in conzone's first detector, as KEC numbers them: ``0010VDE00100`` reports on
    ``0010CZE010`` (the serial × 10, five digits; the last digit leaves room for more)."""
    return f"{route_no}VD{direction}{SERIAL_STEP * stretch * 10:05d}"


def _route_sections(route: Route) -> Iterator[Section]:
    """Yield the E then S sections of a route.

    The serial grows with the stretch counted from the origin, in both directions, so
    ``…CZE070`` and ``…CZS070`` are the two carriageways of the same stretch. Lengths are
    great-circle, i.e. a lower bound on road length.
    """
    pairs = list(zip(route.waypoints, route.waypoints[1:], strict=False))
    directions: tuple[Direction, Direction] = ("E", "S")
    for direction in directions:
        for stretch, (a, b) in enumerate(pairs, start=1):
            start, end = (a, b) if direction == "E" else (b, a)
            yield Section(
                conzone_id=conzone_id(route.route_no, direction, stretch),
                conzone_name=f"{start.name}-{end.name}",
                route_no=route.route_no,
                route_name=route.route_name,
                direction=direction,
                start=start,
                end=end,
                length_km=round(start.distance_km(end), 3),
                vds_id=vds_id(route.route_no, direction, stretch),
                stretch=stretch,
            )


class Network(msgspec.Struct, frozen=True, kw_only=True, rename="camel", dict=True):
    """The whole reference network; derived views are computed lazily and cached."""

    routes: tuple[Route, ...]

    @cached_property
    def _routes_by_no(self) -> dict[str, Route]:
        return {r.route_no: r for r in self.routes}

    @cached_property
    def sections(self) -> tuple[Section, ...]:
        """All conzones of all routes, both directions."""
        return tuple(s for r in self.routes for s in _route_sections(r))

    @cached_property
    def _sections_by_id(self) -> dict[str, Section]:
        return {s.conzone_id: s for s in self.sections}

    @property
    def waypoints(self) -> Iterator[Waypoint]:
        """Every waypoint of every route, in route order (shared junctions repeat)."""
        return (w for r in self.routes for w in r.waypoints)

    def route(self, route_no: str) -> Route:
        """Look up a route by KEC number; raises KeyError if unknown."""
        return self._routes_by_no[route_no]

    def section(self, conzone_id: str) -> Section:
        """Look up a section by conzone id; raises KeyError if unknown."""
        return self._sections_by_id[conzone_id]

    def tollgates(self) -> tuple[Waypoint, ...]:
        """Waypoints that are tollgates or carry a KEC unit code, without repeats."""
        seen: set[tuple[str, float, float]] = set()
        found: list[Waypoint] = []
        for w in self.waypoints:
            key = (w.name, w.lat, w.lon)
            if (w.kind == "TG" or w.unit_code is not None) and key not in seen:
                seen.add(key)
                found.append(w)
        return tuple(found)


class _NetworkDocument(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """On-disk shape of ``network.json``; the version guards future format changes."""

    version: Literal[1]
    routes: tuple[Route, ...]


@cache
def load_network() -> Network:
    """Load and decode the packaged network (cached; the result is immutable)."""
    raw = resources.files(_DATA_PACKAGE).joinpath("data").joinpath("network.json").read_bytes()
    doc = msgspec.json.decode(raw, type=_NetworkDocument, strict=True)
    return Network(routes=doc.routes)
