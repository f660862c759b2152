"""Placing KEC's conzones (:mod:`trafficha.reference.placement`) and ``trafficha network check``.

The general rules run on small synthetic networks; the targets run on real KEC data read from
``../shared/kec-real`` (never copied here): 199 real conzones of 경부선 (0010) and
수도권제1순환선 (1000), and KEC's 590 tollgate units.
"""

from __future__ import annotations

import itertools
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tests.support.shared import KEC_REAL
from trafficha import cli
from trafficha.apps.data_api.geo import LearnedNetwork, NetworkGeoJson
from trafficha.apps.data_api.models import NetworkCheck, SectionCollection
from trafficha.datasets.registry import VDS_LIST
from trafficha.datasets.spec import SimRequest
from trafficha.events import CommitEvent
from trafficha.kst import KST
from trafficha.providers.kec import normalize_route_no
from trafficha.reference.check import load_inputs
from trafficha.reference.network import (
    Network,
    Route,
    Waypoint,
    WaypointKind,
    haversine_km,
    load_network,
)
from trafficha.reference.placement import (
    MAX_OFF_ROUTE_KM,
    Chainage,
    Conzone,
    NetworkInputs,
    PlacedSection,
    Placement,
    Unit,
    builtin_conzones,
    builtin_placement,
    chainages_of,
    conzone_direction,
    conzones_of,
    parse_point,
    place_conzones,
    split_name,
    units_of,
)
from trafficha.sim.world import TrafficWorld

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "kec"
SAMPLE_ROUTES = ("0010", "1000")


# --- geometry helpers for the assertions ------------------------------------------------------


def off_line_km(lat: float, lon: float, line: list[tuple[float, float]]) -> float:
    """Distance from a point to a polyline of (lat, lon), planar around the point."""
    kx, ky = 111.32 * math.cos(math.radians(lat)), 110.574
    best = math.inf
    for (a_lat, a_lon), (b_lat, b_lon) in itertools.pairwise(line):
        ax, ay = (a_lon - lon) * kx, (a_lat - lat) * ky
        bx, by = (b_lon - lon) * kx, (b_lat - lat) * ky
        dx, dy = bx - ax, by - ay
        span = dx * dx + dy * dy
        t = 0.0 if span == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / span))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def at(section: PlacedSection, index: int) -> tuple[float, float]:
    """A section vertex as (lat, lon)."""
    lon, lat = section.coordinates[index]
    return (lat, lon)


def near(p: tuple[float, float], q: tuple[float, float], km: float = 0.01) -> bool:
    return haversine_km(*p, *q) <= km


# --- a small network ----------------------------------------------------------------------------


def wp(name: str, lat: float, lon: float) -> Waypoint:
    kind: WaypointKind = "JC" if name.endswith("JC") else "TG" if name.endswith("TG") else "IC"
    return Waypoint(name=name, name_en=name, kind=kind, lat=lat, lon=lon)


# Route 0010 runs east along 35 N: AIC at 127.0, BJC at 127.3, CIC at 127.6, DIC at 128.0.
# Route 0020 runs east along 36 N (about 110 km north) and has its own XIC.
LINE = Route(
    route_no="0010",
    route_name="시험선",
    route_name_en="Test",
    waypoints=(
        wp("AIC", 35.0, 127.0),
        wp("BJC", 35.0, 127.3),
        wp("CIC", 35.0, 127.6),
        wp("DIC", 35.0, 128.0),
    ),
)
NORTH = Route(
    route_no="0020",
    route_name="북선",
    route_name_en="North",
    waypoints=(wp("XIC", 36.0, 127.2), wp("YIC", 36.0, 127.8)),
)
NET = Network(routes=(LINE, NORTH))


def cz(conzone_id: str, name: str, route_no: str = "0010", route_name: str = "시험선") -> Conzone:
    return Conzone(
        conzone_id=conzone_id, conzone_name=name, route_no=route_no, route_name=route_name
    )


