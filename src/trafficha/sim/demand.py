"""Time in the simulated world: KST instants as epoch seconds, and how busy the roads are.

Demand follows an hourly table (weekdays with commute peaks, weekends with a midday hump),
interpolated linearly, so every instant has one value in any process.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Final

from trafficha.kst import KST, to_kst

__all__ = ["commute_bias", "demand_at", "epoch_of", "kst_at"]

# Share of peak traffic per hour of day (KST); linear in between. Weekends have no commute
# peaks but a broad midday hump.
_WEEKDAY_DEMAND: Final = (
    0.18, 0.12, 0.09, 0.08, 0.10, 0.22, 0.50, 0.88, 1.00, 0.82, 0.66, 0.64,
    0.62, 0.64, 0.66, 0.70, 0.78, 0.94, 1.00, 0.86, 0.62, 0.48, 0.36, 0.26,
)  # fmt: skip
_WEEKEND_DEMAND: Final = (
    0.24, 0.16, 0.11, 0.09, 0.09, 0.14, 0.26, 0.42, 0.60, 0.76, 0.88, 0.94,
    0.92, 0.90, 0.92, 0.96, 1.00, 0.98, 0.90, 0.74, 0.58, 0.46, 0.36, 0.28,
)  # fmt: skip


def epoch_of(t: datetime) -> float:
    """``t`` as epoch seconds (a naive ``t`` is taken as KST)."""
    return to_kst(t).timestamp()


def kst_at(epoch: int) -> datetime:
    """The aware KST datetime of whole epoch seconds."""
    return datetime.fromtimestamp(epoch, KST)


def demand_at(epoch: float) -> float:
    """Share of peak traffic at an instant: the hourly table, interpolated (0.08 .. 1.0)."""
    whole = math.floor(epoch)
    moment = kst_at(whole)
    base = moment.replace(minute=0, second=0)
    following = base + timedelta(hours=1)
    frac = (epoch - base.timestamp()) / 3600.0

    def table(at: datetime) -> float:
        hours = _WEEKEND_DEMAND if at.weekday() >= 5 else _WEEKDAY_DEMAND
        return hours[at.hour]

    return table(base) + (table(following) - table(base)) * frac


def commute_bias(epoch: float) -> float:
    """+1 at the morning peak (toward Seoul), -1 at the evening peak (away), 0 otherwise."""
    moment = kst_at(math.floor(epoch))
    if moment.weekday() >= 5:
        return 0.0
    hour = moment.hour + moment.minute / 60.0
    return math.exp(-(((hour - 8.0) / 1.5) ** 2)) - math.exp(-(((hour - 18.5) / 1.8) ** 2))
