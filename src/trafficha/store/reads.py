"""Read queries of the data API beyond the original's five (those are in :mod:`.queries`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

import msgspec

from trafficha.datasets.route_list import RouteInfo
from trafficha.datasets.vds_list import VdsLocation
from trafficha.models.domain import Direction, Tollgate
from trafficha.store.db import from_db_time, to_db_time
from trafficha.store.queries import StoreLike, TollgateSlot, _fetch, _float, _micros

__all__ = [
    "CONZONE_WINDOW",
    "SERIES_WINDOW",
    "StoredConzone",
    "TollgateVolumes",
    "road_conzones",
    "route_list",
    "tollgate_locations",
    "tollgate_volumes",
    "vds_locations",
]

SERIES_WINDOW: Final = timedelta(hours=3)
CONZONE_WINDOW: Final = timedelta(days=1)


class TollgateVolumes(msgspec.Struct, frozen=True, kw_only=True):
    """A tollgate, where it is (None when KEC gave no location) and its recent slots."""

    unit_code: str
    unit_name: str
    route_no: str | None
    route_name: str | None
    lat: float | None
    lon: float | None
    series: list[TollgateSlot]
    """Oldest first; each slot summed over directions, payment types and vehicle classes."""

    @property
    def latest(self) -> TollgateSlot | None:
        return self.series[-1] if self.series else None


async def tollgate_volumes(
    source: StoreLike, window: timedelta = SERIES_WINDOW
) -> list[TollgateVolumes]:
    """Every known tollgate with its slots from ``window`` before the newest slot stored (for
    any tollgate) up to it, ordered by unit code.

    Known means listed in ``tollgates`` or having traffic in the window: a tollgate with
    traffic but no list row still appears (named after its traffic rows, without location).
    Two queries in all, whatever the number of tollgates.
    """
    if window <= timedelta(0):
        raise ValueError("window must be positive")
    listed = await _fetch(
        source,
        "reading tollgates",
        "SELECT unit_code, unit_name, route_no, route_name, lat, lon FROM tollgates",
    )
    slots = await _fetch(
        source,
        "reading tollgate volumes",
        "SELECT t.unit_code, t.slot_at, SUM(t.traffic_amount), MAX(t.unit_name) "
        "FROM tollgate_traffic_history t "
        "JOIN (SELECT MAX(slot_at) AS newest FROM tollgate_traffic_history) n "
        "ON t.slot_at >= n.newest - INTERVAL %s MICROSECOND AND t.slot_at <= n.newest "
        "GROUP BY t.unit_code, t.slot_at ORDER BY t.unit_code, t.slot_at",
        [_micros(window)],
    )
    series: dict[str, list[TollgateSlot]] = {}
    names: dict[str, str] = {}
    for unit_code, slot_at, amount, unit_name in slots:
        series.setdefault(unit_code, []).append(
            TollgateSlot(
                slot_at=from_db_time(slot_at),
                traffic_amount=None if amount is None else int(amount),
            )
        )
        names[unit_code] = unit_name
    gates: dict[str, TollgateVolumes] = {}
    for row in listed:
        gates[row[0]] = _gate(row, series.get(row[0], []))
    for unit_code, slots_of in series.items():
        if unit_code not in gates:
            gates[unit_code] = _gate(
                (unit_code, names[unit_code], None, None, None, None), slots_of
            )
    return [gates[code] for code in sorted(gates)]


def _gate(row: tuple[Any, ...], series: list[TollgateSlot]) -> TollgateVolumes:
    return TollgateVolumes(
        unit_code=row[0],
        unit_name=row[1],
        route_no=row[2],
        route_name=row[3],
        lat=_float(row[4]),
        lon=_float(row[5]),
        series=series,
    )


async def vds_locations(source: StoreLike, route_no: str | None = None) -> list[VdsLocation]:
    """Every VDS detector's location (of one route when ``route_no``, 4 digits, is given),
    ordered along each route: by route, direction and zone start."""
    rows = await _fetch(
        source,
        "reading VDS locations",
        "SELECT vds_id, conzone_id, route_no, route_name, direction, shift_km, start_km, end_km "
        "FROM vds_locations WHERE %s IS NULL OR route_no = %s "
        "ORDER BY route_no, direction, start_km, vds_id",
        [route_no, route_no],
    )
    return [
        VdsLocation(
            vds_id=row[0],
            conzone_id=row[1],
            route_no=row[2],
            route_name=row[3],
            direction=row[4],
            shift_km=_float(row[5]),
            start_km=_float(row[6]),
            end_km=_float(row[7]),
        )
        for row in rows
    ]


class StoredConzone(msgspec.Struct, frozen=True, kw_only=True):
    """A conzone as the road readings name it: the latest name seen for its id, and when."""

    conzone_id: str
    conzone_name: str
    route_no: str
    route_name: str
    direction: Direction
    last_seen_at: datetime


async def road_conzones(
    source: StoreLike, *, since: datetime | None = None, window: timedelta = CONZONE_WINDOW
) -> list[StoredConzone]:
    """The conzones of the road readings taken at ``since`` or later (by default: within
    ``window`` of the newest reading), ordered by id.

    A conzone read under several names or routes (a simulator's id that KEC also uses, a renamed
    zone) counts once, as its newest reading names it. One range scan of the reading-time index.
    """
    if window <= timedelta(0):
        raise ValueError("window must be positive")
    rows = await _fetch(
        source,
        "reading conzones",
        "SELECT r.conzone_id, r.conzone_name, r.route_no, r.route_name, r.direction, "
        "MAX(r.std_at) FROM road_traffic_status r WHERE r.std_at >= COALESCE(%s, "
        "(SELECT MAX(std_at) FROM road_traffic_status) - INTERVAL %s MICROSECOND) "
        "GROUP BY r.conzone_id, r.conzone_name, r.route_no, r.route_name, r.direction",
        [None if since is None else to_db_time(since), _micros(window)],
    )
    newest: dict[str, StoredConzone] = {}
    for conzone_id, name, route_no, route_name, direction, seen in rows:
        found = StoredConzone(
            conzone_id=conzone_id,
            conzone_name=name,
            route_no=route_no,
            route_name=route_name,
            direction="S" if direction == "S" else "E",
            last_seen_at=from_db_time(seen),
        )
        known = newest.get(conzone_id)
        if known is None or (found.last_seen_at, found.conzone_name) > (
            known.last_seen_at,
            known.conzone_name,
        ):
            newest[conzone_id] = found
    return [newest[c] for c in sorted(newest)]


async def tollgate_locations(source: StoreLike) -> list[Tollgate]:
    """Every listed tollgate (``tollgates``), with its location when KEC gave one, by code."""
    rows = await _fetch(
        source,
        "reading tollgate locations",
        "SELECT unit_code, unit_name, route_no, route_name, lat, lon FROM tollgates "
        "ORDER BY unit_code",
    )
    return [
        Tollgate(
            unit_code=row[0],
            unit_name=row[1],
            route_no=row[2],
            route_name=row[3],
            lat=_float(row[4]),
            lon=_float(row[5]),
        )
        for row in rows
    ]


async def route_list(source: StoreLike) -> list[RouteInfo]:
    """Every route of KEC's route list (``routes``), with its official name, by route number."""
    rows = await _fetch(
        source,
        "reading the route list",
        "SELECT route_no, route_name, start_km, end_km, length_km, in_use FROM routes "
        "ORDER BY route_no",
    )
    return [
        RouteInfo(
            route_no=row[0],
            route_name=row[1],
            start_km=_float(row[2]),
            end_km=_float(row[3]),
            length_km=_float(row[4]),
            in_use=None if row[5] is None else bool(row[5]),
        )
        for row in rows
    ]
