"""The route list (노선 목록): KEC's ``roadEtcInfo/spinRouteList``, reference data polled daily.

Every expressway route KEC runs, by its 4-digit code (``routeCd`` ``"0010"``; ``routeNo`` is the
bare number, ``"1"``), with its official name (``routeNm`` 경부선: this feed has no
``routeName``), the chainage of its origin and end (``stptDstnc``, ``edpntDstnc``, km) and its
total length (``totExtnsDstne``). The learned network names the routes the built-in network
lacks after it. The whole dataset lives in this module: the wire row, the record, the parser,
the batch, the table and the simulator's answer.

No recording of the endpoint exists (see ``shared/reference/kec-openapi.md``, "Route list"), so
the parser takes each value as a string or a number, and distances with or without a ``km``
suffix. The collector asks for the routes in use (``useYn=Y``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Final

import msgspec

from trafficha.datasets.spec import (
    LIST,
    Dataset,
    Feed,
    PageSpec,
    SimRequest,
    Table,
    TableRows,
    pattern_param,
)
from trafficha.models.domain import Record
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

__all__ = ["ROUTE_LIST", "RouteInfo", "RouteListBatch", "RouteListWire", "parse_route_list"]

# The store keeps distances as DECIMAL(10,3): anything beyond is not a distance in km.
_MAX_KM: Final = 1_000_000.0


class RouteListWire(msgspec.Struct, kw_only=True, rename="camel"):
    """One ``list`` row of ``roadEtcInfo/spinRouteList``, keys in KEC's documented order.

    The parser decodes any row with it (absent keys are None, unknown keys ignored); the
    simulator encodes its rows with it, every value a string as on KEC's other feeds.
    """

    route_no: WireValue = None  # the bare route number, "1"
    route_cd: WireValue = None  # 4 digits, "0010"
    route_nm: WireValue = None  # the official name, 경부선
    stpt_dstnc: WireValue = None  # 기점이정: the origin's chainage
    edpnt_dstnc: WireValue = None  # 종점이정: the end's chainage
    tot_extns_dstne: WireValue = None  # 총연장: the total length
    use_yn: WireValue = None  # Y in use, N no longer


class RouteInfo(Record, frozen=True, kw_only=True):
    """One expressway route as KEC lists it: its number, official name, chainage and length
    (km), and whether it is in use (None when KEC does not say)."""

    route_no: str
    route_name: str
    start_km: float | None
    end_km: float | None
    length_km: float | None
    in_use: bool | None


class RouteListBatch(StreamEntry, frozen=True, kw_only=True, tag="routes"):
    """Every expressway route with its official name and length: reference data, polled daily."""

    records: tuple[RouteInfo, ...]


# --- parsing ----------------------------------------------------------------------------------


def _route_code(value: WireValue) -> str | None:
    """``routeCd``: a 4-digit code, its leading zeros restored when it came as a number."""
    text = value_text(value)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        raise ValueError(f"routeCd is not a route code: {text!r}")
    return text.zfill(4)


def _route_no(row: RouteListWire) -> str:
    code = _route_code(row.route_cd)
    if code is not None:
        return code
    try:
        number = normalize_route_no(value_text(row.route_no))
    except ValueError as exc:
        raise ValueError(f"routeNo: {exc}") from None
    if number is None:
        raise ValueError("routeCd and routeNo are missing")
    return number


def _km(value: WireValue, field: str) -> float | None:
    try:
        km = km_or_none(value)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None
    if km is not None and not -_MAX_KM < km < _MAX_KM:
        raise ValueError(f"{field} {km} is out of range")
    return km


def _in_use(value: WireValue) -> bool | None:
    flag = clean_text(None if value is None else str(value)).upper()
    if not flag:
        return None
    if flag in ("Y", "N"):
        return flag == "Y"
    raise ValueError(f"useYn is not Y or N: {flag!r}")


def _route(row: RouteListWire) -> RouteInfo:
    return RouteInfo(
        route_no=_route_no(row),
        route_name=required_text(value_text(row.route_nm), "routeNm"),
        start_km=_km(row.stpt_dstnc, "stptDstnc"),
        end_km=_km(row.edpnt_dstnc, "edpntDstnc"),
        length_km=_km(row.tot_extns_dstne, "totExtnsDstne"),
        in_use=_in_use(row.use_yn),
    )


def parse_route_list(body: bytes) -> Parsed[RouteInfo]:
    """Parse ``roadEtcInfo/spinRouteList`` into routes.

    Raises:
        ProviderAuthError: KEC rejected the key (HTTP 200 with ``code: "ERROR"``).
        ProviderPayloadError: the envelope is unusable (HTML or XML, bad JSON, no list); a row
            without a route number or name, or with a distance or ``useYn`` that is not one, is
            quarantined, not raised.
    """
    return parse_list(body, ("list",), RouteListWire, _route)


# --- the store ----------------------------------------------------------------------------------

TABLE: Final = Table(
    name="routes",
    columns=("route_no", "route_name", "start_km", "end_km", "length_km", "in_use"),
    key=("route_no",),
)


def _table_rows(batch: RouteListBatch) -> TableRows:
    rows: list[tuple[object, ...]] = [
        (r.route_no, r.route_name, r.start_km, r.end_km, r.length_km, r.in_use)
        for r in batch.records
    ]
    return [(TABLE, rows)]


# --- the simulator ------------------------------------------------------------------------------


def _world_routes(request: SimRequest) -> list[RouteInfo]:
    """The network's routes, their chainage along the waypoints as the VDS list measures it."""
    cached = request.cache.get("route_list")
    if isinstance(cached, list):
        return cached
    routes = []
    for route in request.world.network.routes:
        hops = itertools.pairwise(route.waypoints)
        length = round(sum(a.distance_km(b) for a, b in hops), 1)
        routes.append(
            RouteInfo(
                route_no=route.route_no,
                route_name=route.route_name,
                start_km=0.0,
                end_km=length,
                length_km=length,
                in_use=True,
            )
        )
    request.cache["route_list"] = routes
    return routes


