"""A chain's slots placed along its route's line: the line oriented (and, for a ring, closed) to
follow the known points, the known points kept in sequence order (within
:data:`ORDER_SLACK_KM`), and the unknown ones placed between their placed neighbours, by VDS
chainage or evenly, or beyond the outermost by chainage.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Final

from trafficha.reference.placement.chain import Chain, Slot
from trafficha.reference.placement.geometry import EPS_KM, Line

__all__ = ["ORDER_SLACK_KM", "place_slots"]

ORDER_SLACK_KM: Final = 3.0
"""A known point out of sequence order by less than this along its route is noise, not an error."""


def _project(chain: Chain, line: Line) -> None:
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
            if items[i][1] <= m + EPS_KM and best[i] + w > best[j]:
                best[j], back[j] = best[i] + w, i
    if not items:
        return 0, []
    j = max(range(len(items)), key=lambda k: best[k])
    total, kept = best[j], []
    while j >= 0:
        kept.append(items[j][0])
        j = back[j]
    return total, kept[::-1]


def _known(chain: Chain, lo: int = 0, hi: int | None = None) -> list[tuple[int, float, int]]:
    end = len(chain.slots) if hi is None else hi
    return [
        (i, s.measure, s.weight)
        for i, s in enumerate(chain.slots[lo:end], start=lo)
        if s.measure is not None
    ]


def _orient(chain: Chain, line: Line) -> Line:
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


def _keep_in_order(chain: Chain) -> None:
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


def _ring(chain: Chain, line: Line) -> Line:
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


def _scale(chain: Chain) -> float:
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


def _fill_gap(chain: Chain, i: int, k: int) -> None:
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


def _fill_ends(chain: Chain, line: Line, placed: list[int]) -> None:
    """Place slots before the first or after the last placed one by chainage, if they have it."""
    scale = _scale(chain)
    first, last = chain.slots[placed[0]], chain.slots[placed[-1]]
    for idx in range(placed[0] - 1, -1, -1):
        _extend(chain.slots[idx], first, scale, line, before=True)
        first = chain.slots[idx] if chain.slots[idx].measure is not None else first
    for idx in range(placed[-1] + 1, len(chain.slots)):
        _extend(chain.slots[idx], last, scale, line, before=False)
        last = chain.slots[idx] if chain.slots[idx].measure is not None else last


def _extend(slot: Slot, anchor: Slot, scale: float, line: Line, *, before: bool) -> None:
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


def place_slots(chain: Chain, line: Line) -> Line:
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
