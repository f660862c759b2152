"""The VDS location dataset (``vdsinfo/vdsList``): the parser takes KEC's documented row in any
of the value forms KEC uses, and the simulator's answer is its wire format and parses back."""

from __future__ import annotations

from datetime import datetime

import msgspec
import pytest

from trafficha.config import Settings
from trafficha.datasets.registry import DATASETS, ROAD_STATUS, VDS_LIST
from trafficha.datasets.spec import SimRequest
from trafficha.datasets.vds_list import VdsLocation, parse_vds_list
from trafficha.errors import ProviderAuthError
from trafficha.kst import KST
from trafficha.sim import wire
from trafficha.sim.world import TrafficWorld

WORLD = TrafficWorld(7)
NOW = datetime(2026, 9, 19, 18, 28, tzinfo=KST)

# The documented fields (kec-openapi.md (e)), with strings, numbers, a km suffix and blanks.
ROW = {
    "vdsId": "0010VDE00100",
    "grs80x": "207431.12",
    "grs80y": 184318.3,
    "shift": "105.30km",
    "vdsStartShift": 104.8,
    "vdsEndShift": "105.80",
    "routeNo": "0010",
    "routeName": "경부선",
    "vdsCode": "1",
    "vdsName": "본선",
    "routeSeq": "1",
    "directionCode": "e",
    "vdsLength": "1.0",
    "roadgradeCode": "1",
    "roadgradeName": "고속국도",
    "equipmentBelongingCode": "1",
    "equipmentBelongingName": "도로공사",
    "czId": "0010CZE010 ",
}


def body(*rows: dict[str, object], **envelope: object) -> bytes:
    doc = {"count": len(rows), "pageNo": 1, "numOfRows": 100, "pageSize": 1, "list": list(rows)}
    return msgspec.json.encode(
        {**doc, "message": "인증키가 유효합니다.", "code": "SUCCESS", **envelope}
    )


def request(params: dict[str, str] | None = None) -> SimRequest:
    return SimRequest(WORLD, params or {}, NOW, {})


def test_a_documented_row_parses_in_any_value_form() -> None:
    (location,) = parse_vds_list(body(ROW))
    assert location == VdsLocation(
        vds_id="0010VDE00100",
        conzone_id="0010CZE010",
        route_no="0010",
        route_name="경부선",
        direction="E",
        shift_km=105.3,
        start_km=104.8,
        end_km=105.8,
    )


def test_absent_optional_fields_are_none_and_short_routes_are_normalized() -> None:
    (location,) = parse_vds_list(
        body({"vdsId": "0010VDS00100", "directionCode": "S", "routeNo": "1"})
    )
    assert location.route_no == "0010"
    assert (location.conzone_id, location.shift_km, location.start_km, location.end_km) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({**ROW, "vdsId": " "}, "vdsId is missing"),
        ({**ROW, "directionCode": "U"}, "directionCode is not S or E"),
        ({**ROW, "vdsStartShift": "near Seoul"}, "not a number"),
    ],
)
def test_an_unusable_row_is_quarantined_naming_it(row: dict[str, object], message: str) -> None:
    parsed = parse_vds_list(body(ROW, row, ROW))
    assert len(parsed) == 2
    [rejected] = parsed.rejected
    assert rejected.row == 1
    assert message in rejected.detail


def test_a_rejected_key_and_an_empty_list_are_told_apart() -> None:
    with pytest.raises(ProviderAuthError):
        parse_vds_list(
            msgspec.json.encode({"code": "ERROR", "message": "인증키가 유효하지 않습니다."})
        )
    assert parse_vds_list(body()) == []


def test_every_dataset_names_a_url_setting_that_exists() -> None:
    settings = Settings()
    for dataset in DATASETS:
        assert dataset.url(settings).startswith("https://data.ex.co.kr/openapi/"), dataset
        assert dataset.url(settings).endswith(dataset.feed.path.removeprefix("/openapi"))


def test_the_simulator_locates_every_detector_of_the_road_feed() -> None:
    locations = VDS_LIST.sim_records(request())
    readings = ROAD_STATUS.sim_records(request())
    assert len(locations) == len({v.vds_id for v in locations}) > 500
    by_id = {v.vds_id: v for v in locations}
    assert by_id.keys() == {r.vds_id for r in readings}
    for reading in readings:
        location = by_id[reading.vds_id]
        assert (location.conzone_id, location.route_no, location.direction) == (
            reading.conzone_id,
            reading.route_no,
            reading.direction,
        )
        # Chainage runs from the route's origin; a zone starts where traffic enters it, so on
        # the S carriageway (toward the origin) its start is the larger figure.
        assert location.start_km is not None
        assert location.end_km is not None
        low, high = sorted((location.start_km, location.end_km))
        assert low < high
        assert (location.start_km > location.end_km) == (location.direction == "S")
        assert low <= (location.shift_km or -1) <= high


def test_a_sections_detectors_split_its_chainage_without_gaps() -> None:
    by_section: dict[str | None, list[VdsLocation]] = {}
    for v in VDS_LIST.sim_records(request()):
        by_section.setdefault(v.conzone_id, []).append(v)
    split = [zones for zones in by_section.values() if len(zones) > 1]
    assert split, "no section has two detectors"
    for zones in split:
        assert [z.end_km for z in zones[:-1]] == [z.start_km for z in zones[1:]]


def test_the_route_filter_answers_one_route_in_any_spelling() -> None:
    everything = VDS_LIST.sim_records(request())
    gyeongbu = [v for v in everything if v.route_no == "0010"]
    assert gyeongbu
    assert len(gyeongbu) < len(everything)
    assert VDS_LIST.sim_records(request({"routeNo": "0010"})) == gyeongbu
    assert VDS_LIST.sim_records(request({"routeNo": "1"})) == gyeongbu
    assert VDS_LIST.sim_records(request({"routeNo": "x"})) == []


def test_the_wire_rows_are_kecs_and_parse_back_to_the_records() -> None:
    locations = VDS_LIST.sim_records(request())
    page = wire.page_spec(VDS_LIST.feed, len(locations), page_no=2, num_of_rows=7)
    rows = VDS_LIST.wire_rows(locations[7:14], page)
    doc = wire.document(VDS_LIST.feed, rows, page)
    assert list(doc) == ["count", "pageNo", "numOfRows", "pageSize", "list", "message", "code"]
    (first, *_) = msgspec.to_builtins(doc["list"])
    assert list(first) == list(ROW)  # every documented key, in the documented order
    assert all(isinstance(value, str) for value in first.values())
    assert parse_vds_list(wire.encode_json(doc)) == locations[7:14]