def unit(name: str, lat: float, lon: float, route_no: str = "0010", code: str = "900") -> Unit:
    return Unit(unit_code=code, unit_name=name, route_no=route_no, lat=lat, lon=lon)


def place(*conzones: Conzone, units: tuple[Unit, ...] = (), **kw: Any) -> Placement:
    return place_conzones(conzones, units, network=kw.pop("network", NET), **kw)


def section(p: Placement, conzone_id: str) -> PlacedSection:
    return next(s for s in p.sections if s.conzone_id == conzone_id)


def reason(p: Placement, conzone_id: str) -> str:
    return next(u.reason for u in p.unplaced if u.conzone_id == conzone_id)


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ends"),
    [
        ("구서IC-영락IC", ("구서IC", "영락IC")),
        ("구서IC~영락IC", ("구서IC", "영락IC")),
        ("구서IC - 영락IC", ("구서IC", "영락IC")),
        (" 구서IC ~ 영락IC ", ("구서IC", "영락IC")),
        # A spaced dash wins over a bare one, so a point name may hold a dash.
        ("서울-춘천IC - 동홍천IC", ("서울-춘천IC", "동홍천IC")),
        ("구서IC", None),
        ("구서IC-영락IC-부산TG", None),
        ("구서IC-", None),
        ("", None),
    ],
)
def test_names_split_into_their_two_ends(name: str, ends: tuple[str, str] | None) -> None:
    assert split_name(name) == ends


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("영락IC", ("영락", "IC")),
        ("노포JC", ("노포", "JC")),
        ("서울TG", ("서울", "TG")),
        ("통도사Hi", ("통도사", "HI")),
        ("북구미하이패스IC", ("북구미", "HI")),
        ("금강휴게소", ("금강", "SA")),
        ("칠곡물류IC", ("칠곡물류", "IC")),
        ("영락", ("영락", None)),
        ("양주(개)", ("양주", None)),
    ],
)
def test_point_names_have_a_stem_and_a_kind(name: str, parsed: tuple[str, str | None]) -> None:
    assert parse_point(name) == parsed


def test_the_direction_is_the_ids_letter() -> None:
    assert conzone_direction("0010CZE010") == "E"
    assert conzone_direction("1000CZS390") == "S"
    assert conzone_direction("0010VDE00100") is None


# --- placing --------------------------------------------------------------------------------


def test_known_ends_are_drawn_on_their_points_along_the_route() -> None:
    p = place(cz("0010CZE010", "AIC-CIC"), cz("0010CZS010", "CIC-AIC"))
    east, south = section(p, "0010CZE010"), section(p, "0010CZS010")
    # Start point, the route's vertex between them (BJC), end point.
    assert [at(east, i) for i in range(3)] == [(35.0, 127.0), (35.0, 127.3), (35.0, 127.6)]
    assert south.coordinates == east.coordinates[::-1]
    assert (east.start.name, east.end.name, east.start.source) == ("AIC", "CIC", "network")
    assert east.length_km == pytest.approx(haversine_km(35.0, 127.0, 35.0, 127.6), abs=0.01)
    assert p.percent == 100.0


def test_separators_of_every_kind_place_alike() -> None:
    p = place(cz("0010CZE010", "AIC~BJC"), cz("0010CZE020", "BJC - CIC"))
    assert [s.conzone_id for s in p.sections] == ["0010CZE010", "0010CZE020"]
    assert near(at(section(p, "0010CZE020"), 0), (35.0, 127.3))


def test_an_unknown_end_is_placed_between_its_placed_neighbours() -> None:
    # MIC is nowhere in the gazetteer: the chain AIC - MIC - CIC puts it halfway.
    p = place(cz("0010CZE010", "AIC-MIC"), cz("0010CZE020", "MIC-CIC"))
    first, second = section(p, "0010CZE010"), section(p, "0010CZE020")
    assert first.end.source == second.start.source == "interpolated"
    assert near((first.end.lat, first.end.lon), (35.0, 127.3))
    assert first.coordinates[-1] == second.coordinates[0]
    assert p.coverage[0].interpolated_ends == 2


