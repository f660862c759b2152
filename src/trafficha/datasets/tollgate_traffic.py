"""Tollgate volumes (영업소 교통량): KEC's ``trafficapi/trafficIc``, answering the last hour as
its four 15-minute slots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

import msgspec

from trafficha.datasets.spec import (
    LIST,
    PAGING_KEYS,
    UNIT_CODE_PARAM,
    Dataset,
    Feed,
    SimRequest,
    Table,
    TableRows,
    pattern_param,
)
from trafficha.models.domain import TollgateTraffic
from trafficha.models.stream import TollgateBatch
from trafficha.providers.kec import parse_tollgate_traffic
from trafficha.sim.wire import traffic_ic_rows
from trafficha.sim.world import TOLLGATE_DELAY, TOLLGATE_SLOT, TrafficWorld

TABLE: Final = Table(
    name="tollgate_traffic_history",
    columns=(
        "unit_code",
        "unit_name",
        "ex_div_code",
        "ex_div_name",
        "inout_type",
        "inout_name",
        "tm_type",
        "tm_name",
        "tcs_type",
        "tcs_name",
        "car_type",
        "traffic_amount",
        "slot_at",
    ),
    key=("unit_code", "slot_at", "inout_type", "tcs_type", "car_type", "ex_div_code", "tm_type"),
    updates=(
        # A count KEC reported once is not erased by a later blank.
        "traffic_amount = COALESCE(VALUE(traffic_amount), traffic_amount)",
        *(
            f"{c} = VALUE({c})"
            for c in ("unit_name", "ex_div_name", "inout_name", "tm_name", "tcs_name")
        ),
    ),
)


def _table_rows(batch: TollgateBatch) -> TableRows:
    rows: list[tuple[object, ...]] = [
        (
            t.unit_code,
            t.unit_name,
            t.ex_div_code,
            t.ex_div_name,
            t.inout_type,
            t.inout_name,
            t.tm_type,
            t.tm_name,
            t.tcs_type,
            t.tcs_name,
            t.car_type,
            t.traffic_amount,
            t.slot_at,
        )
        for t in batch.records
    ]
    return [(TABLE, rows)]


# --- as the simulator serves it -------------------------------------------------------------

_HOURLY_SLOTS: Final = int(timedelta(hours=1) / TOLLGATE_SLOT)
_IC_FILTERS: Final[dict[str, Callable[[TollgateTraffic], str]]] = {
    "inoutType": lambda r: r.inout_type,
    "tcsType": lambda r: r.tcs_type,
    "carType": lambda r: r.car_type,
    "unitCode": lambda r: r.unit_code,
    "exDivCode": lambda r: r.ex_div_code,
}


def _sim_records(request: SimRequest) -> list[TollgateTraffic]:
    # 2 (15 minutes) and 3 both answer the last hour as its four 15-minute slots, as KEC does.
    tm_type = request.params.get("tmType", "").strip() or "2"
    if tm_type in ("2", "3"):
        records = request.world.tollgate_hour_at(request.now)
    elif tm_type == "1":
        records = _hourly_traffic(request.world, request.now, request.cache)
    else:
        records = []
    wanted = {
        name: value for name in _IC_FILTERS if (value := request.params.get(name, "").strip())
    }
    if not wanted:
        return records
    return [r for r in records if all(_IC_FILTERS[n](r) == v for n, v in wanted.items())]


def _hourly_traffic(
    world: TrafficWorld, now: datetime, cache: dict[str, object]
) -> list[TollgateTraffic]:
    """Per-hour sums of the latest hour whose four 15-minute slots are all published."""
    latest = world.tollgate_traffic_at(now)
    if not latest:
        return []
    last_slot = latest[0].slot_at
    cached = cache.get("hourly")
    if isinstance(cached, tuple) and cached[0] == last_slot:
        rows: list[TollgateTraffic] = cached[1]
        return rows
    hour = (last_slot - (_HOURLY_SLOTS - 1) * TOLLGATE_SLOT).replace(
        minute=0, second=0, microsecond=0
    )
    sums: dict[tuple[str, ...], TollgateTraffic] = {}
    amounts: dict[tuple[str, ...], int | None] = {}
    for n in range(_HOURLY_SLOTS):
        slot = hour + n * TOLLGATE_SLOT
        # The slot starting at `slot` is the latest one published a slot plus the delay later.
        for r in world.tollgate_traffic_at(slot + TOLLGATE_SLOT + TOLLGATE_DELAY):
            key = (r.unit_code, r.ex_div_code, r.inout_type, r.tcs_type, r.car_type)
            sums.setdefault(key, r)
            if r.traffic_amount is not None:
                amounts[key] = (amounts.get(key) or 0) + r.traffic_amount
            else:
                amounts.setdefault(key, None)
    rows = [
        msgspec.structs.replace(
            r, tm_type="1", tm_name="1시간", slot_at=hour, traffic_amount=amounts[key]
        )
        for key, r in sums.items()
    ]
    cache["hourly"] = (last_slot, rows)
    return rows


TOLLGATE_TRAFFIC: Final[Dataset[TollgateTraffic]] = Dataset(
    kind="tollgate",
    endpoint="tollgate",
    title="영업소 교통량 (tollgate volumes)",
    feed=Feed(
        path="/openapi/trafficapi/trafficIc",
        list_key="trafficIc",
        keys=("code", "message", *PAGING_KEYS, LIST),
        # Recorded: numOfRows=100 honoured (1869 rows in 19 pages); nothing larger is known.
        max_rows=100,
        params={"tmType": "2"},
    ),
    parse=parse_tollgate_traffic,
    batch_type=TollgateBatch,
    table_rows=_table_rows,
    url_setting="tollgate_api_url",
    key=lambda s: s.tollgate_key,
    interval=lambda s: s.tollgate_collect_interval,
    proxy_ttl=lambda s: s.proxy_tollgate_ttl,
    cache_table="cache_tollgate",
    proxy_params=(
        pattern_param("tmType", r"[1-3]", "1 (1 hour), 2 (15 minutes) or 3"),
        pattern_param("inoutType", r"[01]", "0 (entry) or 1 (exit)"),
        pattern_param("tcsType", r"[12]", "1 (TCS) or 2 (hi-pass)"),
        pattern_param("carType", r"[1-8]", "a vehicle class from 1 to 8"),
        pattern_param("exDivCode", r"[0-9]{2}", "a 2-digit operator code"),
        UNIT_CODE_PARAM,
    ),
    sim_records=_sim_records,
    wire_rows=lambda rows, page: traffic_ic_rows(rows),
)
