"""The reference expressway network, and South Korea's land outline, as GeoJSON encoded once
per process.

Positions are ``[longitude, latitude]``, as GeoJSON orders them.
"""

from __future__ import annotations

from functools import cached_property

import msgspec

from trafficha.apps.data_api.models import (
    FeatureCollection,
    LineString,
    Point,
    RouteFeature,
    RouteProperties,
    SectionCollection,
    SectionFeature,
    SectionProperties,
    WaypointFeature,
    WaypointProperties,
)
from trafficha.reference.network import Network, Section, Waypoint, load_network
from trafficha.reference.outline import outline_document

__all__ = ["NetworkGeoJson"]


def _position(w: Waypoint) -> tuple[float, float]:
    return (w.lon, w.lat)


def _section_feature(s: Section) -> SectionFeature:
    return SectionFeature(
        type="Feature",
        geometry=LineString(type="LineString", coordinates=[_position(s.start), _position(s.end)]),
        properties=SectionProperties(
            conzone_id=s.conzone_id,
            conzone_name=s.conzone_name,
            route_no=s.route_no,
            route_name=s.route_name,
            direction=s.direction,
            length_km=s.length_km,
        ),
    )


class NetworkGeoJson:
    """The network's routes and waypoints, its sections per route, and the land outline, as
    encoded bytes."""

    def __init__(self, network: Network | None = None) -> None:
        self.network = network if network is not None else load_network()

    @cached_property
    def routes(self) -> bytes:
        """One LineString per route, then one Point per waypoint of each route."""
        features: list[RouteFeature | WaypointFeature] = [
            RouteFeature(
                type="Feature",
                geometry=LineString(
                    type="LineString", coordinates=[_position(w) for w in r.waypoints]
                ),
                properties=RouteProperties(
                    route_no=r.route_no, route_name=r.route_name, route_name_en=r.route_name_en
                ),
            )
            for r in self.network.routes
        ]
        features += [
            WaypointFeature(
                type="Feature",
                geometry=Point(type="Point", coordinates=_position(w)),
                properties=WaypointProperties(
                    name=w.name, name_en=w.name_en, kind=w.kind, route_no=r.route_no
                ),
            )
            for r in self.network.routes
            for w in r.waypoints
        ]
        return msgspec.json.encode(FeatureCollection(type="FeatureCollection", features=features))

    @cached_property
    def _sections(self) -> dict[str | None, bytes]:
        by_route: dict[str | None, list[SectionFeature]] = {None: []}
        for s in self.network.sections:
            feature = _section_feature(s)
            by_route[None].append(feature)
            by_route.setdefault(s.route_no, []).append(feature)
        return {
            route: msgspec.json.encode(SectionCollection(type="FeatureCollection", features=f))
            for route, f in by_route.items()
        }

    @cached_property
    def outline(self) -> bytes:
        """South Korea's land outline: one MultiPolygon feature, as the package data has it."""
        return msgspec.json.encode(outline_document())

    def sections(self, route_no: str | None) -> bytes:
        """Every conzone of ``route_no`` (all routes when None); no features for an unknown one."""
        found = self._sections.get(route_no)
        if found is None:
            return msgspec.json.encode(SectionCollection(type="FeatureCollection", features=[]))
        return found