def test_two_unknown_ends_share_the_gap_evenly_in_serial_order() -> None:
    # Serials with gaps order the chain: 010 AIC-MIC, 015 MIC-NIC, 020 NIC-DIC.
    p = place(cz("0010CZE020", "NIC-DIC"), cz("0010CZE010", "AIC-MIC"), cz("0010CZE015", "MIC-NIC"))
    m, n = section(p, "0010CZE010").end, section(p, "0010CZE015").end
    assert near((m.lat, m.lon), (35.0, 127.0 + 1 / 3), 0.05)
    assert near((n.lat, n.lon), (35.0, 127.0 + 2 / 3), 0.05)


def test_vds_chainage_places_an_unknown_end() -> None:
    chainages = (
        Chainage(conzone_id="0010CZE010", start_km=0.0, end_km=10.0),
        Chainage(conzone_id="0010CZE020", start_km=10.0, end_km=30.0),
        Chainage(conzone_id="0010CZE020", start_km=30.0, end_km=40.0),
    )
    p = place(cz("0010CZE010", "AIC-MIC"), cz("0010CZE020", "MIC-BJC"), chainages=chainages)
    m = section(p, "0010CZE010").end
    assert m.source == "chainage"
    assert near((m.lat, m.lon), (35.0, 127.0 + 0.3 * 10 / 40), 0.05)


def test_a_unit_places_an_ic_of_its_stem_but_never_a_jc() -> None:
    # Unit "M" (no suffix) is the toll office of MIC; MJC is another point.
    units = (unit("M", 35.01, 127.2),)
    p = place(
        cz("0010CZE010", "AIC-MIC"),
        cz("0010CZE020", "MIC-MJC"),
        cz("0010CZE030", "MJC-CIC"),
        units=units,
    )
    mic, mjc = section(p, "0010CZE010").end, section(p, "0010CZE020").end
    assert (mic.source, mic.lat, mic.lon) == ("tollgate", 35.01, 127.2)
    assert mjc.source == "interpolated"
    assert not near((mjc.lat, mjc.lon), (35.01, 127.2), 1.0)


def test_a_candidate_far_from_the_route_is_rejected() -> None:
    # A unit "M" 20 km off the route, and XIC of route 0020 (110 km away): neither is used.
    units = (unit("M", 35.18, 127.2),)
    p = place(
        cz("0010CZE010", "AIC-MIC"),
        cz("0010CZE020", "MIC-XIC"),
        cz("0010CZE030", "XIC-DIC"),
        units=units,
    )
    for s in p.sections:
        for lon, lat in s.coordinates:
            assert off_line_km(lat, lon, [(w.lat, w.lon) for w in LINE.waypoints]) < 0.1
    assert section(p, "0010CZE010").end.source == "interpolated"
    assert section(p, "0010CZE020").end.source == "interpolated"


def test_a_candidate_of_the_conzones_own_route_is_preferred() -> None:
    units = (
        unit("M", 35.005, 127.2, route_no="0020", code="901"),
        unit("M", 35.02, 127.2, route_no="0010", code="902"),
    )
    p = place(cz("0010CZE010", "AIC-MIC"), cz("0010CZE020", "MIC-CIC"), units=units)
    assert (section(p, "0010CZE010").end.lat, section(p, "0010CZE010").end.lon) == (35.02, 127.2)


def test_a_known_point_far_out_of_order_is_placed_like_an_unknown_one() -> None:
    # Unit "M" lies past DIC's side of CIC, yet the chain puts MIC between AIC and CIC.
    units = (unit("M", 35.0, 127.9),)
    p = place(cz("0010CZE010", "AIC-MIC"), cz("0010CZE020", "MIC-CIC"), units=units)
    m = section(p, "0010CZE010").end
    assert m.source == "interpolated"
    assert near((m.lat, m.lon), (35.0, 127.3))


