"""The simulator's wire format: world records -> KEC payloads -> our parsers -> the same records.

Key orders and formats are checked against the recorded-shape fixtures in tests/fixtures/kec
and the real recordings in ../shared/kec-real (read from there, never copied), so the simulator
stays as close to data.ex.co.kr as the parsers' own tests are.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.shared import KEC_REAL
from trafficha.datasets.registry import ACCIDENTS, ROAD_STATUS, TOLLGATE_LIST, TOLLGATE_TRAFFIC
from trafficha.datasets.spec import Feed
from trafficha.errors import ProviderAuthError, ProviderPayloadError
from trafficha.kst import KST
from trafficha.models import Accident, Tollgate
from trafficha.providers.kec import (
    normalize_route_no,
    parse_accidents,
    parse_page,
    parse_road_status,
    parse_tollgate_traffic,
    parse_tollgates,
)
from trafficha.sim import TrafficWorld
from trafficha.sim.wire import (
    ERROR_MESSAGE,
    SUCCESS_MESSAGE,
    blocked_page,
    document,
    encode_json,
    encode_xml,
    error_document,
    error_payload,
    location_unit_rows,
    page_spec,
    payload,
    route_no_3,
    sms_rows,
    traffic_amount_rows,
    traffic_ic_rows,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "kec"
SEED = 7
WORLD = TrafficWorld(SEED)  # module-wide: hypothesis examples share its caches, not its answers
EPOCH = datetime(2026, 1, 1, tzinfo=KST)
YEAR_S = 366 * 24 * 3600
T = datetime(2026, 9, 24, 8, 17, 23, tzinfo=KST)  # a weekday morning peak: plenty of incidents

instants = st.integers(min_value=0, max_value=YEAR_S).map(lambda s: EPOCH + timedelta(seconds=s))


def recorded(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / name).read_bytes())
    return doc


def whole(feed: Feed, rows: list[Any]) -> bytes:
    """Every row on one page (as a client asking for at least the total would get)."""
    return payload(feed, rows, page_no=1, num_of_rows=max(len(rows), 1), total=len(rows))


# --- round trips ----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(instants)
def test_incidents_round_trip(t: datetime) -> None:
    incidents = WORLD.incidents_at(t)
    assert parse_accidents(whole(ACCIDENTS.feed, sms_rows(incidents))) == incidents


@settings(max_examples=10, deadline=None)
@given(instants)
def test_tollgate_traffic_round_trips(t: datetime) -> None:
    records = WORLD.tollgate_hour_at(t)
    body = whole(TOLLGATE_TRAFFIC.feed, traffic_ic_rows(records))
    assert parse_tollgate_traffic(body) == records
    assert any(r.traffic_amount is None for r in records) == (b'"trafficAmout":""' in body)


@settings(max_examples=15, deadline=None)
@given(instants)
def test_road_status_round_trips(t: datetime) -> None:
    records = WORLD.road_status_at(t)
    body = whole(ROAD_STATUS.feed, traffic_amount_rows(records))
    assert parse_road_status(body) == records
    assert any(r.grade == 0 for r in records) == (b'"speed":"-1"' in body)


def test_tollgates_round_trip() -> None:
    gates = WORLD.tollgates()
    assert parse_tollgates(whole(TOLLGATE_LIST.feed, location_unit_rows(gates))) == gates


@given(
    lat=st.floats(min_value=33.0, max_value=39.0),
    lon=st.floats(min_value=124.0, max_value=132.0),
    route=st.sampled_from([None, "0010", "0552", "1000", "0100"]),
    name=st.sampled_from([None, "경부선"]),
)
def test_any_tollgate_round_trips(lat: float, lon: float, route: str | None, name: str) -> None:
    # Coordinates with more than six decimals and branch routes have no KEC form; they must
    # still come back unchanged rather than rounded or folded into another route.
    gate = Tollgate(
        unit_code="101", unit_name="서울", route_no=route, route_name=name, lat=lat, lon=lon
    )
    assert parse_tollgates(whole(TOLLGATE_LIST.feed, location_unit_rows([gate]))) == [gate]


@given(
    point=st.sampled_from([None, "서울TG 부근(3.0K)"]),
    process=st.sampled_from([(None, None), ("1", "처리중")]),
    route=st.sampled_from([None, "0010"]),
    coords=st.sampled_from([(None, None), (35.724019, 129.296973)]),
    late=st.sampled_from([None, 0.0, 1.5]),
)
def test_any_incident_round_trips(
    point: str | None,
    process: tuple[str | None, str | None],
    route: str | None,
    coords: tuple[float | None, float | None],
    late: float | None,
) -> None:
    (template,) = parse_accidents((FIXTURES / "realtime_sms.json").read_bytes())[2:]
    acc = msgspec.structs.replace(
        template,
        point_name=point,
        process_code=process[0],
        process_name=process[1],
        route_no=route,
        lat=coords[0],
        lon=coords[1],
        late_length_km=late,
    )
    (back,) = parse_accidents(whole(ACCIDENTS.feed, sms_rows([acc])))
    # The key is derived from what the wire carries; everything else comes back as it went.
    assert msgspec.structs.replace(back, incident_key=acc.incident_key) == acc


# --- paging ---------------------------------------------------------------------------------


Dataset = tuple[
    list[Any], Callable[[list[Any]], Sequence[msgspec.Struct]], Callable[[bytes], list[Any]]
]


def paged_dataset(feed: Feed) -> Dataset:
    """A paged feed's records at T, how they go on the wire and how they come back."""
    if feed is ACCIDENTS.feed:
        return WORLD.incidents_at(T), sms_rows, parse_accidents
    if feed is TOLLGATE_TRAFFIC.feed:
        return WORLD.tollgate_hour_at(T), traffic_ic_rows, parse_tollgate_traffic
    return WORLD.tollgates(), location_unit_rows, parse_tollgates


