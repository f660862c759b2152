"""A coarse land outline of South Korea, for drawing the network on a map.

The outline ships as package data (``data/korea.json``): a GeoJSON FeatureCollection of one
MultiPolygon feature (the mainland and the larger islands), drawn by hand to within a few
kilometres. It is decoded strictly with msgspec and checked on load: every ring closed, every
exterior ring counter-clockwise (RFC 7946), every position inside South Korea's bounding box.

Positions are ``[longitude, latitude]``, as GeoJSON orders them.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Annotated, Any, Final, Literal

import msgspec

__all__ = [
    "MultiPolygon",
    "OutlineCollection",
    "OutlineFeature",
    "OutlineProperties",
    "contains",
    "load_outline",
    "outline_document",
]

_DATA_PACKAGE: Final = "trafficha.reference"
# South Korea with Jeju, Ulleung and a margin: anything outside is a typo in the data file.
_LAT: Final = (33.0, 39.0)
_LON: Final = (124.0, 132.0)

OutlineLongitude = Annotated[float, msgspec.Meta(ge=_LON[0], le=_LON[1])]
OutlineLatitude = Annotated[float, msgspec.Meta(ge=_LAT[0], le=_LAT[1])]
OutlinePosition = Annotated[
    tuple[OutlineLongitude, OutlineLatitude],
    msgspec.Meta(description="[longitude, latitude] (WGS84)"),
]
LinearRing = Annotated[
    tuple[OutlinePosition, ...],
    msgspec.Meta(min_length=4, description="Closed: the first position is repeated last"),
]
Polygon = Annotated[
    tuple[LinearRing, ...],
    msgspec.Meta(min_length=1, description="The exterior ring (counter-clockwise), then holes"),
]


class MultiPolygon(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    type: Literal["MultiPolygon"]
    coordinates: Annotated[tuple[Polygon, ...], msgspec.Meta(min_length=1)]


class OutlineProperties(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True
):
    name: str
    name_en: str


class OutlineFeature(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    type: Literal["Feature"]
    properties: OutlineProperties
    geometry: MultiPolygon


class OutlineCollection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """South Korea's land outline: one MultiPolygon feature."""

    type: Literal["FeatureCollection"]
    features: Annotated[tuple[OutlineFeature, ...], msgspec.Meta(min_length=1)]


def _signed_area(ring: LinearRing) -> float:
    """Shoelace area in square degrees: positive when the ring runs counter-clockwise."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring)) / 2


def _check(doc: OutlineCollection) -> None:
    for feature in doc.features:
        for i, polygon in enumerate(feature.geometry.coordinates):
            for j, ring in enumerate(polygon):
                if ring[0] != ring[-1]:
                    raise ValueError(f"outline polygon {i} ring {j} is not closed")
                area = _signed_area(ring)
                if (area <= 0) if j == 0 else (area >= 0):
                    raise ValueError(
                        f"outline polygon {i} ring {j} runs the wrong way "
                        "(exteriors counter-clockwise, holes clockwise)"
                    )


@cache
def _raw() -> bytes:
    return resources.files(_DATA_PACKAGE).joinpath("data").joinpath("korea.json").read_bytes()


@cache
def outline_document() -> OutlineCollection:
    """The packaged outline, decoded and checked (cached; the result is immutable)."""
    doc = msgspec.json.decode(_raw(), type=OutlineCollection, strict=True)
    _check(doc)
    return doc


def load_outline() -> dict[str, Any]:
    """The outline as parsed GeoJSON (dicts and lists), checked as :func:`outline_document`.

    The file is read and validated once; each call parses a fresh copy, so a caller that
    changes it cannot change what the next one sees.
    """
    outline_document()
    result: dict[str, Any] = msgspec.json.decode(_raw())
    return result


@cache
def _polygons() -> tuple[tuple[tuple[float, float, float, float], Polygon], ...]:
    """Each polygon with its bounding box (west, south, east, north), for a quick reject."""
    found = []
    for feature in outline_document().features:
        for polygon in feature.geometry.coordinates:
            lons = [lon for lon, _ in polygon[0]]
            lats = [lat for _, lat in polygon[0]]
            found.append(((min(lons), min(lats), max(lons), max(lats)), polygon))
    return tuple(found)


def _crossings(lon: float, lat: float, ring: LinearRing) -> int:
    """How many of the ring's edges a ray from the point toward the east crosses."""
    count = 0
    for (x1, y1), (x2, y2) in pairwise(ring):
        # Half-open in latitude, so a ray through a vertex counts its two edges once.
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            count += 1
    return count


def contains(lon: float, lat: float) -> bool:
    """Whether the point is on land by the outline (even-odd rule; a hole is water).

    A point exactly on an edge may fall either way; the outline is a few kilometres coarse
    in any case.
    """
    for (west, south, east, north), polygon in _polygons():
        inside_box = west <= lon <= east and south <= lat <= north
        if inside_box and sum(_crossings(lon, lat, ring) for ring in polygon) % 2 == 1:
            return True
    return False