def _sim_records(request: SimRequest) -> list[RouteInfo]:
    routes = _world_routes(request)
    wanted = request.params.get("useYn", "").strip().upper()
    if wanted in ("Y", "N"):
        return [r for r in routes if r.in_use is (wanted == "Y")]
    return routes


def _bare_number(route_no: str) -> str:
    """KEC's ``routeNo``: the route number without the branch digit (``0010`` -> ``1``)."""
    return str(int(route_no[:3])) if route_no.endswith("0") else route_no


def _km_text(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _wire_rows(routes: Sequence[RouteInfo], page: PageSpec) -> list[RouteListWire]:
    return [
        RouteListWire(
            route_no=_bare_number(r.route_no),
            route_cd=r.route_no,
            route_nm=r.route_name,
            stpt_dstnc=_km_text(r.start_km),
            edpnt_dstnc=_km_text(r.end_km),
            tot_extns_dstne=_km_text(r.length_km),
            use_yn="" if r.in_use is None else "Y" if r.in_use else "N",
        )
        for r in routes
    ]


ROUTE_LIST: Final[Dataset[RouteInfo]] = Dataset(
    kind="routes",
    endpoint="routes",
    title="노선 목록 (expressway routes)",
    feed=Feed(
        path="/openapi/roadEtcInfo/spinRouteList",
        list_key="list",
        # As documented: no paging keys, the whole list in one answer.
        keys=("code", "message", "count", LIST),
        max_rows=0,
        params={"useYn": "Y"},
        page_rows=1_000,
    ),
    parse=parse_route_list,
    batch_type=RouteListBatch,
    table_rows=_table_rows,
    url_setting="route_list_api_url",
    key=lambda s: s.road_status_key,
    interval=lambda s: s.route_list_interval,
    proxy_ttl=lambda s: s.proxy_route_list_ttl,
    cache_table="cache_route_list",
    proxy_params=(pattern_param("useYn", r"[YN]", "Y or N", fold=str.upper),),
    sim_records=_sim_records,
    wire_rows=_wire_rows,
)
