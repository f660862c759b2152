"""Domain records back into KEC wire rows and whole KEC payloads, as data.ex.co.kr sends them.

This is the inverse of :mod:`trafficha.providers.kec`: every row built here parses back into the
record it came from (the simulator's round-trip tests hold it to that). The quirks are KEC's, on
purpose: numbers as strings (``"13"``), ``""`` for a missing number, ``trafficAmout``,
``altitude`` for the longitude, codes padded like a ``CHAR(4)`` column (``"101 "``), ``" "`` for
a blank place name, ``YYYY.MM.DD`` + ``HH:MM:SS`` on incidents and ``YYYYMMDD`` + ``HHMM``
elsewhere, 3-digit route numbers on ``locationinfoUnit`` and 4-digit ones on the other feeds,
``"message": null, "code": null`` on every SMS row, incident coordinates, congestion length
and ``seriesNM`` as JSON numbers, and ``null`` for a tollgate unit without a location.

Keys come in the order of the recorded responses: row structs declare their fields in wire
order (msgspec encodes in declaration order), and each dataset's
:class:`~trafficha.datasets.spec.Feed` lists its envelope keys in
the order that endpoint uses (``realTimeSMSList`` between the paging figures and ``message``;
``list`` first on ``locationinfoUnit``; ``code`` and ``message`` first on ``trafficIc`` and the
VDS feed).

Paging is KEC's: ``numOfRows`` rows per page (capped per feed), ``pageNo`` from 1, ``pageSize`` the
number of pages (``ceil(count / numOfRows)``), ``count`` the total rows. The VDS feed has no
paging keys at all: it answers its whole snapshot in one list.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final

import msgspec

from trafficha.datasets.spec import LIST, Feed, PageSpec
from trafficha.kst import to_kst
from trafficha.models.domain import Accident, RoadStatus, Tollgate, TollgateTraffic

__all__ = [
    "ERROR_MESSAGE",
    "SUCCESS_MESSAGE",
    "LocationUnitWire",
    "SmsWire",
    "TrafficAmountWire",
    "TrafficIcWire",
    "blocked_page",
    "document",
    "encode_json",
    "encode_xml",
    "error_document",
    "error_payload",
    "location_unit_rows",
    "page_spec",
    "payload",
    "route_no_3",
    "sms_rows",
    "traffic_amount_rows",
    "traffic_ic_rows",
    "unit_code_text",
]

SUCCESS_MESSAGE: Final = "인증키가 유효합니다."
ERROR_MESSAGE: Final = "인증키가 유효하지 않습니다."

# KEC keeps codes in CHAR(4) columns: "101" goes out as "101 ".
_CODE_WIDTH: Final = 4
# The portal writes locationinfoUnit coordinates with six decimals ("127.103200").
_COORD_DECIMALS: Final = 6


# --- wire rows (fields in the recorded key order) ------------------------------------------


class SmsWire(msgspec.Struct, kw_only=True, rename="camel"):
    """One ``realTimeSMSList`` row, keys in the order of the recorded response."""

    lane_yn1: str
    lane_yn2: str
    lane_yn3: str
    lane_yn4: str
    lane_yn5: str
    lane_yn6: str
    late_length: float | None
    acc_hour: str
    acc_date: str
    acc_type_code: str
    acc_type: str
    start_end_type_code: str
    sms_text: str
    acc_process_code: str
    acc_point_nm: str = msgspec.field(name="accPointNM")
    nosun_nm: str = msgspec.field(name="nosunNM")
    road_nm: str = msgspec.field(name="roadNM")
    acc_process_nm: str = msgspec.field(name="accProcessNM")
    latitude: float | None
    altitude: float | None  # the longitude, as KEC names it
    series_nm: int = msgspec.field(name="seriesNM")
    shldroad_yn: str
    # Every real row carries these two, always null.
    message: None = None
    code: None = None


class TrafficIcWire(msgspec.Struct, kw_only=True, rename="camel"):
    """One ``trafficIc`` row: every value a string, the volume under ``trafficAmout``."""

    ex_div_code: str
    ex_div_name: str
    unit_code: str
    unit_name: str
    inout_type: str
    inout_name: str
    tm_type: str
    tm_name: str
    tcs_type: str
    tcs_name: str
    car_type: str
    traffic_amout: str
    sum_date: str
    sum_tm: str


class TrafficAmountWire(msgspec.Struct, kw_only=True, rename="camel"):
    """One ``list`` row of ``trafficAmountByRealtime``: every value a string."""

    std_date: str
    std_hour: str
    vds_id: str
    conzone_id: str
    conzone_name: str
    route_no: str
    route_name: str
    updown_type_code: str
    speed: str
    traffic_amout: str
    share_ratio: str
    time_avg: str
    grade: str


class LocationUnitWire(msgspec.Struct, kw_only=True, rename="camel"):
    """One ``list`` row of ``locationinfoUnit``, with the per-row null paging keys KEC sends."""

    unit_name: str
    page_no: None = None
    num_of_rows: None = None
    unit_code: str
    route_no: str
    route_name: str
    # Longitude and latitude as six-decimal strings; null for the third of units KEC has no
    # location for (as recorded).
    x_value: str | None
    y_value: str | None


# --- field formatting -----------------------------------------------------------------------


def _number_text(value: int | None) -> str:
    return "" if value is None else str(value)


def unit_code_text(code: str) -> str:
    """A tollgate code as KEC pads it (``"101"`` -> ``"101 "``)."""
    return code.ljust(_CODE_WIDTH)


def route_no_3(route_no: str | None) -> str:
    """The 3-digit route number ``locationinfoUnit`` uses (``"0010"`` -> ``"001"``).

    A branch route (``"0552"``) has no 3-digit form; it keeps its 4 digits, which the parser
    accepts as well, rather than being folded into its main route.
    """
    if route_no is None:
        return ""
    if len(route_no) == 4 and route_no.endswith("0"):
        return route_no[:3]
    return route_no


def _coord_text(value: float | None) -> str | None:
    if value is None:
        return None
    text = f"{value:.{_COORD_DECIMALS}f}"
    # Six decimals is KEC's format; a value that needs more keeps them, so nothing is lost.
    return text if float(text) == value else repr(value)


def _flag(on: bool) -> str:
    return "Y" if on else "N"


# --- rows -----------------------------------------------------------------------------------


def sms_rows(accidents: Iterable[Accident], *, first_series: int = 1) -> list[SmsWire]:
    """``realTimeSMSList`` rows; ``seriesNM`` numbers them from ``first_series``."""
    rows = []
    for series, acc in enumerate(accidents, start=first_series):
        at = to_kst(acc.occurred_at)
        lanes = acc.lanes_blocked.ljust(6, "N")
        rows.append(
            SmsWire(
                lane_yn1=lanes[0],
                lane_yn2=lanes[1],
                lane_yn3=lanes[2],
                lane_yn4=lanes[3],
                lane_yn5=lanes[4],
                lane_yn6=lanes[5],
                late_length=acc.late_length_km,
                acc_hour=at.strftime("%H:%M:%S"),
                acc_date=at.strftime("%Y.%m.%d"),
                acc_type_code=acc.type_code,
                acc_type=acc.type_name,
                start_end_type_code=acc.direction,
                sms_text=acc.sms_text,
                acc_process_code=acc.process_code or "",
                # KEC leaves a blank place as a single space.
                acc_point_nm=acc.point_name or " ",
                nosun_nm=acc.route_no or "",
                road_nm=acc.route_name,
                acc_process_nm=acc.process_name or "",
                latitude=acc.lat,
                altitude=acc.lon,
                series_nm=series,
                shldroad_yn=_flag(acc.shoulder_blocked),
            )
        )
    return rows


def _date8(at: datetime) -> str:
    return to_kst(at).strftime("%Y%m%d")


def _hhmm(at: datetime) -> str:
    return to_kst(at).strftime("%H%M")


def traffic_ic_rows(records: Iterable[TollgateTraffic]) -> list[TrafficIcWire]:
    """``trafficIc`` rows."""
    return [
        TrafficIcWire(
            ex_div_code=r.ex_div_code,
            ex_div_name=r.ex_div_name,
            unit_code=unit_code_text(r.unit_code),
            unit_name=r.unit_name,
            inout_type=r.inout_type,
            inout_name=r.inout_name,
            tm_type=r.tm_type,
            tm_name=r.tm_name,
            tcs_type=r.tcs_type,
            tcs_name=r.tcs_name,
            car_type=r.car_type,
            traffic_amout=_number_text(r.traffic_amount),
            sum_date=_date8(r.slot_at),
            sum_tm=_hhmm(r.slot_at),
        )
        for r in records
    ]


def traffic_amount_rows(records: Iterable[RoadStatus]) -> list[TrafficAmountWire]:
    """``trafficAmountByRealtime`` rows."""
    return [
        TrafficAmountWire(
            std_date=_date8(r.std_at),
            std_hour=_hhmm(r.std_at),
            vds_id=r.vds_id,
            conzone_id=r.conzone_id,
            conzone_name=r.conzone_name,
            route_no=r.route_no,
            route_name=r.route_name,
            updown_type_code=r.direction,
            speed=_number_text(r.speed),
            traffic_amout=_number_text(r.traffic_amount),
            share_ratio=_number_text(r.share_ratio),
            time_avg=_number_text(r.time_avg),
            grade=str(r.grade),
        )
        for r in records
    ]


def location_unit_rows(tollgates: Iterable[Tollgate]) -> list[LocationUnitWire]:
    """``locationinfoUnit`` rows (``xValue`` is the longitude, ``yValue`` the latitude)."""
    return [
        LocationUnitWire(
            unit_name=t.unit_name,
            unit_code=unit_code_text(t.unit_code),
            route_no=route_no_3(t.route_no),
            route_name=t.route_name or " ",
            x_value=_coord_text(t.lon),
            y_value=_coord_text(t.lat),
        )
        for t in tollgates
    ]


# --- envelopes ------------------------------------------------------------------------------


def page_spec(feed: Feed, total: int, *, page_no: int | None, num_of_rows: int | None) -> PageSpec:
    """The page KEC would answer: ``numOfRows`` capped at the feed's maximum (and the maximum
    when absent or below 1), ``pageNo`` 1 when absent or below 1. A feed without paging answers
    everything on page 1.
    """
    if not feed.paging:
        return PageSpec(page_no=1, num_of_rows=max(total, 1), page_count=1, total=total)
    rows = feed.max_rows if num_of_rows is None or num_of_rows < 1 else num_of_rows
    rows = min(rows, feed.max_rows)
    page = 1 if page_no is None or page_no < 1 else page_no
    return PageSpec(page_no=page, num_of_rows=rows, page_count=math.ceil(total / rows), total=total)


def document(feed: Feed, rows: Sequence[object], page: PageSpec) -> dict[str, Any]:
    """The success envelope of one page, keys in the feed's order (rows as given: wire structs,
    or a recording's raw JSON rows)."""
    values: dict[str, Any] = {
        "count": page.total,
        "pageNo": page.page_no,
        "numOfRows": page.num_of_rows,
        "pageSize": page.page_count,
        "message": SUCCESS_MESSAGE,
        "code": "SUCCESS",
    }
    doc: dict[str, Any] = {}
    for key in feed.keys:
        if key == LIST:
            doc[feed.list_key] = list(rows)
        else:
            doc[key] = values[key]
    return doc


