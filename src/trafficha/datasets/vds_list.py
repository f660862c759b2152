"""VDS locations (VDS 위치): KEC's ``vdsinfo/vdsList``, reference data polled daily.

Where each detector of the road flow feed sits: its conzone (``czId``, the section
``trafficAmountByRealtime`` reports it under), its route and direction, and the chainage of the
zone it measures (``vdsStartShift``..``vdsEndShift``, kilometres from the route's origin). The
whole dataset lives in this module: the wire row, the record, the parser, the batch, the table
and the simulator's answer.

KEC documents the fields but no recording of the endpoint exists (see
``shared/reference/kec-openapi.md`` (e)), so the parser takes each value as a string or a
number, and chainages with or without a ``km`` suffix (``"105.30km"``). The GRS80 TM
coordinates (``grs80x``/``grs80y``) are not kept: the map places sections by the network.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Final

import msgspec

from trafficha.datasets.spec import (
    LIST,
    PAGING_KEYS,
    ROUTE_NO_PARAM,
    STATUS_KEYS,
    Dataset,
    Feed,
    PageSpec,
    SimRequest,
    Table,
    TableRows,
)
from trafficha.models.domain import Direction, Record
from trafficha.models.quarantine import Parsed
from trafficha.models.stream import StreamEntry
from trafficha.providers.kec import (
    WireValue,
    clean_text,
    km_or_none,
    normalize_route_no,
    parse_list,
    required_text,
    value_text,
)
from trafficha.sim.layout import detectors_of, section_infos

__all__ = ["VDS_LIST", "VdsListBatch", "VdsListWire", "VdsLocation", "parse_vds_list"]


class VdsListWire(msgspec.Struct, kw_only=True, rename="camel"):
    """One ``list`` row of ``vdsinfo/vdsList``, keys in KEC's documented order.

    The parser decodes any row with it (absent keys are None, unknown keys ignored); the
    simulator encodes its rows with it, every value a string as on KEC's other feeds.
    """

    vds_id: WireValue = None
    grs80x: WireValue = None
    grs80y: WireValue = None
    shift: WireValue = None  # the detector's own chainage
    vds_start_shift: WireValue = None
    vds_end_shift: WireValue = None
    route_no: WireValue = None  # 4 digits
    route_name: WireValue = None
    vds_code: WireValue = None
    vds_name: WireValue = None
    route_seq: WireValue = None
    direction_code: WireValue = None  # S toward the route's origin, E toward its end
    vds_length: WireValue = None
    roadgrade_code: WireValue = None
    roadgrade_name: WireValue = None
    equipment_belonging_code: WireValue = None
    equipment_belonging_name: WireValue = None
    cz_id: WireValue = None  # the conzone the detector reports under


class VdsLocation(Record, frozen=True, kw_only=True):
    """Where one VDS detector sits: its section, route, direction and zone chainage (km)."""

    vds_id: str
    conzone_id: str | None
    route_no: str | None
    route_name: str | None
    direction: Direction
    shift_km: float | None
    start_km: float | None
    end_km: float | None


class VdsListBatch(StreamEntry, frozen=True, kw_only=True, tag="vds"):
    """Every VDS detector's location: reference data, polled daily."""

    records: tuple[VdsLocation, ...]


# --- parsing ----------------------------------------------------------------------------------


def _direction(value: WireValue) -> Direction:
    code = clean_text(None if value is None else str(value)).upper()
    if code == "S":
        return "S"
    if code == "E":
        return "E"
    raise ValueError(f"directionCode is not S or E: {code!r}")


def _location(row: VdsListWire) -> VdsLocation:
    return VdsLocation(
        vds_id=required_text(value_text(row.vds_id), "vdsId"),
        conzone_id=value_text(row.cz_id),
        route_no=normalize_route_no(value_text(row.route_no)),
        route_name=value_text(row.route_name),
        direction=_direction(row.direction_code),
        shift_km=km_or_none(row.shift),
        start_km=km_or_none(row.vds_start_shift),
        end_km=km_or_none(row.vds_end_shift),
    )


