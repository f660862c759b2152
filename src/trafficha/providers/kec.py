"""Parsing of KEC OpenAPI payloads into domain records.

KEC's quirks, handled here and nowhere else: ``altitude`` is the longitude; ``trafficAmout`` is
the volume; codes carry trailing spaces; numbers come as strings, ``""`` or null; dates come as
``YYYY.MM.DD`` + ``HH:MM:SS`` or ``YYYYMMDD`` + ``HHMM``, in KST; route numbers come in 3 digits
(``"001"``) or 4 (``"0010"``) and are normalized to 4; coordinates that are absent, zero or
outside Korea become None; the list sits under a key that differs per endpoint; a bad key is
HTTP 200 with ``code: "ERROR"``; a WAF may answer with an HTML page.

Every function takes the raw body and returns its records, with the rows it could not use
quarantined beside them (:class:`~trafficha.models.quarantine.Parsed`), or raises a
:class:`ProviderError`: :class:`ProviderAuthError` for a rejected key,
:class:`ProviderPayloadError` for a payload whose envelope is unusable. Nothing else escapes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final, TypeVar

import msgspec

from trafficha.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderPayloadError,
    ProviderUnavailableError,
)
from trafficha.kst import parse_kst
from trafficha.models.domain import (
    Accident,
    Direction,
    Grade,
    RoadStatus,
    Tollgate,
    TollgateTraffic,
    incident_key,
)
from trafficha.models.flow import flow_grade
from trafficha.models.quarantine import Parsed, RejectedRow, reason_of
from trafficha.models.upstream import (
    Envelope,
    LocationUnitRow,
    SmsRow,
    TrafficAmountRow,
    TrafficIcRow,
)
from trafficha.secrets import redact_url

__all__ = [
    "KOREA_BOUNDS",
    "Page",
    "ProviderAuthError",
    "ProviderError",
    "ProviderPayloadError",
    "ProviderUnavailableError",
    "WireValue",
    "clean_text",
    "count_or_none",
    "float_or_none",
    "int_or_none",
    "km_or_none",
    "korea_point",
    "normalize_route_no",
    "optional_text",
    "parse_accidents",
    "parse_list",
    "parse_page",
    "parse_road_status",
    "parse_tollgate_traffic",
    "parse_tollgates",
    "required_text",
    "value_text",
]

# Latitude and longitude box of South Korea (Jeju to the DMZ, Baengnyeong to Dokdo); the
# dashboard draws nothing outside it either.
KOREA_BOUNDS: Final = ((33.0, 39.0), (124.0, 132.0))

# List keys per dataset, the documented one first; KEC has moved lists between keys before.
SMS_KEYS: Final = ("realTimeSMSList", "list")
TRAFFIC_IC_KEYS: Final = ("trafficIc", "list")
TRAFFIC_AMOUNT_KEYS: Final = ("list",)
LOCATION_UNIT_KEYS: Final = ("list", "unitLists")

_EXCERPT_CHARS: Final = 160
INT_MAX: Final = 2_147_483_647  # the store's INT columns
# Fastest plausible VDS reading (km/h): beyond it a detector is broken, not a car fast.
_SPEED_MAX: Final = 250
_GRADES: Final[dict[int, Grade]] = {0: 0, 1: 1, 2: 2, 3: 3}
_DIRECTIONS: Final[dict[str, Direction]] = {"S": "S", "E": "E"}

RowT = TypeVar("RowT", bound=msgspec.Struct)
RecordT = TypeVar("RecordT")


class Page(msgspec.Struct, frozen=True, kw_only=True):
    """Paging figures of one response (``page_count`` is KEC's ``pageSize``)."""

    total_rows: int | None
    page_no: int | None
    page_count: int | None


def excerpt(body: bytes) -> str:
    """A short, single-line, key-free excerpt of a payload for errors and logs."""
    text = body[: _EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    text = " ".join(text.split())[:_EXCERPT_CHARS]
    return redact_url(text)


def _markup(body: bytes) -> str | None:
    """What markup a body that is not JSON is: XML (KEC's default ``type``) or an HTML page."""
    head = body.lstrip()[:256].lower()
    if head[:1] != b"<":
        return None
    return "an HTML page" if b"<html" in head or b"<!doctype html" in head else "XML"


def _decode(body: bytes, raw: bytes, into: Any, what: str) -> Any:
    """Decode ``raw`` (all or part of ``body``) as ``into``; every failure is a payload error.

    msgspec raises ``DecodeError`` for bad JSON and invalid UTF-8 inside a string,
    ``ValidationError`` for a wrong shape and ``RecursionError`` for very deep nesting: all three
    are the upstream's bytes, never our bug, so none may escape untyped.
    """
    try:
        return msgspec.json.decode(raw, type=into)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        markup = _markup(body)
        if markup is not None:
            message = f"upstream sent {markup} instead of JSON"
        elif isinstance(exc, RecursionError):
            message = f"{what} is nested too deeply"
        else:
            message = f"{what}: {exc}"
        raise ProviderPayloadError(message, excerpt=excerpt(body)) from None


def _envelope(body: bytes, list_keys: Sequence[str]) -> tuple[Envelope, msgspec.Raw | None]:
    """Validate the envelope; return it and the raw list (None when the list key is absent)."""
    doc = _decode(body, body, dict[str, msgspec.Raw], "not a KEC JSON object")
    env = _decode(body, body, Envelope, "not a KEC envelope")
    code = (env.code or "").strip()
    if code == "ERROR":
        message = (env.message or "").strip() or "key rejected"
        raise ProviderAuthError(f"upstream rejected the API key: {message}", excerpt=excerpt(body))
    if code != "SUCCESS":
        raise ProviderPayloadError(
            f"upstream answered code {env.code!r}, not SUCCESS", excerpt=excerpt(body)
        )
    raw = next((doc[k] for k in list_keys if k in doc), None)
    return env, raw


def _total(env: Envelope, body: bytes) -> int | None:
    try:
        return int_or_none(env.count)
    except ValueError as exc:
        raise ProviderPayloadError(f"count: {exc}", excerpt=excerpt(body)) from None


def _rows(body: bytes, list_keys: Sequence[str]) -> tuple[int, list[msgspec.Raw]]:
    """The page number and the raw rows of a success payload; each row is decoded on its own,
    so one row of another shape is that row's problem, not the page's."""
    env, raw = _envelope(body, list_keys)
    try:
        page = int_or_none(env.page_no) or 1
    except ValueError:
        page = 1  # the pager (parse_page) rejects it; the rows are still the rows
    if raw is None or bytes(raw) == b"null":
        # KEC omits the list on an empty result; a non-zero count without a list is broken.
        if _total(env, body) not in (None, 0):
            raise ProviderPayloadError(
                f"count {env.count} but no list under {list_keys[0]!r}", excerpt=excerpt(body)
            )
        return page, []
    rows: list[msgspec.Raw] = _decode(body, raw, list[msgspec.Raw], "the row list is not a list")
    return page, rows


def parse_list(
    body: bytes,
    list_keys: Sequence[str],
    row_type: type[RowT],
    build: Callable[[RowT], RecordT],
) -> Parsed[RecordT]:
    """The records of a success payload: its rows (under the first of ``list_keys`` present)
    each decoded as ``row_type`` and built into a record; the one parsing path of every dataset.

    A row that does not decode, or that ``build`` rejects (``ValueError``: a missing field, an
    unknown code, a value out of range), is quarantined in ``Parsed.rejected`` with the reason,
    and the other rows flow on.

    Raises:
        ProviderAuthError: KEC rejected the key (HTTP 200 with ``code: "ERROR"``).
        ProviderPayloadError: the envelope is unusable (HTML or XML, bad JSON, not a KEC
            envelope, no list where one is due); the error carries a key-free excerpt.
    """
    page, rows = _rows(body, list_keys)
    parsed: Parsed[RecordT] = Parsed()
    for index, raw in enumerate(rows):
        try:
            parsed.append(build(msgspec.json.decode(raw, type=row_type)))
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, ValueError) as exc:
            detail = str(exc) or type(exc).__name__
            parsed.rejected.append(
                RejectedRow(
                    page=page,
                    row=index,
                    reason=reason_of(detail),
                    detail=redact_url(detail[: _EXCERPT_CHARS * 2]),
                    excerpt=excerpt(bytes(raw)),
                )
            )
    return parsed


# --- field normalization -------------------------------------------------------------------


def clean_text(value: str | None) -> str:
    return (value or "").strip()


def optional_text(value: str | None) -> str | None:
    text = clean_text(value)
    # KEC fills blank places with " " or "/".
    return text if text and text != "/" else None


def required_text(value: str | None, field: str) -> str:
    text = clean_text(value)
    if not text:
        raise ValueError(f"{field} is missing")
    return text


def float_or_none(value: float | str | None) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", "")
        if not value or value == "-":  # KEC's blanks: "", " " and "-"
            return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None
    return number if math.isfinite(number) else None


def int_or_none(value: float | str | int | None) -> int | None:
    number = float_or_none(value)
    return None if number is None else round(number)


def count_or_none(
    value: float | str | int | None, field: str, *, sentinel: bool = False
) -> int | None:
    """A count or measure (volume, speed, share, seconds): a whole number from 0 to the store's
    INT maximum, else ``ValueError``. With ``sentinel``, ``-1`` is KEC's "no reading" (None).
    """
    number = int_or_none(value)
    if number is None or (sentinel and number == -1):
        return None
    if not 0 <= number <= INT_MAX:
        raise ValueError(f"{field} {number} is out of range 0..{INT_MAX}")
    return number


def normalize_route_no(value: str | None) -> str | None:
    """Normalize a KEC route number to its 4-digit form (``"001"``/``"1"`` -> ``"0010"``).

    Raises:
        ValueError: the value is not a route number.
    """
    text = clean_text(value)
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        raise ValueError(f"not a route number: {text!r}")
    # 4 digits are route x 10 + branch; shorter forms are the bare route number.
    return text if len(text) == 4 else f"{int(text):03d}0"


WireValue = str | float | None
"""A value of KEC's reference feeds (VDS list, route list): text or a number for one field."""


def value_text(value: WireValue) -> str | None:
    """A reference feed's value as text (None when blank): a number sent as a JSON number
    reads as KEC would have written it (``1``, not ``1.0``)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return None if value is None else optional_text(str(value))


def km_or_none(value: WireValue) -> float | None:
    """A distance in km, as a number or as text with or without a ``km`` suffix."""
    if isinstance(value, str):
        value = value.strip().removesuffix("km").removesuffix("KM")
    return float_or_none(value)


def korea_point(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    """The point if it lies in South Korea's box, else None (absent, zero and stray values)."""
    if lat is None or lon is None:
        return None
    (lat_min, lat_max), (lon_min, lon_max) = KOREA_BOUNDS
    if lat_min <= lat <= lat_max and lon_min <= lon <= lon_max:
        return (lat, lon)
    return None


def _point(lat: float | str | None, lon: float | str | None) -> tuple[float | None, float | None]:
    point = korea_point(float_or_none(lat), float_or_none(lon))
    return point if point else (None, None)


def _time(date: str | None, time: str | None, what: str) -> datetime:
    return parse_kst(required_text(date, f"{what} date"), required_text(time, f"{what} time"))


def _flag(value: str | None) -> str:
    return "Y" if clean_text(value).upper() == "Y" else "N"


# --- datasets -------------------------------------------------------------------------------


def _accident(row: SmsRow) -> Accident:
    occurred_at = _time(row.acc_date, row.acc_hour, "accDate/accHour")
    route_no = normalize_route_no(row.nosun_nm)
    direction = clean_text(row.start_end_type_code)
    type_code = clean_text(row.acc_type_code)
    point_name = optional_text(row.acc_point_nm)
    road = clean_text(row.road_nm)
    lat, lon = _point(row.latitude, row.altitude)
    lanes = "".join(
        _flag(v)
        for v in (
            row.lane_yn1,
            row.lane_yn2,
            row.lane_yn3,
            row.lane_yn4,
            row.lane_yn5,
            row.lane_yn6,
        )
    )
    return Accident(
        incident_key=incident_key(occurred_at, route_no or road, direction, type_code, point_name),
        occurred_at=occurred_at,
        route_no=route_no,
        route_name=road,
        direction=direction,
        type_code=type_code,
        type_name=clean_text(row.acc_type),
        sms_text=clean_text(row.sms_text),
        process_code=optional_text(row.acc_process_code),
        process_name=optional_text(row.acc_process_nm),
        point_name=point_name,
        lat=lat,
        lon=lon,
        late_length_km=float_or_none(row.late_length),
        lanes_blocked=lanes,
        shoulder_blocked=_flag(row.shldroad_yn) == "Y",
    )


def parse_accidents(body: bytes) -> Parsed[Accident]:
    """Parse ``burstInfo/realTimeSms`` into accidents (incidents of every type).

    Raises:
        ProviderAuthError: KEC rejected the key (HTTP 200 with ``code: "ERROR"``).
        ProviderPayloadError: the envelope is unusable (HTML or XML, bad JSON, no list); a row
            without its required fields or out of range is quarantined, not raised.
    """
    return parse_list(body, SMS_KEYS, SmsRow, _accident)


def _tollgate_traffic(row: TrafficIcRow) -> TollgateTraffic:
    return TollgateTraffic(
        unit_code=required_text(row.unit_code, "unitCode"),
        unit_name=clean_text(row.unit_name),
        ex_div_code=clean_text(row.ex_div_code),
        ex_div_name=clean_text(row.ex_div_name),
        inout_type=clean_text(row.inout_type),
        inout_name=clean_text(row.inout_name),
        tm_type=clean_text(row.tm_type),
        tm_name=clean_text(row.tm_name),
        tcs_type=clean_text(row.tcs_type),
        tcs_name=clean_text(row.tcs_name),
        car_type=clean_text(row.car_type),
        traffic_amount=count_or_none(row.traffic_amout, "trafficAmout"),
        slot_at=_time(row.sum_date, row.sum_tm, "sumDate/sumTm"),
    )


def parse_tollgate_traffic(body: bytes) -> Parsed[TollgateTraffic]:
    """Parse ``trafficapi/trafficIc`` into tollgate volumes per slot.

    Raises:
        ProviderAuthError: KEC rejected the key (HTTP 200 with ``code: "ERROR"``).
        ProviderPayloadError: the envelope is unusable (HTML or XML, bad JSON, no list); a row
            without its required fields or out of range is quarantined, not raised.
    """
    return parse_list(body, TRAFFIC_IC_KEYS, TrafficIcRow, _tollgate_traffic)


def _speed(value: float | str | None) -> int | None:
    """km/h; KEC's ``-1`` ("no reading", beside grade 0) is kept: the store's averages skip it."""
    if int_or_none(value) == -1:
        return -1
    speed = count_or_none(value, "speed")
    if speed is not None and speed > _SPEED_MAX:
        raise ValueError(f"speed {speed} is beyond {_SPEED_MAX} km/h")
    return speed


def _road_status(row: TrafficAmountRow) -> RoadStatus:
    direction = _DIRECTIONS.get(clean_text(row.updown_type_code).upper())
    if direction is None:
        raise ValueError(f"updownTypeCode {row.updown_type_code!r} is not S or E")
    grade_no = int_or_none(row.grade)
    reported = _GRADES.get(grade_no if grade_no is not None else 0)
    if reported is None:
        raise ValueError(f"grade {row.grade!r} is not 0..3")
    speed = _speed(row.speed)
    route_no = normalize_route_no(row.route_no)
    if route_no is None:
        raise ValueError("routeNo is missing")
    return RoadStatus(
        vds_id=required_text(row.vds_id, "vdsId"),
        conzone_id=required_text(row.conzone_id, "conzoneId"),
        conzone_name=clean_text(row.conzone_name),
        route_no=route_no,
        route_name=clean_text(row.route_name),
        direction=direction,
        speed=speed,
        traffic_amount=count_or_none(row.traffic_amout, "trafficAmout", sentinel=True),
        share_ratio=count_or_none(row.share_ratio, "shareRatio", sentinel=True),
        time_avg=count_or_none(row.time_avg, "timeAvg", sentinel=True),
        # From the speed, as every source grades (KEC's grade left 서행 out); KEC's 0 stands.
        grade=flow_grade(speed, reported),
        std_at=_time(row.std_date, row.std_hour, "stdDate/stdHour"),
    )


def parse_road_status(body: bytes) -> Parsed[RoadStatus]:
    """Parse ``odtraffic/trafficAmountByRealtime`` into VDS readings.

    Raises:
        ProviderAuthError: KEC rejected the key (HTTP 200 with ``code: "ERROR"``).
        ProviderPayloadError: the envelope is unusable (HTML or XML, bad JSON, no list); a row
            without its required fields or out of range is quarantined, not raised.
    """
    return parse_list(body, TRAFFIC_AMOUNT_KEYS, TrafficAmountRow, _road_status)


def _tollgate(row: LocationUnitRow) -> Tollgate:
    lat, lon = _point(row.y_value, row.x_value)
    return Tollgate(
        unit_code=required_text(row.unit_code, "unitCode"),
        unit_name=clean_text(row.unit_name),
        route_no=normalize_route_no(row.route_no),
        route_name=optional_text(row.route_name),
        lat=lat,
        lon=lon,
    )


def parse_tollgates(body: bytes) -> Parsed[Tollgate]:
    """Parse ``locationinfo/locationinfoUnit`` into tollgates with their locations.

    Raises:
        ProviderAuthError: KEC rejected the key (HTTP 200 with ``code: "ERROR"``).
        ProviderPayloadError: the envelope is unusable (HTML or XML, bad JSON, no list); a row
            without its required fields or out of range is quarantined, not raised.
    """
    return parse_list(body, LOCATION_UNIT_KEYS, LocationUnitRow, _tollgate)


def parse_page(body: bytes) -> Page:
    """The paging figures of a success payload (for adapters that loop over pages).

    Raises:
        ProviderError: the payload is not a success payload.
    """
    env, _ = _envelope(body, ())
    try:
        return Page(
            total_rows=int_or_none(env.count),
            page_no=int_or_none(env.page_no),
            page_count=int_or_none(env.page_size),
        )
    except ValueError as exc:
        raise ProviderPayloadError(f"paging figures: {exc}", excerpt=excerpt(body)) from None