def error_document() -> dict[str, Any]:
    """KEC's answer to a bad or missing key (sent with HTTP 200)."""
    return {"code": "ERROR", "message": ERROR_MESSAGE}


def encode_json(doc: dict[str, Any]) -> bytes:
    """Compact JSON, keys in insertion order, non-ASCII as UTF-8 (as KEC sends it)."""
    return msgspec.json.encode(doc)


def error_payload() -> bytes:
    """The JSON bad-key answer."""
    return encode_json(error_document())


def payload(
    feed: Feed,
    rows: Sequence[msgspec.Struct],
    *,
    page_no: int,
    num_of_rows: int,
    total: int,
) -> bytes:
    """A whole JSON success payload for one page of ``rows`` (already sliced)."""
    page = PageSpec(
        page_no=page_no,
        num_of_rows=num_of_rows,
        page_count=math.ceil(total / num_of_rows) if num_of_rows > 0 else 0,
        total=total,
    )
    return encode_json(document(feed, rows, page))


def _xml_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return html.escape(str(value), quote=False)


def _xml_fields(mapping: dict[str, Any], list_key: str) -> list[str]:
    parts = []
    for key, value in mapping.items():
        if isinstance(value, list):
            # In KEC's XML every row is an element named after the list key.
            for row in value:
                # A replayed row is raw JSON; a built one a struct.
                fields = msgspec.json.decode(row) if isinstance(row, msgspec.Raw) else row
                inner = "".join(_xml_fields(msgspec.to_builtins(fields), list_key))
                parts.append(f"<{list_key}>{inner}</{list_key}>")
        else:
            parts.append(f"<{key}>{_xml_value(value)}</{key}>")
    return parts


def encode_xml(doc: dict[str, Any], list_key: str = "list") -> bytes:
    """A minimal XML rendering of a document, for clients that ask ``type=xml`` (or omit it).

    KEC's XML root element is not recorded; ``<data>`` is our choice. Envelope values and row
    fields become child elements in the same order as in JSON; null becomes an empty element.
    """
    body = "".join(_xml_fields(doc, list_key))
    return f'<?xml version="1.0" encoding="UTF-8"?><data>{body}</data>'.encode()


BLOCKED_TITLE: Final = "Request Blocked"


def blocked_page() -> bytes:
    """The WAF's HTML "Request Blocked" page some clients have met instead of JSON."""
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="UTF-8">'
        f"<title>{BLOCKED_TITLE}</title></head>\n<body><h1>{BLOCKED_TITLE}</h1>"
        "<p>The requested URL was rejected. Please consult with your administrator.</p>"
        "</body></html>\n"
    ).encode()
