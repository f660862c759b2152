"""Travel time (영업소간 통행시간): KEC's ``trtm/realUnitTrtm``, polled every 5 minutes.

One row per start tollgate, end tollgate, vehicle class, time basis and slot: how long the
vehicles that made the trip took (``timeAvg``, ``timeMin``, ``timeMax``, in minutes, as text)
and how many were measured (``efcvTrfl``). The whole dataset lives in this module: the wire row,
the record, the parser, the batch, the table and the simulator's answer.

KEC's quirks, as recorded (``shared/kec-real/realUnitTrtm.json``): the list sits under
``realUnitTrtmVO``; ``numOfRows`` is capped at 99; unit codes carry a trailing space (``"101 "``);
every number is a string, the shortest and longest times with six decimals (``"7.050000"``);
``stdTime`` is ``"HH:MM"`` for a 5-minute slot and ``"HH  "`` for the hour's own row, sent
before the hour's slots (kept apart: ``slot_minutes`` 60); each row echoes the request
parameters as nulls (``pageNo``, ``iStartUnitCode`` …); ``startEndStdTypeCode`` ``"2"`` is
arrival-based time (도착기준통행시간), ``"1"`` departure-based. The shortest time may exceed the
average in KEC's rows: the parser does not order them.

The collector asks without a pair filter. The recorded answer is one pair's day so far; how
large KEC's unfiltered answer is has not been recorded (a client that paged it read hundreds of
pages): one beyond the real provider's page bound is a failed collection, to confirm with a key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final

import msgspec

from trafficha.datasets.spec import (
    LIST,
    PAGING_KEYS,
    STATUS_KEYS,
    Dataset,
    Feed,
    PageSpec,
    SimRequest,
    Table,
    TableRows,
    pattern_param,
)
from trafficha.kst import parse_kst, to_kst
from trafficha.models.domain import Record
from trafficha.models.quarantine import Parsed
from trafficha.models.stream import StreamEntry
from trafficha.providers.kec import (
    INT_MAX,
    WireValue,
    float_or_none,
    int_or_none,
    parse_list,
    value_text,
)
from trafficha.sim.travel import (
    TRAVEL_SLOTS_PER_ANSWER,
    TravelSample,
    TravelTimes,
    minutes_text,
    slot_of,
)
from trafficha.sim.wire import unit_code_text

__all__ = [
    "ARRIVAL",
    "DEPARTURE",
    "TRAVEL_TIME",
    "TravelTime",
    "TravelTimeBatch",
    "TravelTimeWire",
    "parse_travel_times",
]

ARRIVAL: Final = "2"  # 도착기준통행시간: the slot the vehicles arrived in
DEPARTURE: Final = "1"  # 출발기준통행시간: the slot they left in
ARRIVAL_NAME: Final = "도착기준통행시간"
LIST_KEYS: Final = ("realUnitTrtmVO", "list")
# No trip takes a day; beyond it a value is not a time in minutes (and the column is a DOUBLE).
_MAX_MINUTES: Final = 24 * 60
# Column widths of the table: a longer value would fail the whole batch in the store.
_CODE_CHARS: Final = 16
_TYPE_CHARS: Final = 8
_NAME_CHARS: Final = 100
_TYPE_NAME_CHARS: Final = 50
_HOUR_ROW: Final = re.compile(r"[0-9]{2}")
_SLOT_ROW: Final = re.compile(r"[0-9]{2}:?[0-9]{2}")


class TravelTimeWire(msgspec.Struct, kw_only=True, rename="camel"):
    """One ``realUnitTrtmVO`` row, keys in the recorded order.

    The parser decodes any row with it (absent keys are None, unknown keys ignored, a value as
    text or a number); the simulator encodes its rows with it, every value a string and the
    echoed request parameters null, as recorded.
    """

    page_no: WireValue = None
    num_of_rows: WireValue = None
    start_unit_code: WireValue = None
    end_unit_code: WireValue = None
    std_date: WireValue = None
    sum_tm_unit_type_code: WireValue = None
    start_end_std_type_code: WireValue = None
    time_avg: WireValue = None
    time_max: WireValue = None
    time_min: WireValue = None
    i_start_unit_code: WireValue = None
    i_end_unit_code: WireValue = None
    std_time: WireValue = None
    start_unit_nm: WireValue = None
    end_unit_nm: WireValue = None
    start_end_std_type_nm: WireValue = None
    tcs_car_type_name: WireValue = None
    tcs_car_type_code: WireValue = None
    tcs_car_type_div_name: WireValue = None
    tcs_car_type_div_code: WireValue = None
    efcv_trfl: WireValue = None
    i_start_end_std_type_code: WireValue = None


class TravelTime(Record, frozen=True, kw_only=True):
    """The travel time of one pair of tollgates, vehicle class, basis and slot (minutes).

    ``slot_at`` is the slot's start in KST, as KEC labels it; ``slot_minutes`` is 5, or 60 for
    the hour's own row (``stdTime`` ``"HH  "``). ``basis`` is ``startEndStdTypeCode``:
    :data:`ARRIVAL` or :data:`DEPARTURE`.
    """

    start_unit_code: str
    start_unit_name: str
    end_unit_code: str
    end_unit_name: str
    basis: str
    basis_name: str
    car_type: str
    car_type_name: str
    car_div_code: str
    car_div_name: str
    slot_at: datetime
    slot_minutes: int
    time_avg: float
    time_min: float | None
    time_max: float | None
    vehicles: int | None


class TravelTimeBatch(StreamEntry, frozen=True, kw_only=True, tag="travel_time"):
    """Tollgate-to-tollgate travel times of the latest published slots."""

    records: tuple[TravelTime, ...]


# --- parsing ----------------------------------------------------------------------------------


def _text(value: WireValue, field: str, limit: int, *, required: bool = False) -> str:
    text = value_text(value) or ""
    if required and not text:
        raise ValueError(f"{field} is missing")
    if len(text) > limit:
        raise ValueError(f"{field} is longer than {limit} characters")
    return text


def _slot(row: TravelTimeWire) -> tuple[datetime, int]:
    """``stdDate`` + ``stdTime``: a 5-minute slot (``"00:05"``) or the hour's row (``"00  "``)."""
    date = _text(row.std_date, "stdDate", _TYPE_CHARS, required=True)
    time = _text(row.std_time, "stdTime", _TYPE_CHARS, required=True)
    if _HOUR_ROW.fullmatch(time):
        return parse_kst(date, f"{time}00"), 60
    if _SLOT_ROW.fullmatch(time):
        return parse_kst(date, time), 5
    raise ValueError(f"stdTime {time!r} is neither HH:MM nor HH")


