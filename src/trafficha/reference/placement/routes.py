"""A route's line: the built-in network's route of that number (else the only one of that name),
or, for a route the network lacks, one learned from the route's own known points in serial order,
leaving out those farther than :data:`MAX_HOP_KM` from both of their neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from trafficha.reference.network import Network, Route, haversine_km
from trafficha.reference.placement.chain import Chain, choose
from trafficha.reference.placement.gazetteer import Gazetteer
from trafficha.reference.placement.geometry import LatLon, Line

__all__ = ["MAX_HOP_KM", "builtin_route", "learned_line"]

# A route learned from its own points: a point this far from both of its known neighbours is an
# outlier (a same-named place elsewhere), not a bend of the road.
MAX_HOP_KM: Final = 60.0


def builtin_route(network: Network, route_no: str, route_name: str) -> Route | None:
    """The built-in route of that number, else the only one of that name."""
    for route in network.routes:
        if route.route_no == route_no:
            return route
    named = [r for r in network.routes if r.route_name == route_name]
    return named[0] if len(named) == 1 else None


def learned_line(chains: Sequence[Chain], gazetteer: Gazetteer) -> Line | None:
    """A route's geometry from its own known points, in serial order: from the direction that
    knows most of them, without outliers. None with fewer than two."""
    best: list[LatLon] = []
    for chain in chains:
        choose(chain, gazetteer, None, None)
        points = [(s.candidate.lat, s.candidate.lon) for s in chain.slots if s.candidate]
        points = [
            p
            for i, p in enumerate(points)
            if not _outlier(p, points[i - 1] if i else None, points[i + 1 : i + 2])
        ]
        if len(set(points)) > len(set(best)):
            best = points
    return Line(best) if len(set(best)) >= 2 else None


def _outlier(p: LatLon, before: LatLon | None, after: Sequence[LatLon]) -> bool:
    near = [q for q in (before, *after) if q is not None]
    return bool(near) and all(haversine_km(*p, *q) > MAX_HOP_KM for q in near)
