"""The expressway network as GeoJSON, learned from what is stored, and South Korea's outline.

:class:`LearnedNetwork` places the stored conzones (``road_traffic_status``) with the built-in
network and the stored tollgates as gazetteer and the stored VDS chainages, naming the routes as
the stored route list does (:mod:`trafficha.reference.placement`), in every source mode: the
simulator's conzones are the built-in network's and place exactly, KEC's are learned. With no road
readings stored it serves the built-in network. It rebuilds in the background, off the request
path, after a commit of road, tollgate-list, VDS or route-list data (at most every
:data:`MIN_REBUILD_GAP`) and at least every
:data:`REFRESH_EVERY`; each build is one :class:`NetworkGeoJson`, its answers encoded once.

Positions are ``[longitude, latitude]``, as GeoJSON orders them.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import datetime, timedelta
from functools import cached_property
from typing import Final, Literal

import msgspec

from trafficha.aio import sleep_unless
from trafficha.apps.data_api.models import (
    FeatureCollection,
    LineString,
    NetworkCheck,
    Point,
    RouteCoverageItem,
    RouteFeature,
    RouteProperties,
    SectionCollection,
    SectionFeature,
    SectionProperties,
    UnplacedItem,
    WaypointFeature,
    WaypointProperties,
)
from trafficha.events import CommitEvent, Event
from trafficha.kst import now_kst
from trafficha.reference.network import Network, Waypoint, load_network
from trafficha.reference.outline import outline_document
from trafficha.reference.placement import (
    NetworkInputs,
    PlacedSection,
    Placement,
    builtin_conzones,
    builtin_placement,
    chainages_of,
    conzones_of,
    place_conzones,
    routes_of,
    units_of,
)
from trafficha.store import StoreError
from trafficha.store.queries import StoreLike
from trafficha.store.reads import (
    StoredConzone,
    road_conzones,
    route_list,
    tollgate_locations,
    vds_locations,
)

__all__ = [
    "MIN_REBUILD_GAP",
    "REBUILD_KINDS",
    "REFRESH_EVERY",
    "LearnedNetwork",
    "NetworkGeoJson",
]

log = logging.getLogger(__name__)

REBUILD_KINDS: Final = frozenset({"road", "tollgates", "vds", "routes"})
"""Committed kinds that may change the network."""
MIN_REBUILD_GAP: Final = 5.0
"""Seconds between the starts of two builds at least, however often data is committed."""
REFRESH_EVERY: Final = 600.0
"""Seconds between two builds at most, commits or not (a missed event costs no more)."""
# Readings a batch committed late can carry: the next build reads from this far before the last.
_OVERLAP: Final = timedelta(minutes=10)
_BACKOFF_MAX: Final = 30.0
_READ_TIMEOUT: Final = 30.0
_EMPTY_SECTIONS: Final = msgspec.json.encode(
    SectionCollection(type="FeatureCollection", features=[])
)


def _position(w: Waypoint) -> tuple[float, float]:
    return (w.lon, w.lat)


def _section_feature(s: PlacedSection) -> SectionFeature:
    return SectionFeature(
        type="Feature",
        geometry=LineString(type="LineString", coordinates=list(s.coordinates)),
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
    """One placement's routes and waypoints, sections per route and check, and the land outline,
    as encoded bytes (each encoded on first use)."""

    def __init__(
        self,
        network: Network | None = None,
        placement: Placement | None = None,
        *,
        inputs: NetworkInputs | None = None,
        built_at: datetime | None = None,
    ) -> None:
        self.network = network if network is not None else load_network()
        self.placement = placement if placement is not None else _builtin_of(self.network)
        self.inputs = inputs if inputs is not None else NetworkInputs()
        self.source: Literal["store", "builtin"] = "store" if self.inputs.conzones else "builtin"
        self.built_at = built_at if built_at is not None else now_kst()

    def encode_all(self) -> NetworkGeoJson:
        """Encode every answer now (in a worker thread: off the event loop); returns self."""
        _ = self.routes, self._sections, self.check, self.outline, self.version
        return self

    @cached_property
    def version(self) -> str:
        """The geometry's version: a hash of the routes, sections and outline served (not of
        the check, which carries the build time), so an identical rebuild, or another member's
        build of the same inputs, keeps it; ``?v=`` URLs with it may be cached for good."""
        digest = hashlib.blake2b(digest_size=8)
        for part in (self.routes, *self._sections.values(), self.outline):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        return digest.hexdigest()

    @cached_property
    def routes(self) -> bytes:
        """One LineString per route (the built-in network's, then those learned from their
        points), then one Point per waypoint of each built-in route."""
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
            RouteFeature(
                type="Feature",
                geometry=LineString(type="LineString", coordinates=list(r.coordinates)),
                properties=RouteProperties(
                    route_no=r.route_no, route_name=r.route_name, route_name_en=""
                ),
            )
            for r in self.placement.routes
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
        for s in self.placement.sections:
            feature = _section_feature(s)
            by_route[None].append(feature)
            by_route.setdefault(s.route_no, []).append(feature)
        return {
            route: msgspec.json.encode(SectionCollection(type="FeatureCollection", features=f))
            for route, f in by_route.items()
        }

    @cached_property
    def check(self) -> bytes:
        """Coverage per route and every unplaced conzone with its reason."""
        p = self.placement
        return msgspec.json.encode(
            NetworkCheck(
                source=self.source,
                built_at=self.built_at,
                conzones=p.total,
                tollgates=len(self.inputs.units),
                vds_locations=len(self.inputs.chainages),
                total=p.total,
                placed=p.placed,
                percent=round(p.percent, 1),
                routes=[
                    RouteCoverageItem(
                        route_no=c.route_no,
                        route_name=c.route_name,
                        total=c.total,
                        placed=c.placed,
                        percent=round(c.percent, 1),
                        interpolated_ends=c.interpolated_ends,
                        geometry=c.geometry,
                    )
                    for c in p.coverage
                ],
                unplaced=[
                    UnplacedItem(
                        conzone_id=u.conzone_id,
                        conzone_name=u.conzone_name,
                        route_no=u.route_no,
                        route_name=u.route_name,
                        direction=u.direction,
                        reason=u.reason,
                    )
                    for u in p.unplaced
                ],
            )
        )

    @cached_property
    def outline(self) -> bytes:
        """South Korea's land outline: one MultiPolygon feature, as the package data has it."""
        return msgspec.json.encode(outline_document())

    def sections(self, route_no: str | None) -> bytes:
        """Every placed conzone of ``route_no`` (all routes when None); none for an unknown one."""
        return self._sections.get(route_no, _EMPTY_SECTIONS)