def _minutes(value: WireValue, field: str) -> float | None:
    try:
        minutes = float_or_none(value)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None
    if minutes is not None and not 0 <= minutes <= _MAX_MINUTES:
        raise ValueError(f"{field} {minutes} is out of range 0..{_MAX_MINUTES} minutes")
    return minutes


def _travel_time(row: TravelTimeWire) -> TravelTime:
    slot_at, slot_minutes = _slot(row)
    average = _minutes(row.time_avg, "timeAvg")
    if not average:
        raise ValueError("timeAvg is missing")
    try:
        vehicles = int_or_none(value_text(row.efcv_trfl))
    except ValueError as exc:
        raise ValueError(f"efcvTrfl: {exc}") from None
    if vehicles is not None and not 0 <= vehicles <= INT_MAX:
        raise ValueError(f"efcvTrfl {vehicles} is out of range 0..{INT_MAX}")
    return TravelTime(
        start_unit_code=_text(row.start_unit_code, "startUnitCode", _CODE_CHARS, required=True),
        start_unit_name=_text(row.start_unit_nm, "startUnitNm", _NAME_CHARS),
        end_unit_code=_text(row.end_unit_code, "endUnitCode", _CODE_CHARS, required=True),
        end_unit_name=_text(row.end_unit_nm, "endUnitNm", _NAME_CHARS),
        basis=_text(row.start_end_std_type_code, "startEndStdTypeCode", _TYPE_CHARS, required=True),
        basis_name=_text(row.start_end_std_type_nm, "startEndStdTypeNm", _TYPE_NAME_CHARS),
        car_type=_text(row.tcs_car_type_code, "tcsCarTypeCode", _TYPE_CHARS, required=True),
        car_type_name=_text(row.tcs_car_type_name, "tcsCarTypeName", _TYPE_NAME_CHARS),
        car_div_code=_text(row.tcs_car_type_div_code, "tcsCarTypeDivCode", _TYPE_CHARS),
        car_div_name=_text(row.tcs_car_type_div_name, "tcsCarTypeDivName", _TYPE_NAME_CHARS),
        slot_at=slot_at,
        slot_minutes=slot_minutes,
        time_avg=average,
        time_min=_minutes(row.time_min, "timeMin"),
        time_max=_minutes(row.time_max, "timeMax"),
        vehicles=vehicles,
    )