def test_a_route_numbered_the_other_way_is_followed_backwards() -> None:
    # KEC's chainage may run against the built-in route's waypoint order.
    p = place(cz("0010CZE010", "DIC-CIC"), cz("0010CZE020", "CIC-AIC"))
    back = section(p, "0010CZE020")
    assert [at(back, i) for i in range(3)] == [(35.0, 127.6), (35.0, 127.3), (35.0, 127.0)]


def test_a_ring_road_closes_on_its_first_point() -> None:
    square = Route(
        route_no="1000",
        route_name="순환선",
        route_name_en="Ring",
        waypoints=(
            wp("AIC", 37.0, 127.0),
            wp("BIC", 37.0, 127.1),
            wp("CIC", 37.1, 127.1),
            wp("DIC", 37.1, 127.0),
        ),
    )
    names = ("AIC-BIC", "BIC-CIC", "CIC-DIC", "DIC-AIC")
    zones = [cz(f"1000CZE{10 * (i + 1):03d}", n, "1000", "순환선") for i, n in enumerate(names)]
    p = place(*zones, network=Network(routes=(square,)))
    assert p.placed == 4
    closing = section(p, "1000CZE040")
    assert (at(closing, 0), at(closing, -1)) == ((37.1, 127.0), (37.0, 127.0))
    assert closing.length_km == pytest.approx(haversine_km(37.1, 127.0, 37.0, 127.0), abs=0.01)


def test_a_route_missing_from_the_network_is_learned_from_its_points() -> None:
    units = (
        unit("P", 34.0, 126.0, route_no="0030", code="911"),
        unit("Q", 34.1, 126.1, route_no="0030", code="912"),
        unit("R", 34.2, 126.2, route_no="0030", code="913"),
    )
    zones = [
        cz("0030CZE010", "PIC-QIC", "0030", "신선"),
        cz("0030CZE020", "QIC-NIC", "0030", "신선"),
        cz("0030CZE030", "NIC-RIC", "0030", "신선"),
    ]
    p = place(*zones, units=units)
    assert p.placed == 3
    [learned] = p.routes
    assert learned.route_no == "0030"
    assert learned.coordinates == ((126.0, 34.0), (126.1, 34.1), (126.2, 34.2))
    assert p.coverage[0].geometry == "learned"
    n = section(p, "0030CZE020").end
    assert near((n.lat, n.lon), (34.15, 126.15), 0.1)


def test_conzones_that_cannot_be_placed_are_listed_with_a_reason_and_not_drawn() -> None:
    p = place(
        cz("0010CZE010", "AIC"),  # one end only
        cz("0010CZE020", "CIC-ZIC"),  # ZIC: unknown, nothing placed after it
        cz("XYZ", "AIC-BJC"),  # not a KEC id: no order
        cz("0040CZE010", "SIC-TIC", "0040", "없는선"),  # a route with no geometry at all
        cz("0010CZS010", "BJC-AIC"),
    )
    assert [s.conzone_id for s in p.sections] == ["0010CZS010"]
    assert "not two ends" in reason(p, "0010CZE010")
    assert "ZIC" in reason(p, "0010CZE020")
    assert "no placed point" in reason(p, "0010CZE020")
    assert "id is not KEC's" in reason(p, "XYZ")
    assert "not in the built-in network" in reason(p, "0040CZE010")
    assert {c.route_no: (c.placed, c.total) for c in p.coverage} == {
        "0010": (1, 4),
        "0040": (0, 1),
    }
    assert (p.placed, p.total) == (1, 5)


def test_a_repeated_conzone_counts_once() -> None:
    p = place(cz("0010CZE010", "AIC-BJC"), cz("0010CZE010", "AIC-BJC"))
    assert (p.placed, p.total) == (1, 1)


