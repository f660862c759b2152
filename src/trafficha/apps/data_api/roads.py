"""What the data API knows of one route from the network it serves: its names, its placed
sections in the order a driver meets them, and its two headings (서울방향 / toward Seoul).

Built from :class:`~.geo.NetworkGeoJson` (the network learned from the store, the built-in one
until then), so the route strip and the route history name a route as the map draws it. A
conzone's serial grows with the chainage from the route's origin on both carriageways, so ``E``
(toward the end) meets its sections in serial order and ``S`` in reverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from trafficha.apps.data_api.geo import NetworkGeoJson
from trafficha.reference.directions import Heading, heading_toward, route_headings
from trafficha.reference.network import Direction
from trafficha.reference.placement import PlacedSection
from trafficha.reference.placement.names import serial
from trafficha.reference.placement.routes import builtin_route

__all__ = ["DIRECTIONS", "RouteView", "route_view"]

DIRECTIONS: Final[tuple[Direction, Direction]] = ("E", "S")
# The heading of a direction with no placed section on a route the network lacks.
_NOWHERE: Final = Heading(name="", name_en="")


@dataclass(frozen=True, slots=True)
class RouteView:
    """A route as served: names, headings and its placed sections per direction, in travel
    order (a direction without any has an empty list)."""

    route_no: str
    route_name: str
    route_name_en: str
    headings: dict[Direction, Heading]
    sections: dict[Direction, list[PlacedSection]]
    names_en: dict[str, str]
    """English names of the built-in waypoints, by Korean name (a learned point has none)."""

    def direction_of(self, text: str) -> Direction | None:
        """The direction whose heading a text names (``서울방향`` -> the one running there)."""
        words = text.replace(" ", "")
        for direction in DIRECTIONS:
            if self.headings[direction].name == words:
                return direction
        return None


def _travel_order(sections: list[PlacedSection], direction: Direction) -> list[PlacedSection]:
    return sorted(sections, key=lambda s: serial(s.conzone_id) or 0, reverse=direction == "S")


def route_view(geo: NetworkGeoJson, route_no: str) -> RouteView | None:
    """The route of that number as the served network has it; None when it has neither placed
    sections nor a built-in line."""
    placed = [s for s in geo.placement.sections if s.route_no == route_no]
    names = [c.route_name for c in geo.placement.coverage if c.route_no == route_no]
    builtin = builtin_route(geo.network, route_no, names[0] if names else "")
    if not placed and (builtin is None or builtin.route_no != route_no):
        return None
    sections = {d: _travel_order([s for s in placed if s.direction == d], d) for d in DIRECTIONS}
    names_en = {w.name: w.name_en for r in geo.network.routes for w in r.waypoints}
    if builtin is not None:
        headings = route_headings(builtin)
    else:
        headings = {}
        for d in DIRECTIONS:
            last = sections[d][-1].end.name if sections[d] else ""
            headings[d] = heading_toward(last, names_en.get(last)) if last else _NOWHERE
    return RouteView(
        route_no=route_no,
        route_name=names[0] if names else (builtin.route_name if builtin is not None else ""),
        route_name_en=builtin.route_name_en if builtin is not None else "",
        headings=headings,
        sections=sections,
        names_en=names_en,
    )