def parse_travel_times(body: bytes) -> Parsed[TravelTime]:
    """Parse ``trtm/realUnitTrtm`` into travel times.

    Raises:
        ProviderAuthError: KEC rejected the key (HTTP 200 with ``code: "ERROR"``).
        ProviderPayloadError: the envelope is unusable (HTML or XML, bad JSON, no list); a row
            without its codes, slot or average, with a time or count out of range, or with a
            value longer than its column is quarantined, not raised.
    """
    return parse_list(body, LIST_KEYS, TravelTimeWire, _travel_time)


# --- the store ----------------------------------------------------------------------------------

TABLE: Final = Table(
    name="travel_times",
    columns=(
        "start_unit_code",
        "start_unit_name",
        "end_unit_code",
        "end_unit_name",
        "basis",
        "basis_name",
        "car_type",
        "car_type_name",
        "car_div_code",
        "car_div_name",
        "slot_at",
        "slot_minutes",
        "time_avg",
        "time_min",
        "time_max",
        "vehicles",
    ),
    key=("start_unit_code", "end_unit_code", "car_type", "basis", "slot_minutes", "slot_at"),
)


def _table_rows(batch: TravelTimeBatch) -> TableRows:
    rows: list[tuple[object, ...]] = [
        (
            t.start_unit_code,
            t.start_unit_name,
            t.end_unit_code,
            t.end_unit_name,
            t.basis,
            t.basis_name,
            t.car_type,
            t.car_type_name,
            t.car_div_code,
            t.car_div_name,
            t.slot_at,
            t.slot_minutes,
            t.time_avg,
            t.time_min,
            t.time_max,
            t.vehicles,
        )
        for t in batch.records
    ]
    return [(TABLE, rows)]


# --- the simulator ------------------------------------------------------------------------------


def _record(sample: TravelSample) -> TravelTime:
    pair, car = sample.pair, sample.car
    return TravelTime(
        start_unit_code=pair.start.unit_code,
        start_unit_name=pair.start.unit_name,
        end_unit_code=pair.end.unit_code,
        end_unit_name=pair.end.unit_name,
        basis=ARRIVAL,
        basis_name=ARRIVAL_NAME,
        car_type=car.code,
        car_type_name=car.name,
        car_div_code=car.div_code,
        car_div_name=car.div_name,
        slot_at=sample.slot_at,
        slot_minutes=sample.minutes,
        time_avg=sample.time_avg,
        time_min=float(sample.time_min),
        time_max=float(sample.time_max),
        vehicles=sample.vehicles,
    )


def _times(request: SimRequest) -> TravelTimes:
    cached = request.cache.get("travel_time")
    if isinstance(cached, TravelTimes) and cached.world is request.world:
        return cached
    times = TravelTimes(request.world)
    request.cache["travel_time"] = times
    return times


def _param(request: SimRequest, *names: str) -> str:
    return next((v.strip() for n in names if (v := request.params.get(n, "")).strip()), "")