def parse_vds_list(body: bytes) -> Parsed[VdsLocation]:
    """Parse ``vdsinfo/vdsList`` into VDS locations.

    Raises:
        ProviderAuthError: KEC rejected the key (HTTP 200 with ``code: "ERROR"``).
        ProviderPayloadError: the envelope is unusable (HTML or XML, bad JSON, no list); a row
            without its id or with a direction other than S/E is quarantined, not raised.
    """
    return parse_list(body, ("list",), VdsListWire, _location)


# --- the store ----------------------------------------------------------------------------------

TABLE: Final = Table(
    name="vds_locations",
    columns=(
        "vds_id",
        "conzone_id",
        "route_no",
        "route_name",
        "direction",
        "shift_km",
        "start_km",
        "end_km",
    ),
    key=("vds_id",),
)


def _table_rows(batch: VdsListBatch) -> TableRows:
    rows: list[tuple[object, ...]] = [
        (
            v.vds_id,
            v.conzone_id,
            v.route_no,
            v.route_name,
            v.direction,
            v.shift_km,
            v.start_km,
            v.end_km,
        )
        for v in batch.records
    ]
    return [(TABLE, rows)]


# --- the simulator ------------------------------------------------------------------------------


def _world_locations(request: SimRequest) -> list[VdsLocation]:
    """The world's detectors: a section's detectors split its chainage into equal zones."""
    cached = request.cache.get("vds_list")
    if isinstance(cached, list):
        return cached
    by_section = defaultdict(list)
    for detector in detectors_of(section_infos(request.world.network)):
        by_section[detector.info.section.conzone_id].append(detector)
    locations = []
    for detectors in by_section.values():
        info = detectors[0].info
        step = (info.end_km - info.start_km) / len(detectors)
        for n, detector in enumerate(detectors):
            start = round(info.start_km + n * step, 2)
            end = round(info.start_km + (n + 1) * step, 2)
            locations.append(
                VdsLocation(
                    vds_id=detector.vds_id,
                    conzone_id=info.section.conzone_id,
                    route_no=info.section.route_no,
                    route_name=info.section.route_name,
                    direction=info.section.direction,
                    shift_km=round((start + end) / 2, 2),
                    start_km=start,
                    end_km=end,
                )
            )
    request.cache["vds_list"] = locations
    return locations


def _sim_records(request: SimRequest) -> list[VdsLocation]:
    locations = _world_locations(request)
    route = request.params.get("routeNo", "").strip()
    if not route:
        return locations
    try:
        wanted = normalize_route_no(route)
    except ValueError:
        return []
    return [v for v in locations if v.route_no == wanted]


def _km_text(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _wire_rows(locations: Sequence[VdsLocation], page: PageSpec) -> list[VdsListWire]:
    rows = []
    for v in locations:
        length = None if v.start_km is None or v.end_km is None else abs(v.end_km - v.start_km)
        rows.append(
            VdsListWire(
                vds_id=v.vds_id,
                # The network models no coordinates, zone types, grades or owners: sent blank.
                grs80x="",
                grs80y="",
                shift=_km_text(v.shift_km),
                vds_start_shift=_km_text(v.start_km),
                vds_end_shift=_km_text(v.end_km),
                route_no=v.route_no or "",
                route_name=v.route_name or " ",
                vds_code="",
                vds_name="",
                route_seq="",
                direction_code=v.direction,
                vds_length=_km_text(length),
                roadgrade_code="",
                roadgrade_name="",
                equipment_belonging_code="",
                equipment_belonging_name="",
                cz_id=v.conzone_id or "",
            )
        )
    return rows


VDS_LIST: Final[Dataset[VdsLocation]] = Dataset(
    kind="vds",
    endpoint="vds",
    title="VDS 위치 (VDS locations)",
    feed=Feed(
        path="/openapi/vdsinfo/vdsList",
        list_key="list",
        keys=(*PAGING_KEYS, LIST, *STATUS_KEYS),
        max_rows=100,
    ),
    parse=parse_vds_list,
    batch_type=VdsListBatch,
    table_rows=_table_rows,
    url_setting="vds_list_api_url",
    key=lambda s: s.road_status_key,
    interval=lambda s: s.vds_list_interval,
    proxy_ttl=lambda s: s.proxy_vds_list_ttl,
    cache_table="cache_vds_list",
    proxy_params=(ROUTE_NO_PARAM,),
    sim_records=_sim_records,
    wire_rows=_wire_rows,
)
