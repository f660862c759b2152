"""Read queries of the stored travel times (``travel_times``): each pair's latest 5-minute slot
with the same hour on earlier days, and the pairs there are.

"Current" is relative to the newest slot stored, not to the clock, as the tollgate reads are: a
store that stopped receiving still answers with what it last had, and says when it was. The
hour's own rows (``slot_minutes`` 60) are not read: in KEC's recorded answer their average is
not the mean of their slots, so comparisons are made from the 5-minute rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any, Final

import msgspec

from trafficha.datasets.travel_time import TravelTime
from trafficha.kst import to_kst
from trafficha.store.db import from_db_time, to_db_time
from trafficha.store.queries import StoreLike, _fetch, _micros

__all__ = [
    "CURRENT_WINDOW",
    "EARLIER_DAYS",
    "LatestTravelTime",
    "SameHour",
    "TravelPair",
    "latest_travel_times",
    "travel_time_pairs",
]

CURRENT_WINDOW: Final = timedelta(hours=3)
"""A pair is listed while its newest slot is at most this older than the newest slot stored: long
enough for a pair nobody drives at night, short enough that the reads scan little (a day of
every pair's slots is hundreds of thousands of rows)."""
EARLIER_DAYS: Final = 7
"""How many earlier days the same hour is compared over."""

_COLUMNS: Final = (
    "t.start_unit_code, t.start_unit_name, t.end_unit_code, t.end_unit_name, t.basis, "
    "t.basis_name, t.car_type, t.car_type_name, t.car_div_code, t.car_div_name, t.slot_at, "
    "t.slot_minutes, t.time_avg, t.time_min, t.time_max, t.vehicles"
)
# The filters, each off when its value is NULL (the same value twice: MariaDB's placeholders are
# positional).
_FILTERS: Final = (
    "(%s IS NULL OR {p}start_unit_code = %s) AND (%s IS NULL OR {p}end_unit_code = %s) "
    "AND (%s IS NULL OR {p}car_type = %s)"
)
_NEWEST: Final = "(SELECT MAX(slot_at) FROM travel_times WHERE slot_minutes = 5)"

PairKey = tuple[str, str, str, str]
"""start unit, end unit, vehicle class, basis"""


class SameHour(msgspec.Struct, frozen=True, kw_only=True):
    """One earlier day's average over the same clock hour (KST): the mean of its 5-minute
    averages, and how many slots it had."""

    day: date
    minutes: float
    slots: int


class LatestTravelTime(msgspec.Struct, frozen=True, kw_only=True):
    """A pair's newest 5-minute slot, and the same hour on each earlier day that has one
    (oldest first, at most :data:`EARLIER_DAYS` back)."""

    latest: TravelTime
    same_hour_earlier: list[SameHour]


class TravelPair(msgspec.Struct, frozen=True, kw_only=True):
    """A pair of tollgates with current travel times: its names, the vehicle classes measured
    and its newest slot."""

    start_unit_code: str
    start_unit_name: str
    end_unit_code: str
    end_unit_name: str
    car_types: list[str]
    latest_at: datetime


def _key(t: TravelTime) -> PairKey:
    return (t.start_unit_code, t.end_unit_code, t.car_type, t.basis)


def _filter_args(start: str | None, end: str | None, car_type: str | None) -> list[object]:
    return [start, start, end, end, car_type, car_type]


def _travel_time(row: tuple[Any, ...]) -> TravelTime:
    return TravelTime(
        start_unit_code=row[0],
        start_unit_name=row[1],
        end_unit_code=row[2],
        end_unit_name=row[3],
        basis=row[4],
        basis_name=row[5],
        car_type=row[6],
        car_type_name=row[7],
        car_div_code=row[8],
        car_div_name=row[9],
        slot_at=from_db_time(row[10]),
        slot_minutes=int(row[11]),
        time_avg=float(row[12]),
        time_min=None if row[13] is None else float(row[13]),
        time_max=None if row[14] is None else float(row[14]),
        vehicles=None if row[15] is None else int(row[15]),
    )


async def latest_travel_times(
    source: StoreLike,
    *,
    start: str | None = None,
    end: str | None = None,
    car_type: str | None = None,
    days: int = EARLIER_DAYS,
) -> list[LatestTravelTime]:
    """Each pair's newest 5-minute slot (per vehicle class and basis), of the pairs measured
    within :data:`CURRENT_WINDOW` of the newest slot stored, ordered by start, end, class and
    basis; ``start``, ``end`` and ``car_type`` (None: any) narrow them. Each comes with the
    same clock hour (KST) on each of the ``days`` days before its own that has slots stored.

    Two queries in all, whatever the number of pairs.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    filters = _filter_args(start, end, car_type)
    latest = await _newest(source, filters)
    earlier = await _same_hours(source, latest, filters, days) if latest and days else {}
    return [LatestTravelTime(latest=t, same_hour_earlier=earlier.get(_key(t), [])) for t in latest]


async def _newest(source: StoreLike, filters: list[object]) -> list[TravelTime]:
    """Each pair's newest 5-minute row (per class and basis) within :data:`CURRENT_WINDOW` of
    the newest slot stored. Each pair's newest slot is one dive into the natural key (MariaDB's
    loose index scan: ``slot_minutes`` is fixed, ``slot_at`` follows it), so the cost grows
    with the pairs, not with the rows stored."""
    rows = await _fetch(
        source,
        "reading travel times",
        f"SELECT {_COLUMNS} FROM travel_times t "  # noqa: S608 - constant SQL, values bound
        "JOIN (SELECT start_unit_code, end_unit_code, car_type, basis, MAX(slot_at) AS newest "
        f"FROM travel_times WHERE slot_minutes = 5 AND {_FILTERS.format(p='')} "
        "GROUP BY start_unit_code, end_unit_code, car_type, basis "
        f"HAVING newest >= {_NEWEST} - INTERVAL %s MICROSECOND) n "
        "ON t.start_unit_code = n.start_unit_code AND t.end_unit_code = n.end_unit_code "
        "AND t.car_type = n.car_type AND t.basis = n.basis AND t.slot_minutes = 5 "
        "AND t.slot_at = n.newest "
        "ORDER BY t.start_unit_code, t.end_unit_code, t.car_type, t.basis",
        [*filters, _micros(CURRENT_WINDOW)],
    )
    return [_travel_time(row) for row in rows]


def _hour_of(t: TravelTime) -> datetime:
    return to_kst(t.slot_at).replace(minute=0, second=0, microsecond=0)


async def _same_hours(
    source: StoreLike, latest: list[TravelTime], filters: list[object], days: int
) -> dict[PairKey, list[SameHour]]:
    """The same hour on earlier days, per pair: one grouped query over the hours wanted (a few
    distinct hours, however many pairs, since most pairs' newest slots share one)."""
    hours = {_hour_of(t) for t in latest}
    starts = sorted({hour - timedelta(days=n) for hour in hours for n in range(1, days + 1)})
    ranges = " OR ".join(["(slot_at >= %s AND slot_at < %s)"] * len(starts))
    bounds: list[object] = []
    for begin in starts:
        bounds += [to_db_time(begin), to_db_time(begin + timedelta(hours=1))]
    rows = await _fetch(
        source,
        "reading earlier travel times",
        # KST days and hours of UTC-stored times: shifted by the fixed +9 h (Korea has no DST).
        "SELECT start_unit_code, end_unit_code, car_type, basis, "  # noqa: S608 - constant SQL
        "DATE(slot_at + INTERVAL 9 HOUR), HOUR(slot_at + INTERVAL 9 HOUR), AVG(time_avg), "
        "COUNT(*) FROM travel_times WHERE slot_minutes = 5 AND "
        f"{_FILTERS.format(p='')} AND ({ranges}) "
        "GROUP BY start_unit_code, end_unit_code, car_type, basis, "
        "DATE(slot_at + INTERVAL 9 HOUR), HOUR(slot_at + INTERVAL 9 HOUR)",
        [*filters, *bounds],
    )
    found: dict[tuple[PairKey, date, int], SameHour] = {}
    for s, e, car, basis, day, hour, minutes, slots in rows:
        found[((s, e, car, basis), day, int(hour))] = SameHour(
            day=day, minutes=float(minutes), slots=int(slots)
        )
    out: dict[PairKey, list[SameHour]] = defaultdict(list)
    for t in latest:
        own = _hour_of(t)
        for n in range(days, 0, -1):  # oldest first
            wanted = own - timedelta(days=n)
            hit = found.get((_key(t), wanted.date(), wanted.hour))
            if hit is not None:
                out[_key(t)].append(hit)
    return out


async def travel_time_pairs(source: StoreLike) -> list[TravelPair]:
    """Every pair measured within :data:`CURRENT_WINDOW` of the newest slot stored, with its
    vehicle classes and newest slot (its names as that slot gives them), ordered by start and
    end code: what a client can ask ``latest_travel_times`` for."""
    pairs: dict[tuple[str, str], list[TravelTime]] = {}
    for t in await _newest(source, _filter_args(None, None, None)):
        pairs.setdefault((t.start_unit_code, t.end_unit_code), []).append(t)
    out = []
    for (start, end), rows in pairs.items():
        newest = max(rows, key=lambda t: t.slot_at)
        out.append(
            TravelPair(
                start_unit_code=start,
                start_unit_name=newest.start_unit_name,
                end_unit_code=end,
                end_unit_name=newest.end_unit_name,
                car_types=sorted({t.car_type for t in rows}),
                latest_at=newest.slot_at,
            )
        )
    return out
