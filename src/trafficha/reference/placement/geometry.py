"""Polylines measured in km: a route's (lat, lon) vertices on a local planar projection, where a
point projects to a measure along the line and a measure maps back to a point, and a line yields
its vertices between two measures, runs reversed or closes into a ring from a given measure.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Final

__all__ = ["EPS_KM", "LatLon", "Line", "Span"]

EPS_KM: Final = 1e-6
_KM_PER_DEG_LAT: Final = 110.574
_KM_PER_DEG_LON: Final = 111.320

LatLon = tuple[float, float]
Span = tuple[float, float]  # low and high chainage, km


class Line:
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
            if distance < best[1] - EPS_KM:
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
            if lo + EPS_KM < m < hi - EPS_KM
        ]

    def reversed(self) -> Line:
        return Line(self.points[::-1])

    def closed_from(self, m0: float) -> Line:
        """This line closed into a ring, starting (and ending) at measure ``m0``."""
        ring = self.points if self.closed else [*self.points, self.points[0]]
        line = Line(ring)
        start = line.at(m0)
        after = [p for p, m in zip(line.points, line.measures, strict=True) if m > m0 + EPS_KM]
        before = [
            p for p, m in zip(line.points[1:], line.measures[1:], strict=True) if m < m0 - EPS_KM
        ]
        return Line([start, *after, *before, start])