def _builtin_of(network: Network) -> Placement:
    """The network's own sections, placed (cached for the packaged network)."""
    if network is load_network():
        return builtin_placement()
    return place_conzones(builtin_conzones(network), network=network)


class LearnedNetwork:
    """The network the data API serves: :attr:`current`, rebuilt from the store by a task."""

    def __init__(self, network: Network | None = None) -> None:
        self.network = network if network is not None else load_network()
        self.current = NetworkGeoJson(self.network)
        self.builds = 0
        self._conzones: dict[str, StoredConzone] = {}
        self._since: datetime | None = None
        self._dirty = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def note(self, event: Event) -> None:
        """An event from the hub: a commit of road, tollgate-list, VDS or route-list data asks
        for a build."""
        if isinstance(event, CommitEvent) and event.kind in REBUILD_KINDS:
            self._dirty.set()

    def start(self, store: StoreLike) -> None:
        self._task = asyncio.create_task(self._run(store), name="network-learn")

    async def close(self) -> None:
        self._stop.set()
        self._dirty.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def inputs(self, store: StoreLike) -> NetworkInputs:
        """The stored conzones (read since the last build, merged with those read before),
        located tollgates, VDS chainages and KEC's route names."""
        since = None if self._since is None else self._since - _OVERLAP
        for c in await road_conzones(store, since=since):
            known = self._conzones.get(c.conzone_id)
            if known is None or c.last_seen_at >= known.last_seen_at:
                self._conzones[c.conzone_id] = c
            self._since = max(self._since or c.last_seen_at, c.last_seen_at)
        return NetworkInputs(
            conzones=conzones_of(self._conzones[c] for c in sorted(self._conzones)),
            units=units_of(await tollgate_locations(store)),
            chainages=chainages_of(await vds_locations(store)),
            routes=routes_of(await route_list(store)),
        )

    async def refresh(self, store: StoreLike) -> bool:
        """Read the inputs and, if they changed, learn and encode a new network in a worker
        thread, then serve it; whether it changed."""
        async with asyncio.timeout(_READ_TIMEOUT):
            inputs = await self.inputs(store)
        if inputs == self.current.inputs:
            return False
        built = await asyncio.to_thread(self._learn, inputs)
        self.current = built
        self.builds += 1
        p = built.placement
        log.info(
            "network learned: %d of %d conzones placed (%.1f %%), %d tollgates, %d VDS",
            p.placed,
            p.total,
            p.percent,
            len(inputs.units),
            len(inputs.chainages),
        )
        return True

    def _learn(self, inputs: NetworkInputs) -> NetworkGeoJson:
        if not inputs.conzones:  # nothing stored (any more): the built-in network
            return NetworkGeoJson(self.network, inputs=inputs).encode_all()
        placement = place_conzones(
            inputs.conzones, inputs.units, inputs.chainages, self.network, inputs.routes
        )
        return NetworkGeoJson(self.network, placement, inputs=inputs).encode_all()

    async def _run(self, store: StoreLike) -> None:
        loop = asyncio.get_running_loop()
        backoff = 1.0
        while not self._stop.is_set():
            self._dirty.clear()
            started = loop.time()
            try:
                await self.refresh(store)
            except (StoreError, TimeoutError) as exc:
                log.warning("network not learned, retrying in %.0f s: %s", backoff, exc)
                await sleep_unless(self._stop, backoff)
                backoff = min(backoff * 2, _BACKOFF_MAX)
                continue
            backoff = 1.0
            try:
                async with asyncio.timeout(REFRESH_EVERY):
                    await self._dirty.wait()
            except TimeoutError:
                pass
            await sleep_unless(self._stop, started + MIN_REBUILD_GAP - loop.time())
