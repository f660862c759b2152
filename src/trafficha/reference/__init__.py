"""Static reference data for the Korean expressway network."""

from trafficha.reference.network import (
    Direction,
    Network,
    Route,
    Section,
    Waypoint,
    WaypointKind,
    haversine_km,
    load_network,
)

__all__ = [
    "Direction",
    "Network",
    "Route",
    "Section",
    "Waypoint",
    "WaypointKind",
    "haversine_km",
    "load_network",
]
