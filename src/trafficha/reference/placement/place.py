"""The top level: :func:`place_conzones` groups the conzones by route, chains each direction,
places its slots on the route's line and draws each section between its two ends, counting the
coverage per route; :func:`builtin_conzones` and :func:`builtin_placement` are the built-in
network's own sections and their (cached) placement.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Final

from trafficha.reference.network import Direction, Network, haversine_km, load_network
from trafficha.reference.placement.chain import Chain, Slot, build_chain, choose
from trafficha.reference.placement.gazetteer import Gazetteer
from trafficha.reference.placement.geometry import Line, Span
from trafficha.reference.placement.measures import place_slots
from trafficha.reference.placement.models import (
    Chainage,
    Conzone,
    Geometry,
    LearnedRoute,
    PlacedEnd,
    PlacedSection,
    Placement,
    RouteCoverage,
    RouteName,
    Unit,
    UnplacedConzone,
)
from trafficha.reference.placement.names import conzone_direction, serial, serial_order
from trafficha.reference.placement.routes import builtin_route, learned_line

__all__ = ["builtin_conzones", "builtin_placement", "place_conzones"]

_MIN_LENGTH_KM: Final = 0.01


@dataclass(slots=True)
class _Outcome:
    sections: dict[str, PlacedSection] = field(default_factory=dict)
    unplaced: dict[str, str] = field(default_factory=dict)
    coverage: list[RouteCoverage] = field(default_factory=list)
    routes: list[LearnedRoute] = field(default_factory=list)


def _chains(
    route_no: str, conzones: list[Conzone], spans: dict[str, Span], out: _Outcome
) -> list[Chain]:
    """The route's conzones as one chain per direction; those without a KEC id go unplaced."""
    by_direction: dict[Direction, list[Conzone]] = {"E": [], "S": []}
    for cz in conzones:
        direction = cz.direction or conzone_direction(cz.conzone_id)
        if direction is None or serial(cz.conzone_id) is None:
            out.unplaced[cz.conzone_id] = "id is not KEC's {route}CZ{E|S}{serial}: no order"
        else:
            by_direction[direction].append(cz)
    chains = [
        build_chain(route_no, d, sorted(czs, key=serial_order), spans)
        for d, czs in by_direction.items()
        if czs
    ]
    for chain in chains:
        out.unplaced.update(chain.unnamed)
    return chains


def _end(slot: Slot) -> tuple[PlacedEnd, float] | None:
    """A placed slot as a section end, with its measure; None while it is unplaced."""
    if slot.measure is None or slot.point is None or slot.source is None:
        return None
    lat, lon = slot.point
    return PlacedEnd(name=slot.name, lat=lat, lon=lon, source=slot.source), slot.measure


def _draw(chain: Chain, line: Line, cz: Conzone) -> PlacedSection | str:
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


def _place_chain(
    chain: Chain, line: Line, line_route: str | None, gazetteer: Gazetteer, out: _Outcome
) -> int:
    """Place one direction on the route's line; the number of ends placed between neighbours."""
    # A ring's candidates are checked against the closed ring, its closing stretch included.
    base = line.closed_from(0.0) if chain.ring and not line.closed else line
    choose(chain, gazetteer, base, line_route)
    drawn_on = place_slots(chain, base)
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
    gazetteer: Gazetteer,
    spans: dict[str, Span],
    out: _Outcome,
    *,
    official_name: str | None = None,
) -> None:
    route_no = conzones[0].route_no
    route_name = official_name or Counter(c.route_name for c in conzones).most_common(1)[0][0]
    chains = _chains(route_no, conzones, spans, out)
    builtin = builtin_route(network, route_no, route_name)
    line: Line | None
    geometry: Geometry = "network"
    if builtin is not None:
        line = Line([(w.lat, w.lon) for w in builtin.waypoints])
    else:
        line = learned_line(chains, gazetteer)
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
    """Place every conzone (see :mod:`trafficha.reference.placement`): sections in the order the
    conzones came (a repeated id counts once), the rest with their reasons, and coverage per route.

    ``units`` without a location are ignored; ``chainages`` (VDS zones) are optional; ``routes``
    (KEC's route list) name the routes in the coverage and the learned routes.
    """
    network = network if network is not None else load_network()
    names: dict[str, str] = {}
    for r in routes:
        names.setdefault(r.route_no, r.route_name)
    gazetteer = Gazetteer(network, units)
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