@settings(max_examples=25, deadline=None)
@given(
    feed=st.sampled_from([ACCIDENTS.feed, TOLLGATE_TRAFFIC.feed, TOLLGATE_LIST.feed]),
    asked=st.one_of(st.none(), st.integers(min_value=-5, max_value=1000)),
)
def test_pages_cover_every_row_once(feed: Feed, asked: int | None) -> None:
    records, to_rows, parse = paged_dataset(feed)
    first = page_spec(feed, len(records), page_no=None, num_of_rows=asked)
    assert 1 <= first.num_of_rows <= feed.max_rows
    if asked is not None and 1 <= asked <= feed.max_rows:
        assert first.num_of_rows == asked
    assert first.page_count == math.ceil(len(records) / first.num_of_rows)
    seen: list[Any] = []
    for page_no in range(1, first.page_count + 2):  # one past the end: an empty page
        spec = page_spec(feed, len(records), page_no=page_no, num_of_rows=asked)
        body = encode_json(document(feed, to_rows(records[spec.rows]), spec))
        page = parse_page(body)
        assert (page.total_rows, page.page_no, page.page_count) == (
            len(records),
            page_no,
            first.page_count,
        )
        got = parse(body)
        assert len(got) <= first.num_of_rows
        seen.extend(got)
    assert seen == records


def test_page_below_one_is_the_first() -> None:
    spec = page_spec(ACCIDENTS.feed, 250, page_no=0, num_of_rows=1000)
    assert (spec.page_no, spec.num_of_rows, spec.page_count) == (1, ACCIDENTS.feed.max_rows, 3)


def test_series_numbers_continue_across_pages() -> None:
    incidents = WORLD.incidents_at(T)
    spec = page_spec(ACCIDENTS.feed, len(incidents), page_no=2, num_of_rows=10)
    rows = sms_rows(incidents[spec.rows], first_series=spec.first_row)
    assert [r.series_nm for r in rows] == list(range(11, 11 + len(rows)))


