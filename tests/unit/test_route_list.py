"""The route list dataset (``roadEtcInfo/spinRouteList``): the parser takes KEC's documented row
in any of the value forms KEC uses, the simulator's answer is its wire format and parses back to
the world's routes, and the learned network names a route after it."""

from __future__ import annotations

from datetime import datetime

import msgspec
import pytest

from trafficha.datasets.registry import ROUTE_LIST, VDS_LIST
from trafficha.datasets.route_list import RouteInfo, parse_route_list
from trafficha.datasets.spec import SimRequest
from trafficha.errors import ProviderAuthError
from trafficha.kst import KST
from trafficha.reference.network import Network, Route, Waypoint
from trafficha.reference.placement import (
    Conzone,
    RouteName,
    Unit,
    place_conzones,
    routes_of,
)
from trafficha.sim import wire
from trafficha.sim.world import TrafficWorld

WORLD = TrafficWorld(7)
NOW = datetime(2026, 9, 19, 18, 28, tzinfo=KST)

# The documented row (kec-openapi.md, "Route list"): every value a string.
ROW: dict[str, object] = {
    "routeNo": "1",
    "routeCd": "0010",
    "routeNm": "경부선",
    "stptDstnc": "0.0",
    "edpntDstnc": "416.1",
    "totExtnsDstne": "416.1",
    "useYn": "Y",
}
GYEONGBU = RouteInfo(
    route_no="0010",
    route_name="경부선",
    start_km=0.0,
    end_km=416.1,
    length_km=416.1,
    in_use=True,
)


def body(*rows: dict[str, object], **envelope: object) -> bytes:
    doc = {"code": "SUCCESS", "message": "인증키가 유효합니다.", "count": len(rows)}
    return msgspec.json.encode({**doc, "list": list(rows), **envelope})


def request(params: dict[str, str] | None = None) -> SimRequest:
    return SimRequest(WORLD, params or {}, NOW, {})


def test_the_documented_row_parses() -> None:
    assert parse_route_list(body(ROW)) == [GYEONGBU]


def test_numbers_padding_and_a_km_suffix_parse_alike() -> None:
    row = {
        "routeNo": 1,
        "routeCd": 10,  # a number: its leading zeros are restored
        "routeNm": " 경부선 ",
        "stptDstnc": 0,
        "edpntDstnc": "416.1km",
        "totExtnsDstne": 416.1,
        "useYn": "y",
    }
    assert parse_route_list(body(row)) == [GYEONGBU]


def test_without_routecd_the_route_number_is_normalized_and_blanks_are_none() -> None:
    (route,) = parse_route_list(body({"routeNo": "100", "routeNm": "수도권제1순환선"}))
    assert route == RouteInfo(
        route_no="1000",
        route_name="수도권제1순환선",
        start_km=None,
        end_km=None,
        length_km=None,
        in_use=None,
    )
    (blank,) = parse_route_list(body({**ROW, "routeCd": " ", "stptDstnc": "", "useYn": "N"}))
    assert (blank.route_no, blank.start_km, blank.in_use) == ("0010", None, False)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({**ROW, "routeCd": None, "routeNo": None}, "routeCd and routeNo are missing"),
        ({**ROW, "routeCd": "A10"}, "routeCd is not a route code"),
        ({**ROW, "routeCd": None, "routeNo": "12345"}, "routeNo: not a route number"),
        ({**ROW, "routeNm": " "}, "routeNm is missing"),
        # The key is routeNm: a routeName (vdsList's key) is not read.
        ({k: v for k, v in ROW.items() if k != "routeNm"} | {"routeName": "경부선"}, "routeNm"),
        ({**ROW, "totExtnsDstne": "long"}, "totExtnsDstne: not a number"),
        ({**ROW, "edpntDstnc": "1e9"}, "edpntDstnc 1000000000.0 is out of range"),
        ({**ROW, "useYn": "maybe"}, "useYn is not Y or N"),
    ],
)
def test_an_unusable_row_is_quarantined_naming_it(row: dict[str, object], message: str) -> None:
    parsed = parse_route_list(body(ROW, row, ROW))
    assert list(parsed) == [GYEONGBU, GYEONGBU]
    [rejected] = parsed.rejected
    assert rejected.row == 1
    assert message in rejected.detail


