"""History reads: a route's speeds and incident starts over time, a tollgate's day of slots.

Every answer comes in buckets of a fixed length from a given start, each bucket explicit: one
without data is there with a None (or zero) figure, never left out, so a chart shows the gap.
Buckets are cut on the clock in KST; as KST is a whole number of hours from UTC, a bucket of
15, 30 or 60 minutes starts at the same instant in either.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final

import msgspec

from trafficha.models.domain import Direction
from trafficha.store.db import from_db_time, to_db_time
from trafficha.store.queries import StoreLike, TollgateSlot, _fetch

__all__ = [
    "MAX_BUCKETS",
    "IncidentBucket",
    "SpeedBucket",
    "TollgateDay",
    "buckets",
    "incident_history",
    "speed_history",
    "tollgate_day",
]

MAX_BUCKETS: Final = 2880
"""At most this many buckets per answer (a day of minutes, twice over)."""
_SECOND: Final = timedelta(seconds=1)
# What a DATETIME column can be compared with (its range, a day to spare for any offset).
_EARLIEST: Final = datetime(1000, 1, 2, tzinfo=UTC)
_LATEST: Final = datetime(9999, 12, 30, tzinfo=UTC)


class SpeedBucket(msgspec.Struct, frozen=True, kw_only=True):
    """A route's valid readings (speed >= 0, grade > 0) in ``[start, start + bucket)``: their
    average speed (None without any) and how many there were of each grade."""

    start: datetime
    avg_speed: float | None
    readings: int
    smooth: int
    slow: int
    congested: int


class IncidentBucket(msgspec.Struct, frozen=True, kw_only=True):
    """The incidents (notices left out) that started in ``[start, start + bucket)``, by type
    name, most frequent first."""

    start: datetime
    started: int
    by_type: dict[str, int]


class TollgateDay(msgspec.Struct, frozen=True, kw_only=True):
    """A tollgate's name and its slots: each summed over directions, payment types and vehicle
    classes; ``traffic_amount`` None where nothing was reported."""

    unit_code: str
    unit_name: str
    route_no: str | None
    route_name: str | None
    slots: list[TollgateSlot]


def buckets(start: datetime, step: timedelta, count: int) -> list[datetime]:
    """``count`` bucket starts from ``start``, ``step`` apart.

    Raises:
        ValueError: ``step`` is not a positive whole number of seconds, or ``count`` is outside
            1..:data:`MAX_BUCKETS`.
    """
    if step < _SECOND or step % _SECOND:
        raise ValueError(f"bucket must be a positive whole number of seconds, got {step}")
    if not 1 <= count <= MAX_BUCKETS:
        raise ValueError(f"count must be within 1..{MAX_BUCKETS}, got {count}")
    return [start + k * step for k in range(count)]


def _index(rows_at: datetime, start: datetime, step: timedelta) -> int:
    return (rows_at - start) // step


def _span(start: datetime, step: timedelta, count: int) -> tuple[datetime, datetime] | None:
    """The buckets' whole window as the store can compare it; None when no stored row can fall
    in it (it lies beyond what a DATETIME holds)."""
    try:
        end = start + count * step
    except OverflowError:
        end = _LATEST
    lo, hi = max(start, _EARLIEST), min(end, _LATEST)
    return (to_db_time(lo), to_db_time(hi)) if lo < hi else None


async def speed_history(
    source: StoreLike,
    route_no: str,
    start: datetime,
    step: timedelta,
    count: int,
    *,
    direction: Direction | None = None,
) -> list[SpeedBucket]:
    """A route's readings (of one direction when given) in ``count`` buckets of ``step`` from
    ``start``: average speed and readings per grade. One range scan of the route's readings
    (index ``idx_road_traffic_status_route_history``), read from the index alone."""
    starts = buckets(start, step, count)
    span = _span(start, step, count)
    # Both directions are two ranges of the index; one direction is the same range twice.
    directions = [direction, direction] if direction is not None else ["E", "S"]
    rows = []
    if span is not None:
        rows = await _fetch(
            source,
            "reading speed history",
            "SELECT TIMESTAMPDIFF(SECOND, %s, std_at) DIV %s AS b, AVG(speed), COUNT(*), "
            "SUM(grade = 1), SUM(grade = 2), SUM(grade = 3) FROM road_traffic_status "
            "WHERE route_no = %s AND direction IN (%s, %s) "
            "AND std_at >= %s AND std_at < %s AND speed >= 0 AND grade > 0 GROUP BY b",
            [to_db_time(start), step // _SECOND, route_no, *directions, *span],
        )
    found: dict[int, tuple[Decimal | float | None, int, int, int, int]] = {
        int(b): (avg, int(n), int(g1 or 0), int(g2 or 0), int(g3 or 0))
        for b, avg, n, g1, g2, g3 in rows
    }
    out: list[SpeedBucket] = []
    for k, at in enumerate(starts):
        avg, n, smooth, slow, congested = found.get(k, (None, 0, 0, 0, 0))
        out.append(
            SpeedBucket(
                start=at,
                avg_speed=None if avg is None else round(float(avg), 1),
                readings=n,
                smooth=smooth,
                slow=slow,
                congested=congested,
            )
        )
    return out


async def incident_history(
    source: StoreLike,
    route_no: str,
    start: datetime,
    step: timedelta,
    count: int,
    *,
    directions: frozenset[str] | None = None,
) -> list[IncidentBucket]:
    """The incidents of a route (notices left out) by the bucket of their start
    (``occurred_at``); with ``directions``, only those whose direction text is one of them."""
    starts = buckets(start, step, count)
    span = _span(start, step, count)
    rows = []
    if span is not None:
        rows = await _fetch(
            source,
            "reading incident history",
            "SELECT occurred_at, direction, type_name FROM traffic_accidents "
            "WHERE category = 'incident' AND route_no = %s AND occurred_at >= %s "
            "AND occurred_at < %s",
            [route_no, *span],
        )
    counts: list[Counter[str]] = [Counter() for _ in starts]
    for occurred_at, direction, type_name in rows:
        if directions is not None and direction not in directions:
            continue
        k = _index(from_db_time(occurred_at), start, step)
        if 0 <= k < count:
            counts[k][type_name] += 1
    return [
        IncidentBucket(
            start=at,
            started=c.total(),
            by_type=dict(sorted(c.items(), key=lambda item: (-item[1], item[0]))),
        )
        for at, c in zip(starts, counts, strict=True)
    ]


async def tollgate_day(
    source: StoreLike, unit_code: str, start: datetime, step: timedelta, count: int
) -> TollgateDay | None:
    """A tollgate's volumes in ``count`` slots of ``step`` from ``start`` (a stored slot counts
    in the one it falls in); None when the tollgate is neither listed nor ever counted."""
    starts = buckets(start, step, count)
    span = _span(start, step, count)
    listed = await _fetch(
        source,
        "reading a tollgate",
        "SELECT unit_name, route_no, route_name FROM tollgates WHERE unit_code = %s",
        [unit_code],
    )
    rows = []
    if span is not None:
        rows = await _fetch(
            source,
            "reading a tollgate's day",
            "SELECT slot_at, SUM(traffic_amount), MAX(unit_name) FROM tollgate_traffic_history "
            "WHERE unit_code = %s AND slot_at >= %s AND slot_at < %s GROUP BY slot_at",
            [unit_code, *span],
        )
    if listed:
        name, route_no, route_name = listed[0]
    elif rows:
        name, route_no, route_name = rows[0][2], None, None
    else:
        counted = await _fetch(
            source,
            "reading a tollgate",
            "SELECT MAX(unit_name) FROM tollgate_traffic_history WHERE unit_code = %s",
            [unit_code],
        )
        if not counted or counted[0][0] is None:
            return None
        name, route_no, route_name = counted[0][0], None, None
    amounts: list[int | None] = [None] * count
    for slot_at, amount, _ in rows:
        k = _index(from_db_time(slot_at), start, step)
        if 0 <= k < count and amount is not None:
            amounts[k] = (amounts[k] or 0) + int(amount)
    return TollgateDay(
        unit_code=unit_code,
        unit_name=name,
        route_no=route_no,
        route_name=route_name,
        slots=[
            TollgateSlot(slot_at=at, traffic_amount=amount)
            for at, amount in zip(starts, amounts, strict=True)
        ],
    )