def test_the_vds_feed_has_no_paging() -> None:
    records = WORLD.road_status_at(T)
    spec = page_spec(ROAD_STATUS.feed, len(records), page_no=3, num_of_rows=10)
    doc = json.loads(encode_json(document(ROAD_STATUS.feed, traffic_amount_rows(records), spec)))
    assert list(doc) == list(recorded("traffic_amount_by_realtime.json"))
    assert doc["count"] == len(doc["list"]) == len(records)


# --- shape against the recordings -----------------------------------------------------------


@pytest.mark.parametrize(
    ("feed", "fixture"),
    [
        (ACCIDENTS.feed, "realtime_sms.json"),
        (TOLLGATE_TRAFFIC.feed, "traffic_ic.json"),
        (ROAD_STATUS.feed, "traffic_amount_by_realtime.json"),
        (TOLLGATE_LIST.feed, "locationinfo_unit.json"),
    ],
)
def test_key_order_matches_the_recording(feed: Feed, fixture: str) -> None:
    rows: list[Any]
    if feed is ACCIDENTS.feed:
        rows = sms_rows(WORLD.incidents_at(T)[:1])
    elif feed is TOLLGATE_TRAFFIC.feed:
        rows = traffic_ic_rows(WORLD.tollgate_traffic_at(T)[:1])
    elif feed is ROAD_STATUS.feed:
        rows = traffic_amount_rows(WORLD.road_status_at(T)[:1])
    else:
        rows = location_unit_rows(WORLD.tollgates()[:1])
    spec = page_spec(feed, 1, page_no=1, num_of_rows=None)
    ours = json.loads(encode_json(document(feed, rows, spec)))
    theirs = recorded(fixture)
    assert list(ours) == list(theirs)
    assert list(ours[feed.list_key][0]) == list(theirs[feed.list_key][0])
    assert (ours["code"], ours["message"]) == ("SUCCESS", SUCCESS_MESSAGE)


def test_value_formats_are_kecs() -> None:
    incidents = WORLD.incidents_at(T)
    located = next(a for a in incidents if a.lat is not None)
    unlocated = next(a for a in incidents if a.lat is None)
    sms, blank = json.loads(whole(ACCIDENTS.feed, sms_rows([located, unlocated])))[
        "realTimeSMSList"
    ]
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d{2}", sms["accDate"])
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", sms["accHour"])
    assert re.fullmatch(r"\d{4}", sms["nosunNM"])
    assert re.fullmatch(r"\d{2}", sms["accTypeCode"])
    assert isinstance(sms["latitude"], float)
    assert isinstance(sms["altitude"], float)  # the longitude
    assert (blank["latitude"], blank["altitude"]) == (None, None)
    assert isinstance(sms["seriesNM"], int)
    assert (sms["message"], sms["code"]) == (None, None)
    assert (sms["accProcessCode"], sms["accProcessNM"]) == ("1", "진행")
    assert all(sms[f"laneYn{n}"] in ("Y", "N") for n in range(1, 7))

    (ic,) = json.loads(
        whole(TOLLGATE_TRAFFIC.feed, traffic_ic_rows(WORLD.tollgate_traffic_at(T)[:1]))
    )["trafficIc"]
    assert all(isinstance(v, str) for v in ic.values())
    assert re.fullmatch(r"\d{3} ", ic["unitCode"])  # CHAR(4) padding
    assert re.fullmatch(r"\d*", ic["trafficAmout"])  # "" when the count is not in
    assert re.fullmatch(r"\d{8}", ic["sumDate"])
    assert re.fullmatch(r"\d{4}", ic["sumTm"])

    (vds,) = json.loads(whole(ROAD_STATUS.feed, traffic_amount_rows(WORLD.road_status_at(T)[:1])))[
        "list"
    ]
    assert all(isinstance(v, str) for v in vds.values())
    assert re.fullmatch(r"\d{4}", vds["routeNo"])
    assert re.fullmatch(r"\d{4}", vds["stdHour"])

    gates = WORLD.tollgates()
    with_place = next(g for g in gates if g.lat is not None)
    without = next(g for g in gates if g.lat is None)
    unit, nowhere = json.loads(
        whole(TOLLGATE_LIST.feed, location_unit_rows([with_place, without]))
    )["list"]
    assert re.fullmatch(r"\d{3}", unit["routeNo"])
    assert re.fullmatch(r"\d{3} ", unit["unitCode"])
    assert re.fullmatch(r"1[23]\d\.\d{6}", unit["xValue"])  # longitude, six decimals
    assert re.fullmatch(r"3\d\.\d{6}", unit["yValue"])
    assert (unit["pageNo"], unit["numOfRows"]) == (None, None)
    assert (nowhere["xValue"], nowhere["yValue"]) == (None, None)  # as recorded: null


