"""KEC payload parsing: recorded-shape fixtures for each endpoint, every quirk, every error."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trafficha.kst import KST
from trafficha.models import RoadStatus, summarize_routes
from trafficha.providers.kec import (
    ProviderAuthError,
    ProviderError,
    ProviderPayloadError,
    normalize_route_no,
    parse_accidents,
    parse_page,
    parse_road_status,
    parse_tollgate_traffic,
    parse_tollgates,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "kec"
PARSERS = [parse_accidents, parse_tollgate_traffic, parse_road_status, parse_tollgates]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_accidents_from_recorded_shape() -> None:
    promo, work, crash = parse_accidents(fixture("realtime_sms.json"))
    assert promo.occurred_at == datetime(2025, 9, 19, 7, 55, 29, tzinfo=KST)
    assert promo.occurred_at.utcoffset() == timedelta(hours=9)
    assert promo.route_no == "0010"
    assert promo.route_name == "경부선"
    assert promo.type_code == "15"
    assert promo.point_name is None  # " " on the wire
    assert (promo.lat, promo.lon) == (None, None)
    assert work.lanes_blocked == "NNYNNN"
    assert work.late_length_km == 0.0
    assert work.route_no == "4004"
    # altitude is the longitude; trailing spaces are stripped.
    assert (crash.lat, crash.lon) == (35.724019, 129.296973)
    assert crash.direction == "포항방향"
    assert crash.route_name == "동해선"
    assert crash.sms_text == "남경주부근 사고 처리중"
    assert crash.shoulder_blocked is True
    assert crash.process_name == "처리중"


def test_incident_key_is_stable_while_mutable_fields_change() -> None:
    doc = json.loads(fixture("realtime_sms.json"))
    row = doc["realTimeSMSList"][2]
    (before,) = parse_accidents(json.dumps({**doc, "realTimeSMSList": [row]}).encode())
    changed = {
        **row,
        "smsText": "사고 처리완료",
        "accProcessNM": "완료",
        "laneYn1": "N",
        "lateLength": 0.0,
    }
    (after,) = parse_accidents(json.dumps({**doc, "realTimeSMSList": [changed]}).encode())
    assert after.incident_key == before.incident_key
    other = {**row, "accHour": "04:30:00"}
    (later,) = parse_accidents(json.dumps({**doc, "realTimeSMSList": [other]}).encode())
    assert later.incident_key != before.incident_key


def test_tollgate_traffic_from_recorded_shape() -> None:
    seoul_in, seoul_out, pangyo = parse_tollgate_traffic(fixture("traffic_ic.json"))
    assert seoul_in.unit_code == "101"  # "101 " on the wire
    assert seoul_in.traffic_amount == 412  # from "trafficAmout"
    assert seoul_in.slot_at == datetime(2026, 9, 24, 20, 0, tzinfo=KST)
    assert (seoul_in.inout_type, seoul_in.tcs_type, seoul_in.tcs_name) == ("0", "2", "hi-pass")
    assert seoul_out.traffic_amount is None  # "" on the wire
    assert pangyo.traffic_amount == 1203  # "1,203"
    # 24:00 closes the day: it is midnight of the next one.
    assert pangyo.slot_at == datetime(2026, 9, 25, 0, 0, tzinfo=KST)


def test_road_status_from_recorded_shape() -> None:
    rows = parse_road_status(fixture("traffic_amount_by_realtime.json"))
    first = rows[0]
    assert first.vds_id == "0010VDE00100"
    assert first.direction == "E"
    assert (first.speed, first.traffic_amount, first.share_ratio, first.time_avg) == (90, 13, 0, 72)
    assert first.grade == 1
    assert first.std_at == datetime(2026, 9, 19, 18, 28, tzinfo=KST)
    assert rows[3].speed == -1
    assert rows[3].grade == 0


def test_tollgates_from_recorded_shape() -> None:
    pangyo, seoul, seobusan, test_unit = parse_tollgates(fixture("locationinfo_unit.json"))
    # xValue is the longitude, yValue the latitude; 3-digit routes become 4-digit.
    assert (pangyo.unit_code, pangyo.lat, pangyo.lon) == ("065", 37.396399, 127.1032)
    assert pangyo.route_no == "0010"
    assert seoul.unit_name == "서울"
    assert seobusan.route_no == "0100"
    assert (seobusan.lat, seobusan.lon) == (None, None)  # "" on the wire
    assert (test_unit.lat, test_unit.lon) == (None, None)  # zero
    assert test_unit.route_no is None
    assert test_unit.route_name is None


def test_paging_figures() -> None:
    page = parse_page(fixture("locationinfo_unit.json"))
    assert (page.total_rows, page.page_no, page.page_count) == (590, 1, 148)


@pytest.mark.parametrize("parse", PARSERS)
def test_empty_result_is_an_empty_list(parse: object) -> None:
    assert callable(parse)
    assert parse(fixture("empty.json")) == []
    assert parse(b'{"code":"SUCCESS","count":0}') == []


@pytest.mark.parametrize("parse", PARSERS)
def test_bad_key_is_an_auth_error(parse: object) -> None:
    assert callable(parse)
    with pytest.raises(ProviderAuthError, match="인증키가 유효하지 않습니다") as info:
        parse(fixture("bad_key.json"))
    assert isinstance(info.value, ProviderError)


@pytest.mark.parametrize("parse", PARSERS)
def test_html_block_page_is_a_payload_error_without_the_key(parse: object) -> None:
    assert callable(parse)
    with pytest.raises(ProviderPayloadError, match="HTML page") as info:
        parse(fixture("request_blocked.html"))
    assert "Request Blocked" in info.value.excerpt
    assert "1234567890" not in str(info.value)
    assert "1234567890" not in info.value.excerpt


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            b'{"code":"SUCCESS","count":2,"realTimeSMSList":[{"accDate":"2026.05.21"',
            "not a KEC JSON",
        ),
        (b"[]", "not a KEC JSON"),
        (b'{"code":"SUCCESS","realTimeSMSList":{"accHour":"07:00:00"}}', "not a list"),
        (b'{"code":"SUCCESS","count":5}', "no list"),
        (b'{"code":"BUSY","message":"try later"}', "not SUCCESS"),
        (b'{"message":"no code at all","list":[]}', "not SUCCESS"),
    ],
)
def test_malformed_incident_payloads(body: bytes, reason: str) -> None:
    with pytest.raises(ProviderPayloadError, match=reason) as info:
        parse_accidents(body)
    assert info.value.excerpt


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            {"accDate": "2026.05.21", "accHour": 7},
            "Expected `str | null`, got `int` - at `$.accHour`",
        ),
        ({"accDate": "2026.13.40", "accHour": "07:00:00"}, "month must be in 1..12"),
        ({"accHour": "07:00:00"}, "accDate/accHour date is missing"),
        ({"accDate": "2026.5.21", "accHour": "07:00:00"}, "not a KEC date/time: … …"),
        (
            {"accDate": "2026.05.21", "accHour": "07:00:00", "nosunNM": "00100"},
            "not a route number: …",
        ),
    ],
)
def test_an_unusable_incident_row_is_quarantined_and_the_page_flows_on(
    row: dict[str, object], reason: str
) -> None:
    good = json.loads(fixture("realtime_sms.json"))["realTimeSMSList"][0]
    body = json.dumps({"code": "SUCCESS", "count": 3, "realTimeSMSList": [good, row, good]})
    parsed = parse_accidents(body.encode())
    assert len(parsed) == 2
    [rejected] = parsed.rejected
    assert (rejected.page, rejected.row, rejected.reason) == (1, 1, reason)
    assert rejected.excerpt.startswith("{")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("updownTypeCode", "X", "updownTypeCode … is not S or E"),
        ("grade", "4", "grade … is not 0..3"),
        ("speed", "fast", "not a number: …"),
        ("speed", "-7", "speed … is out of range 0..2147483647"),
        ("speed", "400", "speed … is beyond … km/h"),
        ("trafficAmout", "3000000000", "trafficAmout … is out of range 0..2147483647"),
        ("trafficAmout", "-20", "trafficAmout … is out of range 0..2147483647"),
        ("vdsId", " ", "vdsId is missing"),
        ("routeNo", "00100", "not a route number: …"),
    ],
)
def test_road_rows_with_impossible_values_are_quarantined(
    field: str, value: str, reason: str
) -> None:
    doc = json.loads(fixture("traffic_amount_by_realtime.json"))
    rows = [doc["list"][0], {**doc["list"][0], field: value}, doc["list"][1]]
    parsed = parse_road_status(json.dumps({**doc, "pageNo": 3, "list": rows}).encode())
    assert [r.vds_id for r in parsed] == [doc["list"][0]["vdsId"], doc["list"][1]["vdsId"]]
    [rejected] = parsed.rejected
    assert (rejected.page, rejected.row, rejected.reason) == (3, 1, reason)
    assert value.strip() in rejected.detail or field in rejected.detail


def test_kec_blanks_and_no_reading_marks_are_not_rejections() -> None:
    doc = json.loads(fixture("traffic_amount_by_realtime.json"))
    row = {**doc["list"][0], "speed": "-1", "grade": "0", "trafficAmout": "-1", "shareRatio": "-"}
    parsed = parse_road_status(json.dumps({**doc, "list": [row]}).encode())
    assert not parsed.rejected
    [reading] = parsed
    assert (reading.speed, reading.grade, reading.traffic_amount, reading.share_ratio) == (
        -1,
        0,
        None,
        None,
    )


def test_tollgate_volumes_beyond_the_column_or_negative_are_quarantined() -> None:
    doc = json.loads(fixture("traffic_ic.json"))
    first = doc["trafficIc"][0]
    rows = [first, {**first, "trafficAmout": "3000000000"}, {**first, "trafficAmout": "-5"}]
    parsed = parse_tollgate_traffic(json.dumps({**doc, "trafficIc": rows}).encode())
    assert len(parsed) == 1
    assert [r.reason for r in parsed.rejected] == [
        "trafficAmout … is out of range 0..2147483647"
    ] * 2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0010", "0010"),
        ("001", "0010"),
        ("1", "0010"),
        ("055", "0550"),
        ("0552", "0552"),
        ("1000", "1000"),
        (" 0150 ", "0150"),
        ("", None),
        (None, None),
    ],
)
def test_route_numbers_normalize_to_four_digits(raw: str | None, expected: str | None) -> None:
    assert normalize_route_no(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "00A0", "경부"])
def test_route_number_garbage_is_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="route number"):
        normalize_route_no(raw)


def test_coordinates_outside_korea_are_dropped() -> None:
    doc = json.loads(fixture("realtime_sms.json"))
    row = doc["realTimeSMSList"][2]
    for lat, lon in [(0, 0), (0.0, 129.2), (48.85, 2.35), (129.29, 35.72), ("", ""), (None, 1)]:
        body = json.dumps({**doc, "realTimeSMSList": [{**row, "latitude": lat, "altitude": lon}]})
        (accident,) = parse_accidents(body.encode())
        assert (accident.lat, accident.lon) == (None, None), (lat, lon)
    body = json.dumps(
        {**doc, "realTimeSMSList": [{**row, "latitude": "36.1", "altitude": "128.0"}]}
    )
    assert parse_accidents(body.encode())[0].lat == 36.1


def test_route_summary_counts_sections_by_worst_grade_and_ignores_no_data() -> None:
    rows = parse_road_status(fixture("traffic_amount_by_realtime.json"))
    gyeongbu, seohaean = summarize_routes(rows)
    assert gyeongbu.route_no == "0010"
    # E section 010 has grades 1 and 2 (-> 서행); S section 010 is 원활; S section 011 is grade 0.
    assert (
        gyeongbu.total_sections,
        gyeongbu.smooth_sections,
        gyeongbu.slow_sections,
        gyeongbu.congested_sections,
    ) == (2, 1, 1, 0)
    assert gyeongbu.avg_speed == round((90 + 40 + 84) / 3, 1)
    assert gyeongbu.avg_traffic_amount == round((13 + 21 + 33) / 3, 1)
    assert gyeongbu.collected_at == datetime(2026, 9, 19, 18, 28, tzinfo=KST)
    assert (seohaean.route_name, seohaean.congested_sections, seohaean.avg_speed) == (
        "서해안선",
        1,
        12.0,
    )


def test_route_summary_of_nothing_usable_is_empty() -> None:
    at = datetime(2026, 9, 19, 18, 28, tzinfo=KST)
    rows = [
        RoadStatus(
            vds_id="v",
            conzone_id="c",
            conzone_name="",
            route_no="0010",
            route_name="경부선",
            direction="E",
            speed=-1,
            traffic_amount=0,
            share_ratio=0,
            time_avg=0,
            grade=1,
            std_at=at,
        )
    ]
    assert summarize_routes(rows) == []
    assert summarize_routes([]) == []


# --- properties: whatever the upstream sends, a parser returns records or a ProviderError ----

_json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
_json = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_field_values = st.none() | st.text(max_size=10) | st.integers(-(10**20), 10**20) | st.floats()


def _row_strategy(keys: list[str]) -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(keys, _field_values))


def _payload(list_key: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    rows = st.lists(_row_strategy(keys), max_size=4)
    return st.builds(
        lambda code, rows, count: json.dumps(
            {"code": code, "count": count, list_key: rows}
        ).encode(),
        st.sampled_from(["SUCCESS", "ERROR", "", "success"]),
        rows,
        _field_values,
    )


def _keys(name: str, list_key: str) -> list[str]:
    return sorted({k for row in json.loads(fixture(name))[list_key] for k in row})


def _check(parse: object, body: bytes) -> None:
    assert callable(parse)
    try:
        records = parse(body)
    except ProviderError:
        return
    assert isinstance(records, list)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
@pytest.mark.parametrize("parse", PARSERS)
def test_any_bytes_give_records_or_a_provider_error(parse: object, body: bytes) -> None:
    _check(parse, body)


@settings(max_examples=200, deadline=None)
@given(_json)
@pytest.mark.parametrize("parse", PARSERS)
def test_any_json_gives_records_or_a_provider_error(parse: object, doc: object) -> None:
    _check(parse, json.dumps(doc).encode())


@settings(max_examples=300, deadline=None)
@given(st.data())
@pytest.mark.parametrize(
    ("parse", "name", "list_key"),
    [
        (parse_accidents, "realtime_sms.json", "realTimeSMSList"),
        (parse_tollgate_traffic, "traffic_ic.json", "trafficIc"),
        (parse_road_status, "traffic_amount_by_realtime.json", "list"),
        (parse_tollgates, "locationinfo_unit.json", "list"),
    ],
)
def test_kec_shaped_garbage_gives_records_or_a_provider_error(
    parse: object, name: str, list_key: str, data: st.DataObject
) -> None:
    body = data.draw(_payload(list_key, _keys(name, list_key)))
    _check(parse, body)
