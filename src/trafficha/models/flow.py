"""Flow grades from speeds: 원활, 서행, 정체 mean the same speeds for every source.

KEC's road feed sends a ``grade`` beside each detector's speed, judged by rules it does not
publish, and a grade that disagrees with the speed printed beside it helps nobody (the
dashboard showed 원활 and 정체, never 서행). The grade is therefore derived from the speed,
with the expressway thresholds of the dashboard's legend (원활 from
:data:`SMOOTH_MIN_KMH`, 서행 from :data:`SLOW_MIN_KMH`, 정체 below). KEC's own grade is kept
only for what a speed cannot say: ``0`` (판정불가, the detector judged its reading unusable) and
a reading without a speed. The simulator grades its readings with the same function, so the
modes agree.
"""

from __future__ import annotations

from typing import Final

from trafficha.models.domain import Grade

__all__ = [
    "CONGESTED",
    "SLOW",
    "SLOW_MIN_KMH",
    "SMOOTH",
    "SMOOTH_MIN_KMH",
    "UNKNOWN",
    "flow_grade",
    "grade_of_speed",
]

UNKNOWN: Final[Grade] = 0
SMOOTH: Final[Grade] = 1
SLOW: Final[Grade] = 2
CONGESTED: Final[Grade] = 3

SMOOTH_MIN_KMH: Final = 80.0
"""At or above this speed a reading is 원활."""
SLOW_MIN_KMH: Final = 40.0
"""At or above this speed (and below :data:`SMOOTH_MIN_KMH`) a reading is 서행; below, 정체."""


def grade_of_speed(speed: float) -> Grade:
    """The grade a speed (km/h, >= 0) stands for."""
    if speed >= SMOOTH_MIN_KMH:
        return SMOOTH
    return SLOW if speed >= SLOW_MIN_KMH else CONGESTED


def flow_grade(speed: float | None, reported: Grade = SMOOTH) -> Grade:
    """A reading's grade: from its speed, unless the detector reported 판정불가 (``0``) or
    there is no speed (None or KEC's ``-1``), when ``reported`` stands."""
    if reported == UNKNOWN or speed is None or speed < 0:
        return reported
    return grade_of_speed(speed)
