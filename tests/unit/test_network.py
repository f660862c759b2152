"""Integrity checks for the packaged expressway reference network."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import msgspec
import pytest

from trafficha.reference import (
    Network,
    Route,
    Section,
    Waypoint,
    haversine_km,
    load_network,
)
from trafficha.reference.network import SERIAL_STEP, conzone_id, vds_id

REQUIRED_ROUTES = {
    "0010": "경부선",
    "0100": "남해선",
    "0150": "서해안선",
    "0250": "호남선",
    "0350": "중부선",
    "0500": "영동선",
    "0550": "중앙선",
    "0600": "서울양양선",
    "0650": "동해선",
    "1000": "수도권제1순환선",
}
MAX_GAP_KM = 60.0


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network()


def test_load_is_cached(network: Network) -> None:
    assert load_network() is network
    assert network.sections is network.sections


def test_every_route_has_at_least_two_waypoints(network: Network) -> None:
    for route in network.routes:
        assert len(route.waypoints) >= 2, route.route_no


def test_total_waypoint_count(network: Network) -> None:
    assert sum(1 for _ in network.waypoints) >= 150


def test_required_routes_present_with_names(network: Network) -> None:
    for route_no, name in REQUIRED_ROUTES.items():
        route = network.route(route_no)
        assert route.route_name == name
        assert route.route_name_en


def test_route_numbers_unique(network: Network) -> None:
    dupes = [no for no, n in Counter(r.route_no for r in network.routes).items() if n > 1]
    assert not dupes


def test_unknown_route_raises_key_error(network: Network) -> None:
    with pytest.raises(KeyError):
        network.route("9999")


def test_points_inside_south_korea(network: Network) -> None:
    for route in network.routes:
        for w in route.waypoints:
            assert 33.0 <= w.lat <= 39.0, f"{route.route_no} {w.name} lat {w.lat}"
            assert 124.0 <= w.lon <= 132.0, f"{route.route_no} {w.name} lon {w.lon}"


def test_neighbouring_waypoints_within_max_gap(network: Network) -> None:
    for route in network.routes:
        for a, b in zip(route.waypoints, route.waypoints[1:], strict=False):
            gap = a.distance_km(b)
            assert gap <= MAX_GAP_KM, (
                f"{route.route_no} {route.route_name}: {a.name} -> {b.name} is {gap:.1f} km"
            )


def test_waypoint_names_unique_within_route(network: Network) -> None:
    for route in network.routes:
        dupes = [n for n, c in Counter(w.name for w in route.waypoints).items() if c > 1]
        assert not dupes, f"{route.route_no}: duplicate names {dupes}"


def test_unit_codes_are_three_digit_strings(network: Network) -> None:
    for w in network.waypoints:
        if w.unit_code is not None:
            assert len(w.unit_code) == 3, w
            assert w.unit_code.isdigit(), w


def test_section_counts_per_route(network: Network) -> None:
    per_route = Counter(s.route_no for s in network.sections)
    for route in network.routes:
        assert per_route[route.route_no] == 2 * (len(route.waypoints) - 1)


def test_section_ids_unique(network: Network) -> None:
    conzones = [s.conzone_id for s in network.sections]
    vds = [s.vds_id for s in network.sections]
    assert len(set(conzones)) == len(conzones)
    assert len(set(vds)) == len(vds)


def test_section_ids_follow_kecs_scheme(network: Network) -> None:
    # KEC's: 0010CZE010 (구서IC-영락IC) and its detector 0010VDE00100; serials ordered by
    # chainage with gaps, the same for both carriageways of a stretch.
    for s in network.sections:
        assert re.fullmatch(rf"{s.route_no}CZ{s.direction}\d{{3}}", s.conzone_id), s
        assert int(s.conzone_id[-3:]) == SERIAL_STEP * s.stretch
        assert s.vds_id == f"{s.route_no}VD{s.direction}{int(s.conzone_id[-3:]) * 10:05d}"
    for route in network.routes:
        east = [s for s in network.sections if s.route_no == route.route_no and s.direction == "E"]
        serials = [int(s.conzone_id[-3:]) for s in east]
        assert serials == sorted(serials)
        assert all(b - a == SERIAL_STEP for a, b in itertools.pairwise(serials))
        for s in east:
            twin = network.section(f"{route.route_no}CZS{s.conzone_id[-3:]}")
            assert (twin.start, twin.end) == (s.end, s.start)


def test_stretches_run_from_the_routes_origin(network: Network) -> None:
    for s in network.sections:
        waypoints = network.route(s.route_no).waypoints
        pair = (waypoints[s.stretch - 1], waypoints[s.stretch])
        assert (s.start, s.end) == (pair if s.direction == "E" else pair[::-1])


def test_conzone_and_vds_ids_from_a_stretch() -> None:
    assert conzone_id("0010", "E", 1) == "0010CZE010"
    assert conzone_id("1000", "S", 39) == "1000CZS390"
    assert vds_id("0010", "E", 1) == "0010VDE00100"
    assert vds_id("0010", "S", 48) == "0010VDS04800"
    with pytest.raises(ValueError, match="three-digit"):
        conzone_id("0010", "E", 100)


def test_section_direction_follows_waypoint_order(network: Network) -> None:
    for route in network.routes:
        index = {w.name: i for i, w in enumerate(route.waypoints)}
        for s in network.sections:
            if s.route_no != route.route_no:
                continue
            i, j = index[s.start.name], index[s.end.name]
            if s.direction == "E":
                assert j == i + 1, s.conzone_id
            else:
                assert i == j + 1, s.conzone_id
            assert s.conzone_name == f"{s.start.name}-{s.end.name}"


def test_first_gyeongbu_sections() -> None:
    gyeongbu = load_network().route("0010")
    first_e = load_network().section("0010CZE010")
    assert first_e.start == gyeongbu.waypoints[0]
    assert first_e.end == gyeongbu.waypoints[1]
    assert first_e.vds_id == "0010VDE00100"
    assert first_e.conzone_name == "구서IC-부산TG"
    first_s = load_network().section("0010CZS010")
    assert (first_s.start, first_s.end) == (first_e.end, first_e.start)
    assert first_s.length_km == first_e.length_km > 0


def test_tollgates_include_seoul_tg(network: Network) -> None:
    tollgates = network.tollgates()
    seoul = [w for w in tollgates if w.name == "서울TG"]
    assert len(seoul) == 1
    assert seoul[0].unit_code == "101"
    assert all(w.kind == "TG" or w.unit_code is not None for w in tollgates)


def test_known_coordinates_roughly_right(network: Network) -> None:
    gyeongbu = {w.name: w for w in network.route("0010").waypoints}
    for name, lat, lon in [
        ("서울TG", 37.365, 127.102),
        ("판교IC", 37.396, 127.103),
        ("대전IC", 36.36, 127.43),
        ("구서IC", 35.25, 129.09),
    ]:
        w = gyeongbu[name]
        assert haversine_km(w.lat, w.lon, lat, lon) < 2.0, name


def test_haversine_known_distance() -> None:
    assert haversine_km(37.5, 127.0, 37.5, 127.0) == 0.0
    # Seoul City Hall to Busan City Hall is about 325 km as the crow flies.
    assert 320 < haversine_km(37.5663, 126.9779, 35.1798, 129.0750) < 330


def test_wire_format_is_camel_case() -> None:
    w = Waypoint(
        name="서울TG", name_en="Seoul TG", kind="TG", lat=37.365, lon=127.102, unit_code="101"
    )
    encoded = msgspec.json.decode(msgspec.json.encode(w))
    assert set(encoded) == {"name", "nameEn", "kind", "lat", "lon", "unitCode"}
    assert msgspec.json.decode(msgspec.json.encode(w), type=Waypoint) == w


def test_strict_decoding_rejects_bad_data() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(
            b'{"name":"x","nameEn":"x","kind":"XX","lat":37.0,"lon":127.0}', type=Waypoint
        )
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(
            b'{"routeNo":"10","routeName":"x","routeNameEn":"x","waypoints":[]}', type=Route
        )


def test_section_round_trips_through_json(network: Network) -> None:
    s = network.sections[0]
    assert msgspec.json.decode(msgspec.json.encode(s), type=Section) == s
