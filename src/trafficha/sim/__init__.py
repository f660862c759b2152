"""The traffic simulator: a deterministic world that plays the KEC feeds."""

from trafficha.sim.incidents import (
    INCIDENT_SLOT,
    INCIDENT_TYPES,
    MAX_INCIDENT_AGE,
    PROCESS_STEPS,
    IncidentType,
)
from trafficha.sim.world import TOLLGATE_DELAY, TOLLGATE_SLOT, TrafficWorld

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