def test_a_rejected_key_and_an_empty_list_are_told_apart() -> None:
    with pytest.raises(ProviderAuthError):
        parse_route_list(
            msgspec.json.encode({"code": "ERROR", "message": "인증키가 유효하지 않습니다."})
        )
    assert parse_route_list(msgspec.json.encode({"code": "SUCCESS", "count": 0})) == []


def test_the_simulator_lists_the_worlds_routes_with_their_chainage() -> None:
    routes = ROUTE_LIST.sim_records(request())
    network = WORLD.network.routes
    assert [(r.route_no, r.route_name) for r in routes] == [
        (r.route_no, r.route_name) for r in network
    ]
    assert all(r.in_use and r.start_km == 0.0 and r.end_km == r.length_km for r in routes)
    # A route ends where the VDS list's last zone of it ends.
    zones = VDS_LIST.sim_records(request())
    for route in routes:
        ends = [max(v.start_km or 0, v.end_km or 0) for v in zones if v.route_no == route.route_no]
        assert route.length_km == pytest.approx(max(ends), abs=0.1)  # to the tenth
    assert ROUTE_LIST.sim_records(request({"useYn": "Y"})) == routes
    assert ROUTE_LIST.sim_records(request({"useYn": "n"})) == []


def test_the_wire_rows_are_kecs_and_parse_back_to_the_worlds_routes() -> None:
    routes = ROUTE_LIST.sim_records(request())
    page = wire.page_spec(ROUTE_LIST.feed, len(routes), page_no=None, num_of_rows=None)
    doc = wire.document(ROUTE_LIST.feed, ROUTE_LIST.wire_rows(routes, page), page)
    assert list(doc) == ["code", "message", "count", "list"]
    rows = msgspec.to_builtins(doc["list"])
    assert len(rows) == len(routes) == doc["count"]
    assert list(rows[0]) == list(ROW)  # every documented key, in the documented order
    assert all(isinstance(value, str) for row in rows for value in row.values())
    assert (rows[0]["routeNo"], rows[0]["routeCd"]) == ("1", "0010")
    assert {r["routeCd"]: r["routeNo"] for r in rows}["1000"] == "100"
    assert parse_route_list(wire.encode_json(doc)) == routes


def test_route_names_come_from_the_list_but_not_from_a_route_out_of_use() -> None:
    listed = [
        GYEONGBU,
        msgspec.structs.replace(GYEONGBU, route_name="경부고속도로"),  # a repeat: the first wins
        RouteInfo(
            route_no="0030",
            route_name="옛선",
            start_km=None,
            end_km=None,
            length_km=None,
            in_use=False,
        ),
    ]
    assert routes_of(listed) == (RouteName(route_no="0010", route_name="경부선"),)


def _wp(name: str, lat: float, lon: float) -> Waypoint:
    return Waypoint(name=name, name_en=name, kind="IC", lat=lat, lon=lon)


def test_a_route_the_network_lacks_takes_its_name_from_the_route_list() -> None:
    network = Network(
        routes=(
            Route(
                route_no="0010",
                route_name="시험선",
                route_name_en="Test",
                waypoints=(_wp("AIC", 35.0, 127.0), _wp("BIC", 35.0, 127.3)),
            ),
        )
    )
    units = [
        Unit(unit_code=str(900 + i), unit_name=n, route_no="0030", lat=34.0 + i / 10, lon=126.0)
        for i, n in enumerate("PQR")
    ]
    zones = [
        Conzone(conzone_id=f"0030CZE0{i}0", conzone_name=n, route_no="0030", route_name="30번")
        for i, n in enumerate(("PIC-QIC", "QIC-RIC"), start=1)
    ]
    plain = place_conzones(zones, units, network=network)
    named = place_conzones(
        zones, units, network=network, routes=[RouteName(route_no="0030", route_name="신선")]
    )
    assert [(r.route_no, r.route_name) for r in plain.routes] == [("0030", "30번")]
    assert [(r.route_no, r.route_name) for r in named.routes] == [("0030", "신선")]
    assert [c.route_name for c in named.coverage] == ["신선"]
    assert named.routes[0].coordinates == plain.routes[0].coordinates
    assert named.sections == plain.sections  # each section keeps what its reading said
