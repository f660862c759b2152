"""Integrity checks for the packaged land outline of South Korea."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

import msgspec
import pytest

from trafficha.reference import load_network
from trafficha.reference.outline import (
    OutlineCollection,
    contains,
    load_outline,
    outline_document,
)

MIN_WAYPOINTS_INSIDE = 0.97


@pytest.fixture(scope="module")
def outline() -> dict[str, Any]:
    return load_outline()


def rings(outline: dict[str, Any]) -> list[list[list[float]]]:
    return [
        ring
        for feature in outline["features"]
        for polygon in feature["geometry"]["coordinates"]
        for ring in polygon
    ]


def signed_area(ring: list[list[float]]) -> float:
    """Shoelace, in square degrees: positive when counter-clockwise."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring)) / 2


def test_load_is_cached_and_hands_out_copies(outline: dict[str, Any]) -> None:
    assert outline_document() is outline_document()
    again = load_outline()
    assert again == outline
    again["features"].clear()
    assert load_outline() == outline


def test_one_multipolygon_feature_named_korea(outline: dict[str, Any]) -> None:
    assert outline["type"] == "FeatureCollection"
    [feature] = outline["features"]
    assert feature["type"] == "Feature"
    assert feature["properties"] == {"name": "대한민국", "nameEn": "Republic of Korea"}
    assert feature["geometry"]["type"] == "MultiPolygon"
    polygons = feature["geometry"]["coordinates"]
    sizes = sorted((len(p[0]) - 1 for p in polygons), reverse=True)
    assert 80 <= sizes[0] <= 150, "the mainland"
    assert 15 <= sizes[1] <= 25, "Jeju"


def test_rings_are_closed_and_counter_clockwise(outline: dict[str, Any]) -> None:
    for polygon in (p for f in outline["features"] for p in f["geometry"]["coordinates"]):
        exterior, *holes = polygon
        assert len(exterior) >= 4
        assert exterior[0] == exterior[-1]
        assert signed_area(exterior) > 0
        assert holes == []


def test_every_position_is_within_south_korea(outline: dict[str, Any]) -> None:
    for ring in rings(outline):
        for lon, lat in ring:
            assert 124.0 <= lon <= 132.0, (lon, lat)
            assert 33.0 <= lat <= 39.0, (lon, lat)


def test_the_waypoints_are_on_land() -> None:
    waypoints = list(load_network().waypoints)
    outside = [w.name_en for w in waypoints if not contains(w.lon, w.lat)]
    assert len(outside) <= (1 - MIN_WAYPOINTS_INSIDE) * len(waypoints), outside


@pytest.mark.parametrize(
    ("place", "lon", "lat"),
    [
        ("Seoul", 126.978, 37.566),
        ("Daejeon", 127.385, 36.351),
        ("Daegu", 128.601, 35.871),
        ("Gwangju", 126.852, 35.160),
        ("Busan", 129.075, 35.180),
        ("Gangneung", 128.876, 37.752),
        ("Jeju", 126.531, 33.500),
        ("Seogwipo", 126.560, 33.254),
        ("Ulleung", 130.860, 37.500),
        ("Geoje", 128.621, 34.880),
    ],
)
def test_places_on_land(place: str, lon: float, lat: float) -> None:
    assert contains(lon, lat), place


@pytest.mark.parametrize(
    ("place", "lon", "lat"),
    [
        ("Yellow Sea", 125.500, 36.000),
        ("Jeju Strait", 126.500, 33.900),
        ("East Sea", 130.000, 37.000),
        ("Tsushima", 129.300, 34.400),
        ("Kaesong", 126.555, 37.971),
        ("Pyongyang", 125.754, 39.019),
        ("Wonsan", 127.444, 39.153),
        ("Fukuoka", 130.402, 33.590),
    ],
)
def test_places_off_the_outline(place: str, lon: float, lat: float) -> None:
    assert not contains(lon, lat), place


def test_an_open_or_clockwise_ring_fails_loudly() -> None:
    from trafficha.reference.outline import _check

    def broken(change: Callable[[list[list[float]]], object]) -> OutlineCollection:
        doc = load_outline()
        change(doc["features"][0]["geometry"]["coordinates"][0][0])
        return msgspec.json.decode(msgspec.json.encode(doc), type=OutlineCollection)

    with pytest.raises(ValueError, match="not closed"):
        _check(broken(lambda ring: ring.pop()))
    with pytest.raises(ValueError, match="wrong way"):
        _check(broken(lambda ring: ring.reverse()))