def test_the_built_in_network_places_exactly_as_it_is_drawn() -> None:
    network = load_network()
    p = builtin_placement()
    assert p.unplaced == ()
    assert [s.conzone_id for s in p.sections] == [s.conzone_id for s in network.sections]
    for placed, s in zip(p.sections, network.sections, strict=True):
        assert placed.coordinates == (
            (round(s.start.lon, 6), round(s.start.lat, 6)),
            (round(s.end.lon, 6), round(s.end.lat, 6)),
        )
        assert placed.length_km == pytest.approx(s.length_km, abs=0.001)
        assert (placed.start.source, placed.end.source) == ("network", "network")
    assert place_conzones(builtin_conzones(network), network=network) == p


def test_the_simulators_feeds_place_exactly_as_the_network_is_drawn() -> None:
    # What sim mode stores: the world's road readings, tollgates and VDS locations.
    world = TrafficWorld(7)
    now = datetime(2026, 9, 19, 18, 30, tzinfo=KST)
    readings = world.road_status_at(now)
    locations = VDS_LIST.sim_records(SimRequest(world, {}, now, {}))
    p = place_conzones(conzones_of(readings), units_of(world.tollgates()), chainages_of(locations))
    drawn = {s.conzone_id: s for s in builtin_placement().sections}
    assert p.unplaced == ()
    assert len(p.sections) == len(drawn)
    for s in p.sections:
        assert (s.coordinates, s.length_km) == (
            drawn[s.conzone_id].coordinates,
            drawn[s.conzone_id].length_km,
        )


def test_records_with_the_fields_convert() -> None:
    class Stored(msgspec.Struct):
        conzone_id: str
        conzone_name: str
        route_no: str
        route_name: str
        direction: str

    rows = [Stored("0010CZE010", "AIC-BJC", "0010", "시험선", "E")] * 2
    assert conzones_of(rows) == (
        Conzone(
            conzone_id="0010CZE010",
            conzone_name="AIC-BJC",
            route_no="0010",
            route_name="시험선",
            direction="E",
        ),
    )


def test_the_data_api_encodes_a_placement_as_geojson_and_a_check() -> None:
    p = place(cz("0010CZE010", "AIC-CIC"), cz("0010CZE020", "CIC-ZIC"))
    inputs = NetworkInputs(conzones=(cz("0010CZE010", "AIC-CIC"), cz("0010CZE020", "CIC-ZIC")))
    geo = NetworkGeoJson(NET, p, inputs=inputs).encode_all()
    sections = msgspec.json.decode(geo.sections(None), type=SectionCollection)
    [feature] = sections.features
    assert feature.properties.conzone_id == "0010CZE010"
    assert feature.geometry.coordinates == [(127.0, 35.0), (127.3, 35.0), (127.6, 35.0)]
    assert geo.sections("0010") == geo.sections(None)
    assert msgspec.json.decode(geo.sections("0020"), type=SectionCollection).features == []
    check = msgspec.json.decode(geo.check, type=NetworkCheck)
    assert (check.source, check.total, check.placed, check.percent) == ("store", 2, 1, 50.0)
    [unplaced] = check.unplaced
    assert (unplaced.conzone_id, unplaced.direction) == ("0010CZE020", "E")
    assert "ZIC" in unplaced.reason
    assert NetworkGeoJson(NET).source == "builtin"


def test_the_learned_network_rebuilds_after_commits_of_what_places_it() -> None:
    learned = LearnedNetwork(NET)
    for kind, dirty in (("accidents", False), ("tollgate", False), ("road", True)):
        learned.note(CommitEvent(kind=kind, batch_id="b", inserted=1, duplicates=0, version=1))
        assert learned._dirty.is_set() is dirty
    learned._dirty.clear()
    learned.note(CommitEvent(kind="vds", batch_id="b", inserted=1, duplicates=0, version=2))
    assert learned._dirty.is_set()
    assert learned.current.placement.placed == 2 * 3 + 2 * 1  # NET's own sections