def _sim_records(request: SimRequest) -> list[TravelTime]:
    """Without a pair filter, the latest published slots of every pair; with one (a start, an
    end or both), the day so far of the pairs it names, as KEC answers one pair."""
    basis = _param(request, "iStartEndStdTypeCode", "startEndStdTypeCode")
    if basis not in ("", ARRIVAL):
        return []  # the world measures arrival-based time only
    times = _times(request)
    last = times.latest_slot(request.now)
    start = _param(request, "iStartUnitCode")
    end = _param(request, "iEndUnitCode")
    # The last answer of each kind is kept: a client pages through the same one.
    key = "travel_time:pairs" if start or end else "travel_time:all"
    cached = request.cache.get(key)
    if isinstance(cached, tuple) and cached[0] == (last, start, end):
        records: list[TravelTime] = cached[1]
        return records
    if start or end:
        pairs = tuple(
            p
            for p in times.pairs
            if (not start or p.start.unit_code == start) and (not end or p.end.unit_code == end)
        )
        midnight = to_kst(times.slot_time(last)).replace(hour=0, minute=0)
        samples = times.answer(slot_of(midnight), last, pairs) if pairs else []
    else:
        samples = times.answer(last - TRAVEL_SLOTS_PER_ANSWER + 1, last)
    records = [_record(s) for s in samples]
    request.cache[key] = ((last, start, end), records)
    return records


def _minutes_text(minutes: float | None) -> str:
    return "" if minutes is None else minutes_text(minutes)


def _wire_rows(records: Sequence[TravelTime], page: PageSpec) -> list[TravelTimeWire]:
    rows = []
    for t in records:
        at = to_kst(t.slot_at)
        rows.append(
            TravelTimeWire(
                start_unit_code=unit_code_text(t.start_unit_code),
                end_unit_code=unit_code_text(t.end_unit_code),
                std_date=at.strftime("%Y%m%d"),
                start_end_std_type_code=t.basis,
                time_avg=repr(t.time_avg),
                time_max=_minutes_text(t.time_max),
                time_min=_minutes_text(t.time_min),
                # The hour's own row: the hour and two spaces, as recorded.
                std_time=at.strftime("%H  " if t.slot_minutes == 60 else "%H:%M"),
                start_unit_nm=t.start_unit_name,
                end_unit_nm=t.end_unit_name,
                start_end_std_type_nm=t.basis_name,
                tcs_car_type_name=t.car_type_name,
                tcs_car_type_code=t.car_type,
                tcs_car_type_div_name=t.car_div_name,
                tcs_car_type_div_code=t.car_div_code,
                efcv_trfl="" if t.vehicles is None else str(t.vehicles),
            )
        )
    return rows


_UNIT_CODE: Final = r"[0-9A-Za-z]{1,6}"

TRAVEL_TIME: Final[Dataset[TravelTime]] = Dataset(
    kind="travel_time",
    endpoint="travel_time",
    title="영업소간 통행시간 (travel time between tollgates)",
    feed=Feed(
        path="/openapi/trtm/realUnitTrtm",
        list_key="realUnitTrtmVO",
        keys=(*PAGING_KEYS, LIST, *STATUS_KEYS),
        # Recorded: numOfRows=99 honoured (983 rows in 10 pages); KEC caps it there.
        max_rows=99,
        page_rows=99,
    ),
    parse=parse_travel_times,
    batch_type=TravelTimeBatch,
    table_rows=_table_rows,
    url_setting="travel_time_api_url",
    key=lambda s: s.tollgate_key,
    interval=lambda s: s.travel_time_collect_interval,
    proxy_ttl=lambda s: s.proxy_travel_time_ttl,
    cache_table="cache_travel_time",
    proxy_params=(
        pattern_param("iStartUnitCode", _UNIT_CODE, "a tollgate code"),
        pattern_param("iEndUnitCode", _UNIT_CODE, "a tollgate code"),
        pattern_param("iStartEndStdTypeCode", r"[12]", "1 (departure) or 2 (arrival)"),
        pattern_param("startEndStdTypeCode", r"[12]", "1 (departure) or 2 (arrival)"),
        pattern_param("sumTmUnitTypeCode", r"[0-9]", "a digit"),
    ),
    sim_records=_sim_records,
    wire_rows=_wire_rows,
)
