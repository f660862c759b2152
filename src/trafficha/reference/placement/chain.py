"""One route and direction as a chain of slots: its conzones in serial order, each end a named
slot shared with the neighbouring conzone (from the route's origin to its end), and each slot's
most trusted gazetteer candidate within :data:`MAX_OFF_ROUTE_KM` of the route's line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from trafficha.reference.network import Direction
from trafficha.reference.placement.gazetteer import Candidate, Gazetteer, trust_of
from trafficha.reference.placement.geometry import LatLon, Line, Span
from trafficha.reference.placement.models import Conzone, EndSource
from trafficha.reference.placement.names import split_name

__all__ = ["MAX_OFF_ROUTE_KM", "Chain", "Slot", "build_chain", "choose"]

MAX_OFF_ROUTE_KM: Final = 5.0
"""A gazetteer point farther than this from its route's geometry is not used for that route."""


@dataclass(slots=True)
class Slot:
    """One named point of a direction's sequence, from the route's origin to its end."""

    name: str
    chainage: float | None
    candidate: Candidate | None = None
    weight: int = 0
    measure: float | None = None
    point: LatLon | None = None
    source: EndSource | None = None
    why: str = ""


@dataclass(slots=True)
class Chain:
    """A route's conzones of one direction, in serial order, as slots."""

    route_no: str
    direction: Direction
    conzones: list[Conzone]
    ends: dict[str, tuple[int, int]] = field(default_factory=dict)  # origin-side slot first
    slots: list[Slot] = field(default_factory=list)
    unnamed: dict[str, str] = field(default_factory=dict)  # conzone id -> reason

    @property
    def ring(self) -> bool:
        return len(self.slots) > 2 and self.slots[0].name == self.slots[-1].name


def build_chain(
    route_no: str, direction: Direction, conzones: list[Conzone], spans: dict[str, Span]
) -> Chain:
    chain = Chain(route_no, direction, conzones)
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
            chain.slots.append(Slot(a, lo))
            ia = len(chain.slots) - 1
        chain.slots.append(Slot(b, hi))
        chain.ends[cz.conzone_id] = (ia, len(chain.slots) - 1)
    return chain


def choose(chain: Chain, gazetteer: Gazetteer, line: Line | None, line_route: str | None) -> None:
    """Pick each slot's most trusted candidate near the line (any, when there is none)."""
    for slot in chain.slots:
        slot.candidate, slot.weight = None, 0
        found = gazetteer.lookup(slot.name)
        if not found:
            slot.why = f"{slot.name} is not in the gazetteer"
            continue
        ranked: list[tuple[int, float, Candidate]] = []
        for c in found:
            trust = trust_of(c, chain.route_no, line_route)
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
