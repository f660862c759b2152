"""Incidents (돌발상황): KEC's ``burstInfo/realTimeSms``, collected every few seconds.

The feed lists what is current, so an incident is active while the latest poll lists it: each
batch stores its rows with their :attr:`~trafficha.models.domain.Accident.category` (notices
apart) and, for a closing progress (처리완료 …), the poll that first saw it closed; then it marks
every active row the newest poll did not list as cleared at that poll (:data:`CLEAR_UNLISTED`).
"""

from __future__ import annotations

from typing import Final

from trafficha.datasets.spec import (
    LIST,
    PAGING_KEYS,
    STATUS_KEYS,
    Dataset,
    Feed,
    SimRequest,
    Statement,
    Table,
    TableRows,
    fresh,
    pattern_param,
)
from trafficha.models.domain import Accident
from trafficha.models.stream import AccidentBatch
from trafficha.providers.kec import parse_accidents
from trafficha.sim.wire import sms_rows

# What a view shows of an incident besides its place: a sighting that changes one of these (or
# its place, or its clearing) moves ``changed_at``.
_CONTENT: Final = (
    "sms_text",
    "process_code",
    "process_name",
    "lanes_blocked",
    "shoulder_blocked",
    "late_length_km",
    "type_name",
    "category",
)
# An older sighting changes nothing; a closing one keeps the first clearing; one that is listed
# active after the row cleared makes it active again (only moving forward).
_CLEARED_AT: Final = (
    "CASE WHEN VALUE(last_seen_at) < last_seen_at THEN cleared_at"
    " WHEN VALUE(cleared_at) IS NOT NULL THEN COALESCE(cleared_at, VALUE(cleared_at))"
    " WHEN cleared_at IS NOT NULL AND VALUE(last_seen_at) <= cleared_at THEN cleared_at"
    " ELSE NULL END"
)
_SAME: Final = " AND ".join(
    (
        *(f"{c} <=> VALUE({c})" for c in _CONTENT),
        *(f"(VALUE({c}) IS NULL OR {c} <=> VALUE({c}))" for c in ("lat", "lon")),
        f"cleared_at <=> {_CLEARED_AT}",
    )
)

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
        "category",
        "source",
        "first_seen_at",
        "last_seen_at",
        "cleared_at",
        "changed_at",
    ),
    key=("incident_key",),
    # Assignments run left to right and see earlier ones: changed_at comes first (it compares
    # the stored row with the sighting), last_seen_at last, and cleared_at reads the stored
    # last_seen_at.
    updates=(
        "changed_at = IF(VALUE(last_seen_at) >= last_seen_at AND NOT (" + _SAME + "),"
        " VALUE(last_seen_at), changed_at)",
        *(fresh(c) for c in _CONTENT),
        *(
            f"{c} = IF(VALUE(last_seen_at) >= last_seen_at AND VALUE(lat) IS NOT NULL"
            f" AND VALUE(lon) IS NOT NULL, VALUE({c}), {c})"
            for c in ("lat", "lon")
        ),
        f"cleared_at = {_CLEARED_AT}",
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
            a.category,
            batch.source,
            seen,
            seen,
            seen if a.closing else None,
            seen,
        )
        for a in batch.records
    ]
    return [(TABLE, rows)]


CLEAR_UNLISTED: Final = (
    "UPDATE traffic_accidents t"
    " JOIN (SELECT GREATEST(COALESCE(MAX(last_seen_at), %s), %s) AS newest"
    " FROM traffic_accidents) n"
    " SET t.cleared_at = n.newest, t.changed_at = n.newest"
    " WHERE t.cleared_at IS NULL AND t.last_seen_at < n.newest"
)
"""Every active row the newest poll did not list is cleared at that poll's time.

After a batch's rows, the newest poll is this batch's (its ``fetched_at``, also when it listed
nothing: an empty feed clears everything) when batches arrive in order, which sweeps what it no
longer lists; or a newer one's (the newest ``last_seen_at``) when an old batch is applied late,
whose incidents the newer poll had already left out. A row cleared is never touched again here,
so a replay (which the ledger stops anyway) changes nothing."""


def _after_rows(batch: AccidentBatch) -> list[Statement]:
    return [(CLEAR_UNLISTED, (batch.fetched_at, batch.fetched_at))]


CHANGED_BY: Final = "SELECT COUNT(*) FROM traffic_accidents WHERE changed_at = %s"
"""The rows this batch inserted, updated or cleared: each took its poll's time as changed_at
(a late batch's own rows, which a newer poll had already seen, are not counted)."""


def _changed_rows(batch: AccidentBatch) -> Statement:
    return (CHANGED_BY, (batch.fetched_at,))


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
    after_rows=_after_rows,
    changed_rows=_changed_rows,
)