# --- real KEC data --------------------------------------------------------------------------


def sample_conzones() -> list[Conzone]:
    doc = json.loads((KEC_REAL / "conzones-sample.json").read_bytes())
    return [
        Conzone(
            conzone_id=c["conzoneId"],
            conzone_name=c["conzoneName"],
            route_no=c["routeNo"],
            route_name=c["routeName"],
        )
        for c in doc["conzones"]
    ]


def kec_units() -> list[Unit]:
    units = []
    for row in json.loads((KEC_REAL / "locationinfoUnit-590.json").read_bytes()):
        located = row["xValue"] is not None and row["yValue"] is not None
        units.append(
            Unit(
                unit_code=row["unitCode"].strip(),
                unit_name=row["unitName"],
                route_no=normalize_route_no(row["routeNo"]),
                lat=float(row["yValue"]) if located else None,
                lon=float(row["xValue"]) if located else None,
            )
        )
    return units


@pytest.fixture(scope="module")
def real() -> Placement:
    return place_conzones(sample_conzones(), kec_units())


def test_the_sample_is_what_we_think_it_is() -> None:
    conzones = sample_conzones()
    assert len(conzones) == 199
    assert {c.route_no for c in conzones} == set(SAMPLE_ROUTES)
    assert len([u for u in kec_units() if u.lat is None]) == 194


def test_real_conzones_are_placed_on_their_own_routes(real: Placement) -> None:
    network = load_network()
    coverage = {c.route_no: c for c in real.coverage}
    assert set(coverage) == set(SAMPLE_ROUTES)
    for route_no in SAMPLE_ROUTES:
        assert coverage[route_no].percent >= 95.0, coverage[route_no]
        assert coverage[route_no].geometry == "network"
    ids = {c.conzone_id: c for c in sample_conzones()}
    for s in real.sections:
        assert s.route_no == ids[s.conzone_id].route_no
        assert s.direction == s.conzone_id[6]
        line = [(w.lat, w.lon) for w in network.route(s.route_no).waypoints]
        for lon, lat in s.coordinates:
            # Within the gazetteer's tolerance of its own route: never drawn on another road.
            assert off_line_km(lat, lon, line) <= MAX_OFF_ROUTE_KM, s.conzone_id


def test_real_ends_sit_on_the_points_they_are_named_after(real: Placement) -> None:
    network = load_network()
    units = kec_units()
    waypoints = [(w.name, w.lat, w.lon) for w in network.waypoints]
    checked = 0
    for s in real.sections:
        for end in (s.start, s.end):
            named = [(lat, lon) for name, lat, lon in waypoints if name == end.name]
            stem, kind = parse_point(end.name)
            if kind in ("IC", "TG"):
                named += [
                    (u.lat, u.lon)
                    for u in units
                    if u.lat is not None
                    and u.lon is not None
                    and u.route_no == s.route_no
                    and parse_point(u.unit_name) == (stem, None)
                ]
            if named:
                checked += 1
                nearest = min(haversine_km(end.lat, end.lon, *q) for q in named)
                assert nearest <= 3.0, (s.conzone_id, end)
    assert checked > 250


def test_guseo_yeongnak_is_drawn_between_guseo_ic_and_yeongnak_ic(real: Placement) -> None:
    gyeongbu = {w.name: w for w in load_network().route("0010").waypoints}
    guseo, busan = gyeongbu["구서IC"], gyeongbu["부산TG"]
    east = section(real, "0010CZE010")
    assert east.conzone_name == "구서IC-영락IC"
    assert (east.start.name, east.end.name) == ("구서IC", "영락IC")
    assert near(at(east, 0), (guseo.lat, guseo.lon))
    # 영락IC is in neither gazetteer: it lies on the route between 구서IC and 부산TG.
    yeongnak = (east.end.lat, east.end.lon)
    assert east.end.source == "interpolated"
    span = haversine_km(guseo.lat, guseo.lon, busan.lat, busan.lon)
    assert haversine_km(*yeongnak, guseo.lat, guseo.lon) < span
    assert haversine_km(*yeongnak, busan.lat, busan.lon) < span
    assert section(real, "0010CZE011").coordinates[0] == east.coordinates[-1]
    south = section(real, "0010CZS010")
    assert (south.start.name, south.end.name) == ("영락IC", "구서IC")
    assert near(at(south, -1), (guseo.lat, guseo.lon))


