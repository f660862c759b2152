"""The tollgate list (영업소 위치): KEC's ``locationinfo/locationinfoUnit``, reference data."""

from __future__ import annotations

from typing import Final

from trafficha.datasets.spec import (
    LIST,
    PAGING_KEYS,
    ROUTE_NO_PARAM,
    STATUS_KEYS,
    UNIT_CODE_PARAM,
    Dataset,
    Feed,
    SimRequest,
    Table,
    TableRows,
)
from trafficha.models.domain import Tollgate
from trafficha.models.stream import TollgateListBatch
from trafficha.providers.kec import normalize_route_no, parse_tollgates
from trafficha.sim.wire import location_unit_rows

TABLE: Final = Table(
    name="tollgates",
    columns=("unit_code", "unit_name", "route_no", "route_name", "lat", "lon"),
    key=("unit_code",),
    updates=(
        "unit_name = VALUE(unit_name)",
        "route_no = COALESCE(VALUE(route_no), route_no)",
        "route_name = COALESCE(VALUE(route_name), route_name)",
        # A location KEC once gave is kept when a later list has none (a third have none).
        "lat = IF(VALUE(lat) IS NULL OR VALUE(lon) IS NULL, lat, VALUE(lat))",
        "lon = IF(VALUE(lat) IS NULL OR VALUE(lon) IS NULL, lon, VALUE(lon))",
    ),
)


def _table_rows(batch: TollgateListBatch) -> TableRows:
    rows: list[tuple[object, ...]] = [
        (t.unit_code, t.unit_name, t.route_no, t.route_name, t.lat, t.lon) for t in batch.records
    ]
    return [(TABLE, rows)]


def _sim_records(request: SimRequest) -> list[Tollgate]:
    gates = request.world.tollgates()
    route = request.params.get("routeNo", "").strip()
    if route:
        try:
            wanted = normalize_route_no(route)
        except ValueError:
            wanted = None
        gates = [g for g in gates if wanted is not None and g.route_no == wanted]
    unit = request.params.get("unitCode", "").strip()
    if unit:
        gates = [g for g in gates if g.unit_code == unit]
    return gates


TOLLGATE_LIST: Final[Dataset[Tollgate]] = Dataset(
    kind="tollgates",
    endpoint="locations",
    title="영업소 위치 (tollgate locations)",
    feed=Feed(
        path="/openapi/locationinfo/locationinfoUnit",
        list_key="list",
        keys=(LIST, *PAGING_KEYS, *STATUS_KEYS),
        max_rows=100,
    ),
    parse=parse_tollgates,
    batch_type=TollgateListBatch,
    table_rows=_table_rows,
    url_setting="tollgate_location_api_url",
    key=lambda s: s.tollgate_key,
    interval=lambda s: s.tollgate_list_interval,
    proxy_ttl=lambda s: s.proxy_tollgate_ttl,
    cache_table="cache_tollgate",
    proxy_params=(ROUTE_NO_PARAM, UNIT_CODE_PARAM),
    sim_records=_sim_records,
    wire_rows=lambda rows, page: location_unit_rows(rows),
)
