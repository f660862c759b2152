"""Road flow (소통정보): KEC's ``odtraffic/trafficAmountByRealtime``, one row per VDS detector,
with the per-route summaries computed from each snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from trafficha.datasets.spec import (
    LIST,
    ROUTE_NO_PARAM,
    Dataset,
    Feed,
    Table,
    TableRows,
    pattern_param,
)
from trafficha.models.domain import RoadStatus, summarize_routes
from trafficha.models.stream import RoadBatch
from trafficha.providers.kec import parse_road_status
from trafficha.sim.wire import traffic_amount_rows

TABLE: Final = Table(
    name="road_traffic_status",
    columns=(
        "vds_id",
        "conzone_id",
        "conzone_name",
        "route_no",
        "route_name",
        "direction",
        "speed",
        "traffic_amount",
        "share_ratio",
        "time_avg",
        "grade",
        "std_at",
    ),
    key=("vds_id", "std_at"),
)

SUMMARY_TABLE: Final = Table(
    name="road_route_summary",
    columns=(
        "route_no",
        "route_name",
        "collected_at",
        "total_sections",
        "smooth_sections",
        "slow_sections",
        "congested_sections",
        "avg_speed",
        "avg_traffic_amount",
    ),
    key=("route_no", "collected_at"),
)


def _summaries(records: Sequence[RoadStatus]) -> dict[str, Any]:
    return {"summaries": tuple(summarize_routes(records))}


def _table_rows(batch: RoadBatch) -> TableRows:
    readings: list[tuple[object, ...]] = [
        (
            r.vds_id,
            r.conzone_id,
            r.conzone_name,
            r.route_no,
            r.route_name,
            r.direction,
            r.speed,
            r.traffic_amount,
            r.share_ratio,
            r.time_avg,
            r.grade,
            r.std_at,
        )
        for r in batch.records
    ]
    summaries: list[tuple[object, ...]] = [
        (
            s.route_no,
            s.route_name,
            s.collected_at,
            s.total_sections,
            s.smooth_sections,
            s.slow_sections,
            s.congested_sections,
            s.avg_speed,
            s.avg_traffic_amount,
        )
        for s in batch.summaries
    ]
    return [(TABLE, readings), (SUMMARY_TABLE, summaries)]


ROAD_STATUS: Final[Dataset[RoadStatus]] = Dataset(
    kind="road",
    endpoint="road",
    title="소통정보 (road flow by VDS)",
    feed=Feed(
        path="/openapi/odtraffic/trafficAmountByRealtime",
        list_key="list",
        # Recorded without paging keys: the whole snapshot comes in one list.
        keys=("code", "message", "count", LIST),
        max_rows=0,
        # The VDS feed answers its whole snapshot in one page when asked for enough.
        page_rows=10_000,
    ),
    parse=parse_road_status,
    batch_type=RoadBatch,
    batch_extras=_summaries,
    table_rows=_table_rows,
    url_setting="road_status_api_url",
    key=lambda s: s.road_status_key,
    interval=lambda s: s.road_status_collect_interval,
    proxy_ttl=lambda s: s.proxy_road_status_ttl,
    cache_table="cache_road_status",
    proxy_params=(
        ROUTE_NO_PARAM,
        pattern_param("updownTypeCode", r"[SE]", "S or E", fold=str.upper),
    ),
    sim_records=lambda request: request.world.road_status_at(request.now),
    wire_rows=lambda rows, page: traffic_amount_rows(rows),
)
