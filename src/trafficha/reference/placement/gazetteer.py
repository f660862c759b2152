"""The gazetteer: every place a point name may denote, from the built-in network's waypoints (by
stem and kind: 노포IC is not 노포JC) and KEC's located tollgate units (by stem: unit ``영락`` is an
IC or a TG of that stem), and how far each candidate is trusted for a route.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from trafficha.reference.network import Network
from trafficha.reference.placement.models import Unit
from trafficha.reference.placement.names import PointKind, parse_point

__all__ = ["Candidate", "Gazetteer", "trust_of"]

# Kinds a tollgate unit named without a suffix can be: the toll office of an IC, or a mainline TG.
_UNIT_KINDS: Final = frozenset({"IC", "TG", None})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place a name may denote."""

    lat: float
    lon: float
    source: Literal["network", "tollgate"]
    route_no: str | None


class Gazetteer:
    """Built-in waypoints by (stem, kind), and located tollgate units by stem."""

    def __init__(self, network: Network, units: Iterable[Unit]) -> None:
        self.waypoints: dict[tuple[str, PointKind | None], list[Candidate]] = defaultdict(list)
        for route in network.routes:
            for w in route.waypoints:
                stem, kind = parse_point(w.name)
                self.waypoints[(stem, kind)].append(
                    Candidate(w.lat, w.lon, "network", route.route_no)
                )
        self.units: dict[tuple[str, PointKind | None], list[Candidate]] = defaultdict(list)
        for u in units:
            if u.lat is None or u.lon is None:
                continue
            stem, kind = parse_point(u.unit_name)
            self.units[(stem, kind)].append(Candidate(u.lat, u.lon, "tollgate", u.route_no))

    def lookup(self, name: str) -> list[Candidate]:
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


def _same_route(unit_route: str, route_no: str) -> bool:
    """locationinfoUnit numbers routes in 3 digits (``025``, normalized ``0250``): it cannot tell
    a route's branches apart, so ``0250`` stands for ``0251`` too."""
    return unit_route == route_no or (unit_route.endswith("0") and unit_route[:3] == route_no[:3])


def trust_of(c: Candidate, route_no: str, line_route: str | None) -> int:
    """4: a waypoint of the route, 3: a unit of the route, 2: a waypoint elsewhere, 1: a unit."""
    own = c.route_no is not None and (_same_route(c.route_no, route_no) or c.route_no == line_route)
    return (2 if own else 0) + (2 if c.source == "network" else 1)
