"""Incidents (돌발상황): KEC's ``burstInfo/realTimeSms``, collected every few seconds."""

from __future__ import annotations

from typing import Final

from trafficha.datasets.spec import (
    LIST,
    PAGING_KEYS,
    STATUS_KEYS,
    Dataset,
    Feed,
    SimRequest,
    Table,
    TableRows,
    fresh,
    pattern_param,
)
from trafficha.models.domain import Accident
from trafficha.models.stream import AccidentBatch
from trafficha.providers.kec import parse_accidents
from trafficha.sim.wire import sms_rows

TABLE: Final = Table(
    name="traffic_accidents",
    columns=(
        "incident_key",
        "occurred_at",
        "route_no",
        "route_name",
        "direction",
        "type_code",
        "type_name",
        "sms_text",
        "process_code",
        "process_name",
        "point_name",
        "lat",
        "lon",
        "late_length_km",
        "lanes_blocked",
        "shoulder_blocked",
        "source",
        "first_seen_at",
        "last_seen_at",
    ),
    key=("incident_key",),
    # Assignments run left to right and see earlier ones: last_seen_at must come last.
    updates=(
        *(
            fresh(c)
            for c in (
                "sms_text",
                "process_code",
                "process_name",
                "lanes_blocked",
                "shoulder_blocked",
                "late_length_km",
                "type_name",
            )
        ),
        *(
            f"{c} = IF(VALUE(last_seen_at) >= last_seen_at AND VALUE(lat) IS NOT NULL"
            f" AND VALUE(lon) IS NOT NULL, VALUE({c}), {c})"
            for c in ("lat", "lon")
        ),
        "last_seen_at = GREATEST(last_seen_at, VALUE(last_seen_at))",
    ),
)


def _table_rows(batch: AccidentBatch) -> TableRows:
    seen = batch.fetched_at
    rows: list[tuple[object, ...]] = [
        (
            a.incident_key,
            a.occurred_at,
            a.route_no,
            a.route_name,
            a.direction,
            a.type_code,
            a.type_name,
            a.sms_text,
            a.process_code,
            a.process_name,
            a.point_name,
            a.lat,
            a.lon,
            a.late_length_km,
            a.lanes_blocked,
            a.shoulder_blocked,
            batch.source,
            seen,
            seen,
        )
        for a in batch.records
    ]
    return [(TABLE, rows)]


def _sim_records(request: SimRequest) -> list[Accident]:
    incidents = request.world.incidents_at(request.now)  # oldest first, KEC's default order
    if request.params.get("sortType", "").strip().lower() == "desc":
        incidents.reverse()
    return incidents


ACCIDENTS: Final[Dataset[Accident]] = Dataset(
    kind="accidents",
    endpoint="accidents",
    title="돌발상황 (incidents)",
    feed=Feed(
        path="/openapi/burstInfo/realTimeSms",
        list_key="realTimeSMSList",
        keys=(*PAGING_KEYS, LIST, *STATUS_KEYS),
        # Recorded: seed asked 1000 rows and received 99.
        max_rows=99,
        params={"sortType": "desc", "pagingYn": "Y"},
        page_rows=99,
    ),
    parse=parse_accidents,
    batch_type=AccidentBatch,
    table_rows=_table_rows,
    url_setting="real_openapi_url",
    key=lambda s: s.real_openapi_key,
    interval=lambda s: s.collect_interval,
    proxy_ttl=lambda s: s.proxy_accidents_ttl,
    cache_table="cache_accidents",
    proxy_params=(
        pattern_param("sortType", r"asc|desc", "asc or desc", fold=str.lower),
        pattern_param("pagingYn", r"[YN]", "Y or N", fold=str.upper),
        pattern_param("accTypeCode", r"[0-9]{1,3}", "a type code of 1 to 3 digits"),
    ),
    sim_records=_sim_records,
    wire_rows=lambda rows, page: sms_rows(rows, first_series=page.first_row),
    incidents=True,
)