# --- against the real recordings (../shared/kec-real) -----------------------------------------


def real(name: str) -> Any:
    return json.loads((KEC_REAL / name).read_bytes())


def json_types(rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in rows:
        for key, value in row.items():
            out.setdefault(key, set()).add(type(value).__name__)
    return out


def test_incident_rows_are_shaped_as_recorded() -> None:
    theirs = real("realTimeSms.json")["realTimeSMSList"]
    incidents = WORLD.incidents_at(T)
    ours = json.loads(whole(ACCIDENTS.feed, sms_rows(incidents)))["realTimeSMSList"]
    assert all(list(row) == list(theirs[0]) for row in ours)  # the same keys, in order
    # Each key's JSON types are among the recorded ones, except coordinates (numbers on the
    # located rows KEC sends: the krex sample) and seriesNM.
    recorded = json_types(theirs)
    for key, types in json_types(ours).items():
        if key not in ("latitude", "altitude", "lateLength"):
            assert types <= recorded[key], key
    # Notices as recorded: type 15, blank place " ", no coordinates, "** … **".
    notices = [r for r in ours if r["accTypeCode"] == "15"]
    recorded_notices = [r for r in theirs if r["accTypeCode"] == "15"]
    assert notices
    for ours_, label in ((notices, "ours"), (recorded_notices, "theirs")):
        for row in ours_:
            assert row["accType"] == "이벤트/홍보", label
            assert (row["accPointNM"], row["latitude"], row["altitude"]) == (" ", None, None)
            assert row["smsText"].startswith("**")
            assert row["smsText"].endswith("**")
            assert (row["accProcessCode"], row["accProcessNM"]) == ("1", "진행")
    assert {(r["accProcessCode"], r["accProcessNM"]) for r in ours} == {("1", "진행")}


def test_the_unit_list_is_shaped_as_recorded() -> None:
    theirs = real("locationinfoUnit-590.json")
    ours = json.loads(whole(TOLLGATE_LIST.feed, location_unit_rows(WORLD.tollgates())))["list"]
    assert len(ours) == len(theirs) == 590
    assert [list(r) for r in ours] == [list(theirs[0])] * len(ours)

    def unlocated(rows: list[dict[str, Any]]) -> int:
        return sum(r["xValue"] is None and r["yValue"] is None for r in rows)

    assert unlocated(ours) == unlocated(theirs) == 194
    for rows in (ours, theirs):
        assert all(re.fullmatch(r"\d{3}", r["routeNo"]) for r in rows)
        assert all(re.fullmatch(r"\S{3} ", r["unitCode"]) for r in rows)
        assert all(r["xValue"] is None or re.fullmatch(r"1\d\d\.\d{6}", r["xValue"]) for r in rows)


def test_tollgate_rows_carry_the_recorded_operators() -> None:
    theirs = real("trafficAll.json")["trafficAll"]
    rows = traffic_ic_rows(WORLD.tollgate_hour_at(T))
    ours = json.loads(whole(TOLLGATE_TRAFFIC.feed, rows))["trafficIc"]
    recorded = json_types(theirs)
    for key, types in json_types(ours).items():
        assert types <= recorded.get(key, {"str"}), key
    for rows_ in (ours, theirs):
        assert {r["exDivName"] for r in rows_ if r["exDivCode"] == "00"} == {"도공"}
        assert {r["exDivName"] for r in rows_ if r["exDivCode"] != "00"} == {"민자"}
        assert {(r["tmType"], r["tmName"]) for r in rows_} == {("2", "15분")}
        assert len({r["sumTm"] for r in rows_}) >= 2  # several 15-minute slots
    assert {r["tcsName"] for r in ours} == {r["tcsName"] for r in theirs} == {"TCS", "hi-pass"}


def test_vds_rows_are_shaped_as_recorded() -> None:
    theirs = real("trafficAmountByRealtime.json")
    records = [
        r for k in range(0, 600, 7) for r in WORLD.road_status_at(T + k * timedelta(minutes=1))
    ]
    body = whole(ROAD_STATUS.feed, traffic_amount_rows(records))
    ours = json.loads(body)["list"]
    assert all(list(r) == list(theirs["list"][0]) for r in ours[:50])
    no_data = [r for r in ours if r["grade"] == "0"]
    assert no_data  # 판정불가 rows, as KEC sends among thousands
    assert all(r["speed"] == "-1" for r in no_data)
    assert parse_road_status(body) == records


@pytest.mark.parametrize(
    ("route", "wire"), [("0010", "001"), ("1000", "100"), ("0100", "010"), ("0552", "0552")]
)
def test_location_route_numbers(route: str, wire: str) -> None:
    assert route_no_3(route) == wire
    assert normalize_route_no(wire) == route


def test_blank_fields_go_out_as_kec_sends_them() -> None:
    template = WORLD.incidents_at(T)[0]
    blank = msgspec.structs.replace(template, point_name=None, process_code=None)
    (row,) = json.loads(whole(ACCIDENTS.feed, sms_rows([blank])))["realTimeSMSList"]
    assert row["accPointNM"] == " "
    gate = Tollgate(
        unit_code="999", unit_name="시험", route_no=None, route_name=None, lat=None, lon=None
    )
    (unit,) = json.loads(whole(TOLLGATE_LIST.feed, location_unit_rows([gate])))["list"]
    assert (unit["routeNo"], unit["routeName"], unit["xValue"], unit["yValue"]) == (
        "",
        " ",
        None,
        None,
    )


# --- errors ---------------------------------------------------------------------------------


def test_error_payload_is_kecs() -> None:
    assert json.loads(error_payload()) == recorded("bad_key.json")
    assert error_document()["message"] == ERROR_MESSAGE
    with pytest.raises(ProviderAuthError):
        parse_accidents(error_payload())


def test_blocked_page_is_an_html_page_to_the_parser() -> None:
    with pytest.raises(ProviderPayloadError, match="HTML page"):
        parse_tollgates(blocked_page())


# --- XML ------------------------------------------------------------------------------------


def test_xml_carries_the_same_document() -> None:
    incidents: list[Accident] = WORLD.incidents_at(T)
    spec = page_spec(ACCIDENTS.feed, len(incidents), page_no=1, num_of_rows=None)
    doc = document(ACCIDENTS.feed, sms_rows(incidents[spec.rows]), spec)
    root = ET.fromstring(encode_xml(doc, ACCIDENTS.feed.list_key))
    rows = root.findall(ACCIDENTS.feed.list_key)
    assert len(rows) == min(len(incidents), ACCIDENTS.feed.max_rows)
    assert root.findtext("count") == str(len(incidents))
    assert root.findtext("code") == "SUCCESS"
    assert rows[0].findtext("accDate") == doc["realTimeSMSList"][0].acc_date
    assert rows[0].findtext("message") == ""  # null
    error = ET.fromstring(encode_xml(error_document()))
    assert (error.findtext("code"), error.findtext("message")) == ("ERROR", ERROR_MESSAGE)
