"""The traffic simulator: a deterministic world that plays the KEC feeds."""

from trafficha.sim.world import (
    INCIDENT_SLOT,
    INCIDENT_TYPES,
    MAX_INCIDENT_AGE,
    PROCESS_STEPS,
    TOLLGATE_DELAY,
    TOLLGATE_SLOT,
    IncidentType,
    TrafficWorld,
)

__all__ = [
    "INCIDENT_SLOT",
    "INCIDENT_TYPES",
    "MAX_INCIDENT_AGE",
    "PROCESS_STEPS",
    "TOLLGATE_DELAY",
    "TOLLGATE_SLOT",
    "IncidentType",
    "TrafficWorld",
]