def test_the_ring_road_closes_in_both_directions(real: Placement) -> None:
    pangyo = next(w for w in load_network().route("1000").waypoints if w.name == "판교JC")
    for conzone_id, index in (("1000CZE390", -1), ("1000CZS390", 0), ("1000CZE010", 0)):
        assert near(at(section(real, conzone_id), index), (pangyo.lat, pangyo.lon)), conzone_id


# --- trafficha network check ----------------------------------------------------------------


def test_the_check_prints_coverage_per_route_of_the_sample(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = cli.main(
        [
            "network",
            "check",
            "--conzones",
            str(KEC_REAL / "conzones-sample.json"),
            "--units",
            str(KEC_REAL / "locationinfoUnit-590.json"),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("199 conzones, 396 located tollgates, 0 VDS chainages\n")
    rows = {line.split()[0]: line.split()[1:4] for line in out.splitlines()[2:5]}
    assert rows == {
        "0010": ["127", "127", "100.0"],
        "1000": ["72", "72", "100.0"],
        "all": ["199", "199", "100.0"],
    }
    assert "unplaced: 0" in out


def test_the_check_reads_kec_answers_and_lists_what_it_cannot_place(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = cli.main(
        [
            "network",
            "check",
            "--json",
            "--conzones",
            str(FIXTURES / "traffic_amount_by_realtime.json"),
            "--units",
            str(FIXTURES / "locationinfo_unit.json"),
        ]
    )
    assert status == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["conzones"], doc["total"], doc["tollgates"]) == (4, 4, 2)
    # Southbound 영락IC lies between 구서IC and 부산TG; eastbound nothing follows it.
    [unplaced] = doc["unplaced"]
    assert unplaced["conzone_id"] == "0010CZE010"
    assert (
        unplaced["reason"] == "영락IC is not in the gazetteer, with no placed point on its end side"
    )
    assert {r["route_no"]: r["placed"] for r in doc["routes"]} == {"0010": 2, "0150": 1}


def test_the_check_takes_a_bare_unit_array_and_vds_answers(tmp_path: Path) -> None:
    vds = tmp_path / "vds.json"
    vds.write_text(
        json.dumps(
            {
                "code": "SUCCESS",
                "list": [
                    {
                        "vdsId": "0010VDE00100",
                        "czId": "0010CZE010",
                        "routeNo": "0010",
                        "directionCode": "E",
                        "vdsStartShift": "0.0",
                        "vdsEndShift": "1.5",
                    },
                ],
            }
        )
    )
    inputs = load_inputs(
        KEC_REAL / "conzones-sample.json", KEC_REAL / "locationinfoUnit-590.json", vds
    )
    assert (len(inputs.conzones), len(inputs.units), len(inputs.chainages)) == (199, 396, 1)
    assert inputs.conzones[0].direction == "E"
    assert {u.route_no for u in inputs.units} >= {"0010", "1000"}


def test_the_check_refuses_bad_arguments_and_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["network", "check", "--units", str(tmp_path / "u.json")]) == 1
    assert "--units and --vds go with --conzones" in capsys.readouterr().err
    assert cli.main(["network", "check", "--conzones", str(tmp_path / "missing.json")]) == 1
    assert "missing.json" in capsys.readouterr().err
    (tmp_path / "odd.json").write_text('{"rows": []}')
    assert cli.main(["network", "check", "--conzones", str(tmp_path / "odd.json")]) == 1
    assert "no 'conzones' or 'list'" in capsys.readouterr().err
