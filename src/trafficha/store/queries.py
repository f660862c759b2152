"""Read queries behind the data API: the original's five endpoints, as typed structs.

Each function takes a :class:`~trafficha.store.dedup.DedupStore` (or its aiomysql pool) and
returns msgspec structs with snake_case fields and aware KST times; no rows is an empty list.

Incidents and notices share ``traffic_accidents`` and are told apart by its ``category``
(:func:`~trafficha.models.domain.category_of`): incident reads and counts leave notices out,
:func:`latest_notices` serves them. A row is active while ``cleared_at`` is null, that is while
the latest poll lists it at a progress that does not close it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, TypeAlias

import aiomysql
import msgspec

from trafficha.kst import now_kst, to_kst
from trafficha.models.domain import Accident, Category, RouteSummary
from trafficha.store.db import connection, from_db_time, to_db_time
from trafficha.store.dedup import DedupStore

__all__ = [
    "MAX_LIMIT",
    "AccidentStats",
    "RoadSectionStatus",
    "StoreLike",
    "StoredAccident",
    "TollgateSeries",
    "TollgateSlot",
    "accident_stats",
    "latest_accidents",
    "latest_notices",
    "road_status",
    "road_summary",
    "tollgate_traffic",
]

MAX_LIMIT: Final = 1000
LATEST_WINDOW: Final = timedelta(hours=24)
BY_TYPE_WINDOW: Final = timedelta(hours=3)
TOLLGATE_WINDOW: Final = timedelta(hours=3)
ROAD_TOLERANCE: Final = timedelta(minutes=10)


class StoredAccident(Accident, frozen=True, kw_only=True):
    """An incident (or notice) as stored: the record plus its row id, source, sightings and
    when it cleared (None while the latest poll lists it at a progress that does not close it).
    """

    id: int
    source: str
    first_seen_at: datetime
    last_seen_at: datetime
    seen_count: int
    cleared_at: datetime | None

    @property
    def active(self) -> bool:
        """Whether it has not cleared."""
        return self.cleared_at is None


class AccidentStats(msgspec.Struct, frozen=True, kw_only=True):
    """Incident counts, notices left out: all stored, those that occurred today (the KST
    calendar day of their start), those active, those cleared today (KST), and those seen in
    the last 3 h by type; and the notices active."""

    total: int
    today: int
    active: int
    cleared_today: int
    notices: int
    by_type: dict[str, int]


class TollgateSlot(msgspec.Struct, frozen=True, kw_only=True):
    """A tollgate's volume in one 15-minute slot, summed over directions, payments and classes.

    ``traffic_amount`` is None when KEC reported no count for any row of the slot.
    """

    slot_at: datetime
    traffic_amount: int | None


class TollgateSeries(msgspec.Struct, frozen=True, kw_only=True):
    """A tollgate's recent volume series, newest slot first."""

    unit_code: str
    unit_name: str
    ex_div_name: str
    traffic_data: list[TollgateSlot]
    last_updated: datetime


class RoadSectionStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Current flow on one section (route, conzone, direction), over its detectors.

    Averages are over the detectors' latest valid readings; ``grade`` is the worst of them,
    ``vds_id`` the smallest detector id, ``std_at`` the newest reading time.
    """

    route_no: str
    route_name: str
    conzone_id: str
    conzone_name: str
    direction: str
    vds_id: str
    traffic_amount: float | None
    speed: float | None
    share_ratio: float | None
    time_avg: float | None
    grade: int
    std_at: datetime


StoreLike: TypeAlias = DedupStore | aiomysql.Pool
"""Where the queries read: a store, or an aiomysql pool whose sessions use UTC."""


def _pool(source: StoreLike) -> Any:
    return source.pool if isinstance(source, DedupStore) else source


def _avg(value: Decimal | float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _float(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _micros(value: timedelta) -> int:
    return value // timedelta(microseconds=1)


async def _fetch(
    source: StoreLike, doing: str, sql: str, args: Any = None
) -> list[tuple[Any, ...]]:
    async with connection(_pool(source), doing) as conn, conn.cursor() as cur:
        await cur.execute(sql, args)
        return list(await cur.fetchall())


_ACCIDENT_COLUMNS: Final = (
    "id, incident_key, occurred_at, route_no, route_name, direction, type_code, type_name, "
    "sms_text, process_code, process_name, point_name, lat, lon, late_length_km, lanes_blocked, "
    "shoulder_blocked, source, first_seen_at, last_seen_at, seen_count, cleared_at"
)


def _accident(row: tuple[Any, ...]) -> StoredAccident:
    return StoredAccident(
        id=int(row[0]),
        incident_key=row[1],
        occurred_at=from_db_time(row[2]),
        route_no=row[3],
        route_name=row[4],
        direction=row[5],
        type_code=row[6],
        type_name=row[7],
        sms_text=row[8],
        process_code=row[9],
        process_name=row[10],
        point_name=row[11],
        lat=_float(row[12]),
        lon=_float(row[13]),
        late_length_km=_float(row[14]),
        lanes_blocked=row[15],
        shoulder_blocked=bool(row[16]),
        source=row[17],
        first_seen_at=from_db_time(row[18]),
        last_seen_at=from_db_time(row[19]),
        seen_count=int(row[20]),
        cleared_at=None if row[21] is None else from_db_time(row[21]),
    )


async def latest_accidents(
    source: StoreLike,
    limit: int = 100,
    *,
    route_no: str | None = None,
    type_name: str | None = None,
    direction: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    category: Category = "incident",
    changed_since: datetime | None = None,
) -> list[StoredAccident]:
    """Incidents last seen in ``[since, until]``, active and cleared, newest ``occurred_at``
    first; notices only with ``category="notice"``; with ``changed_since``, only the rows whose
    shown content changed at or after it (``changed_at``).

    ``since`` defaults to 24 h before ``now`` (default: the current time); ``until`` to no
    bound. ``route_no``, ``type_name`` and ``direction`` filter exactly.

    Raises:
        ValueError: ``limit`` is outside 1..1000.
    """
    _check_limit(limit)
    start = since if since is not None else (now or now_kst()) - LATEST_WINDOW
    where = ["category = %s", "last_seen_at >= %s"]
    args: list[object] = [category, to_db_time(start)]
    if until is not None:
        where.append("last_seen_at <= %s")
        args.append(to_db_time(until))
    if changed_since is not None:
        where.append("changed_at >= %s")
        args.append(to_db_time(changed_since))
    for column, value in (
        ("route_no", route_no),
        ("type_name", type_name),
        ("direction", direction),
    ):
        if value is not None:
            where.append(f"{column} = %s")
            args.append(value)
    rows = await _fetch(
        source,
        "reading the latest accidents",
        # Only constant column names are joined in; every value is a placeholder.
        f"SELECT {_ACCIDENT_COLUMNS} FROM traffic_accidents WHERE {' AND '.join(where)} "  # noqa: S608
        "ORDER BY occurred_at DESC, last_seen_at DESC, id DESC LIMIT %s",
        [*args, limit],
    )
    return [_accident(row) for row in rows]


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be within 1..{MAX_LIMIT}, got {limit}")


async def latest_notices(
    source: StoreLike, limit: int = 100, *, changed_since: datetime | None = None
) -> list[StoredAccident]:
    """The notices (이벤트/홍보 and other announcements) the latest poll lists, newest
    ``occurred_at`` first; with ``changed_since``, the notices whose shown content changed at
    or after it, the cleared ones too (a dashboard drops those).

    Raises:
        ValueError: ``limit`` is outside 1..1000.
    """
    _check_limit(limit)
    where, args = "cleared_at IS NULL", []
    if changed_since is not None:
        where, args = "changed_at >= %s", [to_db_time(changed_since)]
    rows = await _fetch(
        source,
        "reading the notices",
        f"SELECT {_ACCIDENT_COLUMNS} FROM traffic_accidents "  # noqa: S608 - constant columns
        f"WHERE category = 'notice' AND {where} "
        "ORDER BY occurred_at DESC, id DESC LIMIT %s",
        [*args, limit],
    )
    return [_accident(row) for row in rows]


async def accident_stats(source: StoreLike, now: datetime | None = None) -> AccidentStats:
    """Incident counts at ``now`` (default: the current time), notices left out: all stored,
    those that occurred today (the KST calendar day of ``now``, by ``occurred_at``), those
    active, those cleared today, those seen in the 3 h before ``now`` by type (most frequent
    first); and the notices active."""
    at = to_kst(now) if now is not None else now_kst()
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    day = [to_db_time(midnight), to_db_time(midnight + timedelta(days=1))]
    async with connection(_pool(source), "reading accident stats") as conn, conn.cursor() as cur:
        # One session, one snapshot: the figures agree with each other.
        await cur.execute(
            "SELECT COALESCE(SUM(category = 'incident'), 0), "
            "COALESCE(SUM(category = 'incident' AND occurred_at >= %s AND occurred_at < %s), 0), "
            "COALESCE(SUM(category = 'incident' AND cleared_at IS NULL), 0), "
            "COALESCE(SUM(category = 'incident' AND cleared_at >= %s AND cleared_at < %s), 0), "
            "COALESCE(SUM(category = 'notice' AND cleared_at IS NULL), 0) "
            "FROM traffic_accidents",
            [*day, *day],
        )
        total, today, active, cleared_today, notices = await cur.fetchone()
        await cur.execute(
            "SELECT type_name, COUNT(*) FROM traffic_accidents "
            "WHERE category = 'incident' AND last_seen_at >= %s GROUP BY type_name",
            [to_db_time(at - BY_TYPE_WINDOW)],
        )
        by_type = sorted(await cur.fetchall(), key=lambda row: (-int(row[1]), row[0]))
    return AccidentStats(
        total=int(total),
        today=int(today),
        active=int(active),
        cleared_today=int(cleared_today),
        notices=int(notices),
        by_type={str(name): int(count) for name, count in by_type},
    )


async def tollgate_traffic(
    source: StoreLike, window: timedelta = TOLLGATE_WINDOW
) -> list[TollgateSeries]:
    """Per tollgate, the slot series from ``window`` before the newest slot stored up to it.

    Volumes are summed per slot over directions, payment types and vehicle classes. Tollgates
    come ordered by unit code, slots newest first.
    """
    if window <= timedelta(0):
        raise ValueError("window must be positive")
    rows = await _fetch(
        source,
        "reading tollgate traffic",
        "SELECT t.unit_code, t.slot_at, SUM(t.traffic_amount), MAX(t.unit_name), "
        "MAX(t.ex_div_name) FROM tollgate_traffic_history t "
        "JOIN (SELECT MAX(slot_at) AS newest FROM tollgate_traffic_history) n "
        "ON t.slot_at >= n.newest - INTERVAL %s MICROSECOND AND t.slot_at <= n.newest "
        "GROUP BY t.unit_code, t.slot_at ORDER BY t.unit_code, t.slot_at DESC",
        [_micros(window)],
    )
    series: list[TollgateSeries] = []
    for unit_code, slot_at, amount, unit_name, ex_div_name in rows:
        slot = TollgateSlot(
            slot_at=from_db_time(slot_at), traffic_amount=None if amount is None else int(amount)
        )
        if series and series[-1].unit_code == unit_code:
            series[-1].traffic_data.append(slot)
        else:
            series.append(
                TollgateSeries(
                    unit_code=unit_code,
                    unit_name=unit_name,
                    ex_div_name=ex_div_name,
                    traffic_data=[slot],
                    last_updated=slot.slot_at,
                )
            )
    return series


async def road_status(
    source: StoreLike, *, tolerance: timedelta = ROAD_TOLERANCE
) -> list[RoadSectionStatus]:
    """Current flow per section (route, conzone, direction), ordered by those.

    Each detector contributes its latest reading, if that reading is no more than ``tolerance``
    older than its route's latest reading, has a speed >= 0 and a grade > 0. With a tolerance
    of zero this is the original's view: the readings at each route's latest time. KEC's
    readings of one poll spread over a minute or two, hence the default of 10 minutes.
    """
    if tolerance < timedelta(0):
        raise ValueError("tolerance must not be negative")
    rows = await _fetch(
        source,
        "reading road status",
        "WITH route_latest AS (SELECT route_no, MAX(std_at) AS std_at "
        "  FROM road_traffic_status GROUP BY route_no), "
        "vds_latest AS (SELECT vds_id, MAX(std_at) AS std_at "
        "  FROM road_traffic_status GROUP BY vds_id) "
        "SELECT r.route_no, MAX(r.route_name), r.conzone_id, MAX(r.conzone_name), r.direction, "
        "MIN(r.vds_id), AVG(r.traffic_amount), AVG(r.speed), AVG(r.share_ratio), "
        "AVG(r.time_avg), MAX(r.grade), MAX(r.std_at) "
        "FROM road_traffic_status r "
        "JOIN vds_latest v ON v.vds_id = r.vds_id AND v.std_at = r.std_at "
        "JOIN route_latest l ON l.route_no = r.route_no "
        "WHERE r.std_at >= l.std_at - INTERVAL %s MICROSECOND AND r.speed >= 0 AND r.grade > 0 "
        "GROUP BY r.route_no, r.conzone_id, r.direction "
        "ORDER BY r.route_no, r.conzone_id, r.direction",
        [_micros(tolerance)],
    )
    return [
        RoadSectionStatus(
            route_no=row[0],
            route_name=row[1],
            conzone_id=row[2],
            conzone_name=row[3],
            direction=row[4],
            vds_id=row[5],
            traffic_amount=_avg(row[6]),
            speed=_avg(row[7]),
            share_ratio=_avg(row[8]),
            time_avg=_avg(row[9]),
            grade=int(row[10]),
            std_at=from_db_time(row[11]),
        )
        for row in rows
    ]


async def road_summary(
    source: StoreLike, *, tolerance: timedelta = ROAD_TOLERANCE
) -> list[RouteSummary]:
    """Each route's latest summary, ordered by route number.

    Routes whose latest summary is more than ``tolerance`` older than the newest summary of
    any route are left out (their data stopped). With a tolerance of zero this is the
    original's view: the summaries at the global latest time.
    """
    if tolerance < timedelta(0):
        raise ValueError("tolerance must not be negative")
    rows = await _fetch(
        source,
        "reading road summaries",
        "WITH route_latest AS (SELECT route_no, MAX(collected_at) AS collected_at "
        "  FROM road_route_summary GROUP BY route_no) "
        "SELECT s.route_no, s.route_name, s.collected_at, s.total_sections, s.smooth_sections, "
        "s.slow_sections, s.congested_sections, s.avg_speed, s.avg_traffic_amount "
        "FROM road_route_summary s "
        "JOIN route_latest l ON l.route_no = s.route_no AND l.collected_at = s.collected_at "
        "JOIN (SELECT MAX(collected_at) AS newest FROM road_route_summary) n "
        "WHERE s.collected_at >= n.newest - INTERVAL %s MICROSECOND "
        "ORDER BY s.route_no",
        [_micros(tolerance)],
    )
    return [
        RouteSummary(
            route_no=row[0],
            route_name=row[1],
            collected_at=from_db_time(row[2]),
            total_sections=int(row[3]),
            smooth_sections=int(row[4]),
            slow_sections=int(row[5]),
            congested_sections=int(row[6]),
            avg_speed=_float(row[7]),
            avg_traffic_amount=_float(row[8]),
        )
        for row in rows
    ]
